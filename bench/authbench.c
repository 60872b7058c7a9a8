/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * authbench: times whole logins through libpam (login.h: pam_start_confdir
 * -> pam_authenticate -> pam_acct_mgmt -> pam_end), with C concurrent
 * client processes.
 *
 *   authbench CONFDIR SERVICE USER PASSWORD_FILE EXPECT_RC CLIENTS SECONDS
 *             MIN_PER_CLIENT MAX_PER_CLIENT LATENCY_OUT
 *
 * Each client makes 2 untimed logins, then waits until every client is
 * ready; all start together and loop until a client has done
 * MAX_PER_CLIENT, or SECONDS passed and it has done at least
 * MIN_PER_CLIENT.  A result other than EXPECT_RC (a PAM code number) is a
 * failure.  Latencies (microseconds, one per line) are appended to
 * LATENCY_OUT.  Logins per second are all timed logins over the time from
 * the common start to the last client's end.  Prints one line:
 *   clients=C n=N fail=F wall_s=W per_s=P median_us=M p99_us=Q
 * Exit status: 0 when every login gave EXPECT_RC, 1 otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "login.h"

#define MAX_CLIENTS 64

struct run {
	struct login_target target;
	char password[4096];
	int expect, clients;
	long min_n, max_n;
	double seconds;
};

struct client_result {
	long n, fails;
	double end;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* 1 when rc is not the expected result (the first 3 are told) */
static int failed(const struct run *r, int rc, long fails_so_far)
{
	if (rc == r->expect)
		return 0;
	if (fails_so_far < 3)
		fprintf(stderr, "authbench: %s: got %d, expected %d\n",
			r->target.service, rc, r->expect);
	return 1;
}

static noreturn void client(const struct run *r, int ready_fd, int go_fd,
			    int out_fd)
{
	double *lat = malloc(sizeof *lat * (size_t)r->max_n);
	struct client_result res = {0, 0, 0};
	double start;
	char go;

	if (lat == NULL)
		_exit(3);
	for (int w = 0; w < 2; w++)
		res.fails +=
		    failed(r, whole_login(&r->target, r->password), res.fails);
	if (write_all(ready_fd, "r", 1) != 0 || read_all(go_fd, &go, 1) != 0)
		_exit(3);
	start = now_s();
	while (res.n < r->max_n &&
	       (res.n < r->min_n || now_s() - start < r->seconds)) {
		double a = now_s();
		int rc = whole_login(&r->target, r->password);

		lat[res.n++] = (now_s() - a) * 1e6;
		res.fails += failed(r, rc, res.fails);
	}
	res.end = now_s();
	if (write_all(out_fd, &res, sizeof res) != 0 ||
	    write_all(out_fd, lat, sizeof *lat * (size_t)res.n) != 0)
		_exit(3);
	_exit(0);
}

static bool parse_args(int argc, char **argv, struct run *r)
{
	if (argc != 11) {
		fprintf(stderr, "usage: authbench CONFDIR SERVICE USER "
				"PASSWORD_FILE EXPECT_RC CLIENTS SECONDS MIN "
				"MAX LATENCY_OUT\n");
		return false;
	}
	r->target.confdir = argv[1];
	r->target.service = argv[2];
	r->target.user = argv[3];
	r->expect = atoi(argv[5]);
	r->clients = atoi(argv[6]);
	r->seconds = atof(argv[7]);
	r->min_n = atol(argv[8]);
	r->max_n = atol(argv[9]);
	if (r->clients < 1 || r->clients > MAX_CLIENTS || r->max_n < 1 ||
	    r->min_n > r->max_n)
		return false;
	return read_first_line(argv[4], r->password, sizeof r->password);
}

/* Forks the clients; out_fds[c] reads client c's results.  Returns the
 * time they were let go, or a negative number. */
static double start_clients(const struct run *r, int *out_fds)
{
	int ready[2], go[2];
	char buf[MAX_CLIENTS];
	double t0;

	if (pipe(ready) != 0 || pipe(go) != 0)
		return -1;
	for (int c = 0; c < r->clients; c++) {
		int out[2];
		pid_t pid;

		if (pipe(out) != 0 || (pid = fork()) < 0)
			return -1;
		if (pid == 0) {
			close(out[0]);
			close(ready[0]);
			close(go[1]);
			client(r, ready[1], go[0], out[1]);
		}
		close(out[1]);
		out_fds[c] = out[0];
	}
	close(ready[1]);
	close(go[0]);
	if (read_all(ready[0], buf, (size_t)r->clients) != 0)
		return -1;
	t0 = now_s();
	memset(buf, 'g', sizeof buf);
	if (write_all(go[1], buf, (size_t)r->clients) != 0)
		return -1;
	close(ready[0]);
	close(go[1]);
	return t0;
}

int main(int argc, char **argv)
{
	static struct run r;
	int out_fds[MAX_CLIENTS];
	long total = 0, fails = 0;
	double t0, end = 0, *all;
	FILE *out;

	if (!parse_args(argc, argv, &r))
		return 2;
	t0 = start_clients(&r, out_fds);
	all = malloc(sizeof *all * (size_t)r.max_n * (size_t)r.clients);
	out = fopen(argv[10], "a");
	if (t0 < 0 || all == NULL || out == NULL) {
		perror("authbench");
		return 2;
	}
	for (int c = 0; c < r.clients; c++) {
		struct client_result res;

		if (read_all(out_fds[c], &res, sizeof res) != 0 ||
		    read_all(out_fds[c], all + total,
			     sizeof *all * (size_t)res.n) != 0) {
			fprintf(stderr, "authbench: client %d died\n", c);
			return 2;
		}
		close(out_fds[c]);
		total += res.n;
		fails += res.fails;
		if (res.end > end)
			end = res.end;
	}
	while (wait(NULL) > 0 || errno == EINTR)
		;
	for (long i = 0; i < total; i++)
		fprintf(out, "%.1f\n", all[i]);
	if (fclose(out) != 0)
		return 2;
	qsort(all, (size_t)total, sizeof *all, cmp_double);
	printf("clients=%d n=%ld fail=%ld wall_s=%.3f per_s=%.1f "
	       "median_us=%.1f p99_us=%.1f\n",
	       r.clients, total, fails, end - t0, (double)total / (end - t0),
	       all[total / 2], all[(long)((double)(total - 1) * 0.99)]);
	return fails == 0 ? 0 : 1;
}
