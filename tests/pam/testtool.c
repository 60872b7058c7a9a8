/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * testtool: small things the shell tests cannot do themselves.
 *   testtool key ID SECRET          print the key string for id and secret
 *                                   (a well-formed key with a wrong secret)
 *   testtool request OP USER RHOST SERVICE DB KEY
 *                                   write a helper request (request.h) made
 *                                   by the real encoder; OP is A or C
 *   testtool noargv PROGRAM [VAR=VALUE]...
 *                                   exec PROGRAM with argc == 0 and only the
 *                                   given environment (pkexec CVE-2021-4034)
 *   testtool track-cpu ROUNDS PROGRAM FILE...
 *                                   as time, but print each file's median
 *                                   CPU time (user + system, microseconds)
 *                                   of the tracking child each run leaves
 *                                   behind (a subreaper: the orphaned child
 *                                   comes back here and wait4 reports it)
 *   testtool time ROUNDS PROGRAM FILE...
 *                                   run PROGRAM (as the module does: empty
 *                                   environment) with each FILE on stdin,
 *                                   ROUNDS times, interleaved; print each
 *                                   file's median wall time in microseconds
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "keyfmt.h"
#include "protocol.h"

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Starts program as the module does (an empty environment), file on
 * stdin; its pid, or -1. */
static pid_t start(const char *program, const char *file)
{
	pid_t pid = fork();

	if (pid == 0) {
		char *argv[] = {(char *)"apikey-helper", NULL};
		char *envp[] = {NULL};
		int in = open(file, O_RDONLY),
		    out = open("/dev/null", O_WRONLY);

		if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0)
			_exit(127);
		execve(program, argv, envp);
		_exit(127);
	}
	return pid;
}

/* One run of program with file on stdin; its wall time in microseconds. */
static long long run_once(const char *program, const char *file)
{
	long long start_us = now_us();
	pid_t pid = start(program, file);

	if (pid < 0 || waitpid(pid, NULL, 0) < 0)
		return -1;
	return now_us() - start_us;
}

/* One run; the CPU time in microseconds of the tracking child it left,
 * reaped here (we are a subreaper), or -1 when none came within 5 s. */
static long long child_cpu(const char *program, const char *file)
{
	pid_t pid = start(program, file);
	long long deadline = now_us() + 5000000;
	struct rusage ru;

	if (pid < 0 || waitpid(pid, NULL, 0) < 0)
		return -1;
	while (now_us() < deadline) {
		pid_t done = wait4(-1, NULL, WNOHANG, &ru);

		if (done > 0)
			return (long long)(ru.ru_utime.tv_sec +
					   ru.ru_stime.tv_sec) *
				   1000000 +
			       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
		if (done < 0 && errno != EINTR)
			return -1;
		usleep(2000);
	}
	return -1;
}

static int by_value(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

static int time_runs(int rounds, const char *program, int files, char **names,
		     long long (*measure)(const char *, const char *))
{
	long long *t = calloc((size_t)(rounds * files), sizeof *t);

	if (t == NULL || rounds < 1)
		return 1;
	for (int r = 0; r < rounds; r++)
		for (int f = 0; f < files; f++)
			if ((t[f * rounds + r] = measure(program, names[f])) <
			    0)
				return 1;
	for (int f = 0; f < files; f++) {
		qsort(t + f * rounds, (size_t)rounds, sizeof *t, by_value);
		printf("%s %lld\n", names[f], t[f * rounds + rounds / 2]);
	}
	free(t);
	return 0;
}

/* Fields longer than the protocol allows are refused by the encoder; the
 * tests that need oversized or malformed bytes write them themselves. */
static int write_request(char **field)
{
	static struct request req;
	char buf[REQ_MAX];
	const char *values[5] = {field[1], field[2], field[3], field[4],
				 field[5]};
	char *targets[5] = {req.user, req.rhost, req.service, req.db, req.key};
	size_t sizes[5] = {sizeof req.user, sizeof req.rhost,
			   sizeof req.service, sizeof req.db, sizeof req.key};
	size_t len;

	req.op = field[0][0];
	for (int i = 0; i < 5; i++) {
		if (strlen(values[i]) >= sizes[i])
			return 1;
		memcpy(targets[i], values[i], strlen(values[i]) + 1);
	}
	len = request_encode(&req, buf, sizeof buf);
	return len > 0 && fwrite(buf, 1, len, stdout) == len ? 0 : 1;
}

int main(int argc, char **argv)
{
	char key[KEY_LEN + 1];

	if (argc == 8 && strcmp(argv[1], "request") == 0)
		return write_request(argv + 2);
	if (argc == 4 && strcmp(argv[1], "key") == 0) {
		if (!key_assemble(argv[2], argv[3], key, sizeof key))
			return 1;
		puts(key);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "noargv") == 0) {
		char *empty[] = {NULL};
		execve(argv[2], empty, argv + 3);
		perror("execve");
		return 127;
	}
	if (argc >= 5 && strcmp(argv[1], "time") == 0)
		return time_runs(atoi(argv[2]), argv[3], argc - 4, argv + 4,
				 run_once);
	if (argc >= 5 && strcmp(argv[1], "track-cpu") == 0 &&
	    prctl(PR_SET_CHILD_SUBREAPER, 1) == 0)
		return time_runs(atoi(argv[2]), argv[3], argc - 4, argv + 4,
				 child_cpu);
	fprintf(stderr,
		"usage: testtool key ID SECRET | request OP USER RHOST "
		"SERVICE DB KEY | noargv PROGRAM [ENV]... | time|track-cpu "
		"ROUNDS PROGRAM FILE...\n");
	return 2;
}
