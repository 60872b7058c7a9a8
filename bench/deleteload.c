/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * deleteload: whole logins (login.h) by C concurrent clients while keys
 * are deleted through the product's own delete path (apikeyctl delete),
 * and the two counts that must be zero:
 *   late_accepts    logins accepted that started after their key's delete
 *                   returned;
 *   false_refusals  logins refused whose key's delete had not started when
 *                   the login ended (or that was never deleted).
 *
 *   deleteload CONFDIR SERVICE USER POOL_FILE CLIENTS SECONDS APIKEYCTL
 *
 * POOL_FILE holds one key of USER a line.  The deleter deletes the first
 * half of the pool in order, evenly over SECONDS, and records when each
 * `apikeyctl delete ID --yes` was started and when it returned.  Each
 * client logs in for SECONDS, half the time with a key next to the one
 * being deleted (racing the delete), half the time with any key of the
 * pool, and records each login's start, end, key and result.  Every time
 * is CLOCK_MONOTONIC.  A result other than success, PAM_AUTH_ERR or
 * PAM_PERM_DENIED is unexpected.  Prints one line:
 *   clients=C seconds=S logins=N per_s=P accepted=A refused=R deletes=D
 *   delete_fail=X late_accepts=L false_refusals=F unexpected=U
 *   race_accepted=RA race_refused=RR
 * A failed delete may or may not have happened: its key then counts for
 * (b) only before the delete started, and never for (a).
 * Exit status: 0 when L, F, U and X are all 0, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <security/pam_appl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "login.h"

#define MAX_CLIENTS 64
#define KEY_BUF	    128
#define ID_OFFSET   5 /* "pak1_" */
#define ID_LEN	    12

extern char **environ;

struct load {
	struct login_target target;
	const char *ctl;
	char (*keys)[KEY_BUF];
	long pool_n;
	int clients;
	double seconds, t0;
	long *cursor; /* shared: the key being deleted */
};

struct login_rec {
	double start, end;
	int key, rc;
};

struct delete_rec {
	double start, end;
	int key, status;
};

struct counts {
	long logins, accepted, refused, deletes, delete_fail, late, false_ref,
	    unexpected, race_accepted, race_refused;
	double end;
};

/* Sends a count and that many records of size each. */
static noreturn void send_records(int fd, long n, const void *recs, size_t size)
{
	if (write_all(fd, &n, sizeof n) != 0 ||
	    write_all(fd, recs, size * (size_t)n) != 0)
		_exit(3);
	_exit(0);
}

static void sleep_until(double t)
{
	double left = t - now_s();
	struct timespec ts;

	if (left <= 0)
		return;
	ts.tv_sec = (time_t)left;
	ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* apikeyctl delete ID --yes, its output thrown away; its exit status */
static int run_delete(const char *ctl, const char *key)
{
	char id[ID_LEN + 1];
	char *const argv[] = {(char *)"apikeyctl", (char *)"delete", id,
			      (char *)"--yes", NULL};
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, rc;

	snprintf(id, sizeof id, "%s", key + ID_OFFSET);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	rc = posix_spawn(&pid, ctl, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static noreturn void deleter(const struct load *ld, int out_fd)
{
	long max = ld->pool_n / 2, n;
	double interval = ld->seconds / (double)max;
	struct delete_rec *d = calloc((size_t)max, sizeof *d);

	if (d == NULL)
		_exit(3);
	for (n = 0; n < max && now_s() < ld->t0 + ld->seconds; n++) {
		__atomic_store_n(ld->cursor, n, __ATOMIC_SEQ_CST);
		d[n].key = (int)n;
		d[n].start = now_s();
		d[n].status = run_delete(ld->ctl, ld->keys[n]);
		d[n].end = now_s();
		sleep_until(ld->t0 + interval * (double)(n + 1));
	}
	send_records(out_fd, n, d, sizeof *d);
}

static unsigned long long next_random(unsigned long long *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Half the time a key next to the one being deleted, else any. */
static int pick_key(const struct load *ld, unsigned long long *rng)
{
	unsigned long long r = next_random(rng);
	long k;

	if (r & 1)
		return (int)((r >> 1) % (unsigned long long)ld->pool_n);
	k = __atomic_load_n(ld->cursor, __ATOMIC_SEQ_CST) +
	    (long)((r >> 1) % 12) - 4;
	if (k < 0)
		k = 0;
	return (int)(k < ld->pool_n ? k : ld->pool_n - 1);
}

static noreturn void client(const struct load *ld, int out_fd)
{
	unsigned long long rng = 0x9e3779b97f4a7c15ULL ^ (unsigned)getpid();
	struct login_rec *recs = NULL;
	long n = 0, cap = 0;

	while (now_s() < ld->t0 + ld->seconds) {
		struct login_rec *r;

		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			recs = realloc(recs, sizeof *recs * (size_t)cap);
			if (recs == NULL)
				_exit(3);
		}
		r = &recs[n++];
		r->key = pick_key(ld, &rng);
		r->start = now_s();
		r->rc = whole_login(&ld->target, ld->keys[r->key]);
		r->end = now_s();
	}
	send_records(out_fd, n, recs, sizeof *recs);
}

/* Reads a child's count and records (malloc'd); -1 if it died. */
static long receive_records(int fd, void **recs, size_t size)
{
	long n;

	if (read_all(fd, &n, sizeof n) != 0 || n < 0)
		return -1;
	*recs = malloc(size * (size_t)(n > 0 ? n : 1));
	if (*recs == NULL || read_all(fd, *recs, size * (size_t)n) != 0)
		return -1;
	close(fd);
	return n;
}

static void tally_deletes(const struct delete_rec *d, long n, double *del_start,
			  double *del_end, struct counts *c)
{
	for (long i = 0; i < n; i++) {
		del_start[d[i].key] = d[i].start;
		/* a failed delete may or may not have happened */
		del_end[d[i].key] = d[i].status == 0 ? d[i].end : INFINITY;
		if (d[i].status != 0) {
			if (c->delete_fail++ < 3)
				fprintf(stderr,
					"deleteload: apikeyctl delete of key "
					"%d: exit %d\n",
					d[i].key, d[i].status);
		}
	}
	c->deletes += n;
}

static void tell(const char *what, const struct login_rec *r, double t0,
		 double del_start, double del_end)
{
	fprintf(stderr,
		"deleteload: %s: key %d result %d, login %.6f..%.6f s, "
		"delete %.6f..%.6f s\n",
		what, r->key, r->rc, r->start - t0, r->end - t0, del_start - t0,
		del_end - t0);
}

static void tally_login(const struct login_rec *r, const double *del_start,
			const double *del_end, double t0, struct counts *c)
{
	double ds = del_start[r->key], de = del_end[r->key];
	bool ok = r->rc == PAM_SUCCESS;

	c->logins++;
	if (r->end > c->end)
		c->end = r->end;
	if (!ok && r->rc != PAM_AUTH_ERR && r->rc != PAM_PERM_DENIED &&
	    c->unexpected++ < 3)
		tell("unexpected result", r, t0, ds, de);
	if (ok) {
		c->accepted++;
		if (r->start > de && c->late++ < 5)
			tell("accepted after its delete returned", r, t0, ds,
			     de);
		else if (r->start <= de && r->end >= ds)
			c->race_accepted++;
	} else {
		c->refused++;
		if (r->end < ds && c->false_ref++ < 5)
			tell("refused before its delete started", r, t0, ds,
			     de);
		else if (r->end >= ds && r->start <= de)
			c->race_refused++;
	}
}

static bool load_pool(const char *path, struct load *ld)
{
	FILE *f = fopen(path, "r");
	long cap = 1024;

	ld->keys = malloc(sizeof *ld->keys * (size_t)cap);
	if (f == NULL || ld->keys == NULL)
		return false;
	while (fgets(ld->keys[ld->pool_n], KEY_BUF, f) != NULL) {
		ld->keys[ld->pool_n][strcspn(ld->keys[ld->pool_n], "\n")] =
		    '\0';
		if (++ld->pool_n == cap) {
			cap *= 2;
			ld->keys =
			    realloc(ld->keys, sizeof *ld->keys * (size_t)cap);
			if (ld->keys == NULL)
				return false;
		}
	}
	fclose(f);
	return ld->pool_n >= 2;
}

static bool parse_args(int argc, char **argv, struct load *ld)
{
	if (argc != 8) {
		fprintf(stderr, "usage: deleteload CONFDIR SERVICE USER "
				"POOL_FILE CLIENTS SECONDS APIKEYCTL\n");
		return false;
	}
	ld->target.confdir = argv[1];
	ld->target.service = argv[2];
	ld->target.user = argv[3];
	ld->clients = atoi(argv[5]);
	ld->seconds = atof(argv[6]);
	ld->ctl = argv[7];
	ld->cursor = mmap(NULL, sizeof *ld->cursor, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ld->clients < 1 || ld->clients > MAX_CLIENTS || ld->seconds <= 0 ||
	    ld->cursor == MAP_FAILED)
		return false;
	if (!load_pool(argv[4], ld)) {
		fprintf(stderr, "deleteload: cannot read a pool from %s\n",
			argv[4]);
		return false;
	}
	return true;
}

/* Forks the deleter (fds[0]) and the clients (fds[1..C]). */
static bool start(struct load *ld, int *fds)
{
	ld->t0 = now_s();
	for (int i = 0; i <= ld->clients; i++) {
		int p[2];
		pid_t pid;

		if (pipe(p) != 0 || (pid = fork()) < 0)
			return false;
		if (pid == 0) {
			close(p[0]);
			if (i == 0)
				deleter(ld, p[1]);
			client(ld, p[1]);
		}
		close(p[1]);
		fds[i] = p[0];
	}
	return true;
}

static bool collect(const struct load *ld, const int *fds, struct counts *c)
{
	double *ds = malloc(sizeof *ds * (size_t)ld->pool_n);
	double *de = malloc(sizeof *de * (size_t)ld->pool_n);
	void *recs;
	long n;

	if (ds == NULL || de == NULL)
		return false;
	for (long k = 0; k < ld->pool_n; k++)
		ds[k] = de[k] = INFINITY;
	n = receive_records(fds[0], &recs, sizeof(struct delete_rec));
	if (n < 0)
		return false;
	tally_deletes(recs, n, ds, de, c);
	free(recs);
	for (int i = 1; i <= ld->clients; i++) {
		const struct login_rec *r;

		n = receive_records(fds[i], &recs, sizeof *r);
		if (n < 0)
			return false;
		r = recs;
		for (long j = 0; j < n; j++)
			tally_login(&r[j], ds, de, ld->t0, c);
		free(recs);
	}
	return true;
}

int main(int argc, char **argv)
{
	static struct load ld;
	static struct counts c;
	int fds[MAX_CLIENTS + 1];

	if (!parse_args(argc, argv, &ld))
		return 2;
	if (!start(&ld, fds) || !collect(&ld, fds, &c)) {
		fprintf(stderr, "deleteload: a client or the deleter died\n");
		return 2;
	}
	while (wait(NULL) > 0 || errno == EINTR)
		;
	printf("clients=%d seconds=%.3f logins=%ld per_s=%.1f accepted=%ld "
	       "refused=%ld deletes=%ld delete_fail=%ld late_accepts=%ld "
	       "false_refusals=%ld unexpected=%ld race_accepted=%ld "
	       "race_refused=%ld\n",
	       ld.clients, c.end - ld.t0, c.logins,
	       (double)c.logins / (c.end - ld.t0), c.accepted, c.refused,
	       c.deletes, c.delete_fail, c.late, c.false_ref, c.unexpected,
	       c.race_accepted, c.race_refused);
	return c.late || c.false_ref || c.unexpected || c.delete_fail ? 1 : 0;
}
