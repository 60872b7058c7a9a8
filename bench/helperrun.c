/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * helperrun: runs apikey-helper directly, as pam_apikey would, to measure
 * it alone.
 *
 *   helperrun HELPER USER KEY_FILE RUNS          run it RUNS times; print
 *       "runs=R status=S maxrss_kib=K median_us=M" (peak RSS of the
 *       helper processes from wait4, the largest of the runs)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "protocol.h"

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

static size_t make_request(const char *user, const char *key_file, char *buf,
			   size_t cap)
{
	static struct request req;
	FILE *f = fopen(key_file, "r");

	if (f == NULL || fgets(req.key, sizeof req.key, f) == NULL) {
		perror(key_file);
		exit(2);
	}
	fclose(f);
	req.key[strcspn(req.key, "\n")] = '\0';
	req.op = REQ_OP_AUTH;
	snprintf(req.user, sizeof req.user, "%s", user);
	snprintf(req.rhost, sizeof req.rhost, "198.51.100.7");
	snprintf(req.service, sizeof req.service, "bench");
	return request_encode(&req, buf, cap);
}

int main(int argc, char **argv)
{
	char buf[REQ_MAX];
	size_t len;
	int runs, last = -1;
	long maxrss = 0, *us;

	if (argc != 5) {
		fprintf(stderr, "usage: helperrun HELPER USER KEY_FILE RUNS\n");
		return 2;
	}
	len = make_request(argv[2], argv[3], buf, sizeof buf);
	runs = atoi(argv[4]);
	us = calloc((size_t)(runs > 0 ? runs : 1), sizeof *us);
	if (len == 0 || runs < 1 || us == NULL)
		return 2;
	for (int r = 0; r < runs; r++) {
		struct timespec a, b;
		struct rusage ru;
		int p[2], status;
		pid_t pid;

		clock_gettime(CLOCK_MONOTONIC, &a);
		if (pipe(p) != 0 || write(p[1], buf, len) != (ssize_t)len)
			return 2;
		close(p[1]);
		pid = fork();
		if (pid == 0) {
			char *const av[] = {(char *)"apikey-helper", NULL};
			char *const env[] = {NULL};
			int null = open("/dev/null", O_WRONLY);

			dup2(p[0], 0);
			dup2(null, 1);
			execve(argv[1], av, env);
			_exit(127);
		}
		close(p[0]);
		while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
			;
		clock_gettime(CLOCK_MONOTONIC, &b);
		us[r] = (b.tv_sec - a.tv_sec) * 1000000L +
			(b.tv_nsec - a.tv_nsec) / 1000L;
		if (ru.ru_maxrss > maxrss)
			maxrss = ru.ru_maxrss;
		last = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	}
	qsort(us, (size_t)runs, sizeof *us, cmp_long);
	printf("runs=%d status=%d maxrss_kib=%ld median_us=%ld\n", runs, last,
	       maxrss, us[runs / 2]);
	return 0;
}
