/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * authbench: times real pam_start_confdir + pam_authenticate + pam_end
 * cycles through libpam, with C concurrent client processes.
 *
 *   authbench CONFDIR SERVICE USER PASSWORD_FILE EXPECT_RC CLIENTS SECONDS
 *             MIN_PER_CLIENT MAX_PER_CLIENT LATENCY_OUT
 *
 * Each client warms up with 2 untimed authentications, then loops until it
 * has done MAX_PER_CLIENT, or SECONDS passed and it has done at least
 * MIN_PER_CLIENT.  A result other than EXPECT_RC (a PAM code number) is a
 * failure.  Latencies (microseconds, one per line) are appended to
 * LATENCY_OUT.  Prints one line:
 *   clients=C n=N fail=F wall_s=W per_s=P median_us=M p99_us=Q
 * The PAM fail delay is a no-op (as in tests/pam/pam-test.c).
 * Exit status: 0 when every authentication gave EXPECT_RC, 1 otherwise.
 */
#include <errno.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char password[4096];

static int answer(int count, const struct pam_message **msgs,
		  struct pam_response **replies, void *data)
{
	struct pam_response *r = calloc((size_t)count, sizeof *r);

	(void)data;
	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < count; i++)
		if (msgs[i]->msg_style == PAM_PROMPT_ECHO_OFF ||
		    msgs[i]->msg_style == PAM_PROMPT_ECHO_ON)
			r[i].resp = strdup(password);
	*replies = r;
	return PAM_SUCCESS;
}

static void no_delay(int status, unsigned int usec, void *data)
{
	(void)status;
	(void)usec;
	(void)data;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int one_auth(const char *confdir, const char *service, const char *user)
{
	struct pam_conv conv = {answer, NULL};
	pam_handle_t *pamh = NULL;
	int rc = pam_start_confdir(service, user, &conv, confdir, &pamh);

	if (rc != PAM_SUCCESS)
		return 1000 + rc;
	pam_set_item(pamh, PAM_FAIL_DELAY, (const void *)no_delay);
	pam_set_item(pamh, PAM_RHOST, "198.51.100.7");
	rc = pam_authenticate(pamh, 0);
	pam_end(pamh, rc);
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int write_all(int fd, const void *p, size_t len)
{
	const char *c = p;

	while (len > 0) {
		ssize_t n = write(fd, c, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, void *p, size_t len)
{
	char *c = p;

	while (len > 0) {
		ssize_t n = read(fd, c, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *confdir, *service, *user, *out_path;
	int expect, clients, min_n, max_n;
	double seconds, t0, wall;
	long total = 0, fails = 0;
	double *all;
	int fds[64][2];
	pid_t pids[64];
	FILE *pf, *out;

	if (argc != 11) {
		fprintf(stderr, "usage: authbench CONFDIR SERVICE USER "
				"PASSWORD_FILE EXPECT_RC CLIENTS SECONDS MIN "
				"MAX LATENCY_OUT\n");
		return 2;
	}
	confdir = argv[1];
	service = argv[2];
	user = argv[3];
	expect = atoi(argv[5]);
	clients = atoi(argv[6]);
	seconds = atof(argv[7]);
	min_n = atoi(argv[8]);
	max_n = atoi(argv[9]);
	out_path = argv[10];
	if (clients < 1 || clients > 64 || max_n < 1 || min_n > max_n)
		return 2;
	pf = fopen(argv[4], "r");
	if (pf == NULL || fgets(password, sizeof password, pf) == NULL) {
		perror(argv[4]);
		return 2;
	}
	fclose(pf);
	password[strcspn(password, "\n")] = '\0';

	t0 = now_s();
	for (int c = 0; c < clients; c++) {
		if (pipe(fds[c]) != 0 || (pids[c] = fork()) < 0) {
			perror("fork");
			return 2;
		}
		if (pids[c] == 0) {
			double *lat = malloc(sizeof *lat * (size_t)max_n);
			long n = 0, f = 0;
			double start;

			close(fds[c][0]);
			if (lat == NULL)
				_exit(3);
			for (int w = 0; w < 2; w++)
				if (one_auth(confdir, service, user) != expect)
					f++;
			start = now_s();
			while (n < max_n &&
			       (n < min_n || now_s() - start < seconds)) {
				double a = now_s();
				int rc = one_auth(confdir, service, user);

				lat[n++] = (now_s() - a) * 1e6;
				if (rc != expect) {
					if (f < 3)
						fprintf(stderr,
							"authbench: %s: got "
							"%d, expected %d\n",
							service, rc, expect);
					f++;
				}
			}
			if (write_all(fds[c][1], &n, sizeof n) ||
			    write_all(fds[c][1], &f, sizeof f) ||
			    write_all(fds[c][1], lat, sizeof *lat * (size_t)n))
				_exit(3);
			_exit(0);
		}
		close(fds[c][1]);
	}
	all = malloc(sizeof *all * (size_t)max_n * (size_t)clients);
	out = fopen(out_path, "a");
	if (all == NULL || out == NULL) {
		perror(out_path);
		return 2;
	}
	for (int c = 0; c < clients; c++) {
		long n, f;
		int status;

		if (read_all(fds[c][0], &n, sizeof n) ||
		    read_all(fds[c][0], &f, sizeof f) ||
		    read_all(fds[c][0], all + total, sizeof *all * (size_t)n)) {
			fprintf(stderr, "authbench: client %d died\n", c);
			return 2;
		}
		close(fds[c][0]);
		waitpid(pids[c], &status, 0);
		total += n;
		fails += f;
	}
	wall = now_s() - t0;
	for (long i = 0; i < total; i++)
		fprintf(out, "%.1f\n", all[i]);
	fclose(out);
	qsort(all, (size_t)total, sizeof *all, cmp_double);
	printf("clients=%d n=%ld fail=%ld wall_s=%.3f per_s=%.1f "
	       "median_us=%.1f p99_us=%.1f\n",
	       clients, total, fails, wall, (double)total / wall,
	       all[total / 2], all[(long)((double)(total - 1) * 0.99)]);
	return fails == 0 ? 0 : 1;
}
