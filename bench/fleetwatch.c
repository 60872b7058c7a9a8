/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fleetwatch: how long a key deleted in the central store stays usable on
 * the hosts (bench/fleet.sh).  Each host is a store of its own, kept by its
 * own apikey-sync agent.
 *
 *   fleetwatch CONFDIR USER PEPPER HOSTS_FILE CTL CONNINFO TRIALS PAUSE_MS
 *              OUT
 *
 * HOSTS_FILE holds one host a line, "SERVICE DB_PATH": SERVICE is a PAM
 * service in CONFDIR whose pam_apikey lines name db=DB_PATH.  Each trial:
 *
 *  1. runs `CTL --central CONNINFO create USER --name N --never-expire
 *     --quiet` and takes the key it prints;
 *  2. checks every host's store until each accepts the key (the time from
 *     the create returning is the creation's propagation), then makes one
 *     whole login through libpam on each host (login.c: the helper with
 *     that host's db=), which must succeed;
 *  3. after PAUSE_MS plus a random part of it (so the delete falls anywhere
 *     between the agents' heartbeats), runs `CTL --central CONNINFO delete
 *     USER/N --yes` in a thread and records when it started and returned;
 *     meanwhile checks every host until each refuses the key;
 *  4. makes one whole login through libpam on each host, which must be
 *     refused (PAM_AUTH_ERR).
 *
 * A check is the product's own decision, verify_key() (core/verify.c, what
 * the helper, apikeyd and `apikeyctl verify` run), on the host's store held
 * open read-only as apikeyd holds it: every check reads the store's latest
 * commit.  The hosts are checked in turn, sweep after sweep, with a pause
 * of POLL_US between sweeps; a host's refusal time is the end of the first
 * check that refused, so a latency is never under-stated by more than the
 * clock's resolution and is over-stated by at most one sweep.
 *
 * OUT gets one line per (trial, host):
 *   TRIAL HOST CREATE_MS REVOKE_MS DELETE_MS
 * CREATE_MS: from the create returning to the host accepting the key;
 * REVOKE_MS: from the delete returning to the host refusing it (negative
 * when the host refused before apikeyctl returned); DELETE_MS: how long the
 * delete command ran.  Prints one line of counts:
 *   trials=T pairs=P checks=C sweep_ms=S timeouts=.. flaps=.. false_refusals=..
 *   early=.. confirm_fail=.. other=.. command_fail=..
 * flaps: a host accepting the key again after it had refused it;
 * false_refusals: a host refusing the key in the sweep made just before
 * the delete started; early: refusals seen before the delete returned (not
 * wrong: the agent may apply the change before apikeyctl hears the commit);
 * other: a verdict neither an accept nor "no such key" (counted, not a
 * refusal). Exit status: 0 when every trial completed with timeouts, flaps,
 * false_refusals, confirm_fail and command_fail all 0; 1 otherwise; 2 on a
 * setup error.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <security/pam_appl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "keyfmt.h"
#include "login.h"
#include "secret.h"
#include "store.h"
#include "verify.h"

extern char **environ;

#define MAX_HOSTS 64
#define POLL_US	  1000
/* past the agents' heartbeat (max_stale / 4, at most 30 s): a change an
 * agent missed is still seen, late, and timed */
#define TIMEOUT_S 60.0
#define LINE_MAX_ 2048

enum seen { SEEN_ACCEPT, SEEN_GONE, SEEN_OTHER };

struct host {
	char service[128];
	char db[LINE_MAX_];
	struct store *s;
	double seen; /* this phase: the end of the first check that gave it */
};

static struct host hosts[MAX_HOSTS];
static int nhosts;
static unsigned char pepper[PEPPER_LEN];
static const char *confdir, *user, *ctl, *conninfo;
static long checks, sweeps, other;
static double sweep_time;

static void die(const char *what)
{
	fprintf(stderr, "fleetwatch: %s\n", what);
	exit(2);
}

/* ---- one check: the product's decision on one host's store ------------ */

static enum seen check(struct host *h, const char *key)
{
	static struct request req;
	static struct verify_result res;

	memset(&req, 0, sizeof req);
	req.op = REQ_OP_AUTH;
	snprintf(req.user, sizeof req.user, "%s", user);
	snprintf(req.rhost, sizeof req.rhost, "198.51.100.7");
	snprintf(req.service, sizeof req.service, "sshd");
	snprintf(req.key, sizeof req.key, "%s", key);
	verify_key(h->s, pepper, &req, SCOPE_ANY_USER, time(NULL), &res);
	checks++;
	if (res.verdict == VERDICT_ACCEPT)
		return SEEN_ACCEPT;
	if (res.verdict == VERDICT_REFUSED && !res.secret_matched)
		return SEEN_GONE; /* no such key on this host */
	other++;
	return SEEN_OTHER;
}

static void pause_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Sweeps the hosts until each has given `want` once (its time in
 * hosts[].seen), or TIMEOUT_S; a host that accepts after it was seen
 * refusing counts in *flaps.  Returns how many hosts never gave it. */
static int sweep_until(enum seen want, const char *key, long *flaps)
{
	double start = now_s();
	int pending = nhosts;

	for (int i = 0; i < nhosts; i++)
		hosts[i].seen = -1;
	while (pending > 0 && now_s() - start < TIMEOUT_S) {
		double s0 = now_s();

		for (int i = 0; i < nhosts; i++) {
			struct host *h = &hosts[i];
			enum seen got = check(h, key);
			double b = now_s();

			if (h->seen >= 0) {
				if (want == SEEN_GONE && got == SEEN_ACCEPT)
					(*flaps)++;
				continue;
			}
			if (got == want) {
				h->seen = b;
				pending--;
			}
		}
		sweeps++;
		sweep_time += now_s() - s0;
		if (pending > 0)
			pause_us(POLL_US);
	}
	return pending;
}

/* ---- the commands ------------------------------------------------------ */

/* Runs argv with its stdout into out (when not NULL, else /dev/null);
 * the exit status, or -1. */
static int run(char *const *argv, char *out, size_t outlen)
{
	posix_spawn_file_actions_t fa;
	int p[2] = {-1, -1}, status = -1;
	size_t got = 0;
	pid_t pid;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	if (out != NULL) {
		if (pipe(p) != 0)
			return -1;
		posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
		posix_spawn_file_actions_addclose(&fa, p[0]);
		posix_spawn_file_actions_addclose(&fa, p[1]);
	} else {
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO,
						 "/dev/null", O_WRONLY, 0);
	}
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	if (out != NULL) {
		close(p[1]);
		while (pid > 0 && got + 1 < outlen) {
			ssize_t n = read(p[0], out + got, outlen - 1 - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		out[got] = '\0';
		close(p[0]);
	}
	if (pid < 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct deletion {
	char *argv[7];
	double t0, t1;
	int status;
};

static void *run_delete(void *p)
{
	struct deletion *d = p;

	d->status = run(d->argv, NULL, 0);
	d->t1 = now_s();
	return NULL;
}

/* ---- the hosts --------------------------------------------------------- */

static void read_hosts(const char *path)
{
	char line[LINE_MAX_ + 256], err[512];
	FILE *f = fopen(path, "r");

	if (f == NULL)
		die("cannot read the hosts file");
	while (fgets(line, sizeof line, f) != NULL) {
		struct host *h = &hosts[nhosts];
		char *sp;

		line[strcspn(line, "\n")] = '\0';
		sp = strchr(line, ' ');
		if (line[0] == '\0')
			continue;
		if (nhosts == MAX_HOSTS || sp == NULL ||
		    (size_t)(sp - line) >= sizeof h->service ||
		    strlen(sp + 1) >= sizeof h->db)
			die("bad hosts file");
		*sp = '\0';
		snprintf(h->service, sizeof h->service, "%s", line);
		snprintf(h->db, sizeof h->db, "%s", sp + 1);
		h->s = store_open(h->db, STORE_READ, err, sizeof err);
		if (h->s == NULL) {
			fprintf(stderr, "fleetwatch: %s: %s\n", h->db, err);
			exit(2);
		}
		nhosts++;
	}
	fclose(f);
	if (nhosts == 0)
		die("no hosts");
}

/* One whole login on every host; the number that did not give expect. */
static long confirm(const char *key, int expect, const char *when)
{
	long bad = 0;

	for (int i = 0; i < nhosts; i++) {
		struct login_target t = {confdir, hosts[i].service, user};
		int rc = whole_login(&t, key);

		if (rc != expect) {
			fprintf(stderr,
				"fleetwatch: %s: a whole login on %s gave %d, "
				"expected %d\n",
				when, hosts[i].service, rc, expect);
			bad++;
		}
	}
	return bad;
}

int main(int argc, char **argv)
{
	char err[512], name[64], ref[320], key[KEY_LEN + 64];
	long trials, pause_ms, pairs = 0, timeouts = 0, flaps = 0,
			       false_ref = 0, early = 0, confirm_fail = 0,
			       command_fail = 0, t;
	FILE *out;

	if (argc != 10) {
		fprintf(stderr, "usage: fleetwatch CONFDIR USER PEPPER "
				"HOSTS_FILE CTL CONNINFO TRIALS PAUSE_MS "
				"OUT\n");
		return 2;
	}
	confdir = argv[1];
	user = argv[2];
	ctl = argv[5];
	conninfo = argv[6];
	trials = atol(argv[7]);
	pause_ms = atol(argv[8]);
	if (trials < 1 || pause_ms < 1)
		die("bad TRIALS or PAUSE_MS");
	if (!secret_init() || !pepper_load(argv[3], pepper, err, sizeof err))
		die(err);
	read_hosts(argv[4]);
	out = fopen(argv[9], "a");
	if (out == NULL)
		die("cannot open OUT");
	srandom((unsigned)getpid() ^ (unsigned)time(NULL));

	for (t = 1; t <= trials; t++) {
		char *create[] = {
		    (char *)ctl, "--central",	   (char *)conninfo,
		    "create",	 (char *)user,	   "--name",
		    name,	 "--never-expire", "--quiet",
		    NULL};
		struct deletion d = {.status = -1};
		char *del[] = {(char *)ctl, "--central", (char *)conninfo,
			       "delete",    ref,	 "--yes",
			       NULL};
		pthread_t th;
		double created, accepted[MAX_HOSTS];
		int missing;

		memcpy(d.argv, del, sizeof del);
		snprintf(name, sizeof name, "fleet-%ld-%ld", (long)getpid(), t);
		snprintf(ref, sizeof ref, "%s/%s", user, name);
		if (run(create, key, sizeof key) != 0) {
			fprintf(stderr,
				"fleetwatch: trial %ld: create failed\n", t);
			command_fail++;
			break;
		}
		created = now_s();
		key[strcspn(key, "\n")] = '\0';
		if (strlen(key) != KEY_LEN) {
			fprintf(stderr, "fleetwatch: create printed no key\n");
			command_fail++;
			break;
		}
		missing = sweep_until(SEEN_ACCEPT, key, &flaps);
		if (missing > 0) {
			fprintf(stderr,
				"fleetwatch: trial %ld: %d host(s) never "
				"accepted the new key\n",
				t, missing);
			timeouts += missing;
			break;
		}
		for (int i = 0; i < nhosts; i++)
			accepted[i] = hosts[i].seen;
		confirm_fail += confirm(key, PAM_SUCCESS, "before the delete");
		pause_us((pause_ms + random() % pause_ms) * 1000);
		/* still accepted everywhere the moment before the delete */
		for (int i = 0; i < nhosts; i++)
			if (check(&hosts[i], key) != SEEN_ACCEPT) {
				fprintf(stderr,
					"fleetwatch: trial %ld: %s refused the "
					"key before its delete\n",
					t, hosts[i].service);
				false_ref++;
			}

		d.t0 = now_s();
		if (pthread_create(&th, NULL, run_delete, &d) != 0)
			die("pthread_create");
		missing = sweep_until(SEEN_GONE, key, &flaps);
		pthread_join(th, NULL);
		if (d.status != 0) {
			fprintf(stderr,
				"fleetwatch: trial %ld: delete exited %d\n", t,
				d.status);
			command_fail++;
			break;
		}
		if (missing > 0) {
			fprintf(stderr,
				"fleetwatch: trial %ld: %d host(s) still "
				"accept the key %.0f s after its delete\n",
				t, missing, TIMEOUT_S);
			timeouts += missing;
			break;
		}
		for (int i = 0; i < nhosts; i++) {
			struct host *h = &hosts[i];

			if (h->seen < d.t1)
				early++;
			fprintf(out, "%ld %s %.3f %.3f %.3f\n", t, h->service,
				(accepted[i] - created) * 1e3,
				(h->seen - d.t1) * 1e3, (d.t1 - d.t0) * 1e3);
			pairs++;
		}
		confirm_fail += confirm(key, PAM_AUTH_ERR, "after the delete");
		if (t % 10 == 0)
			fprintf(stderr, "fleetwatch: %ld of %ld trials\n", t,
				trials);
	}
	if (fclose(out) != 0)
		die("cannot write OUT");
	for (int i = 0; i < nhosts; i++)
		store_close(hosts[i].s);
	secret_wipe(pepper, sizeof pepper);
	printf("trials=%ld pairs=%ld checks=%ld sweep_ms=%.3f timeouts=%ld "
	       "flaps=%ld false_refusals=%ld early=%ld confirm_fail=%ld "
	       "other=%ld command_fail=%ld\n",
	       t - 1, pairs, checks,
	       sweeps ? sweep_time / (double)sweeps * 1e3 : 0, timeouts, flaps,
	       false_ref, early, confirm_fail, other, command_fail);
	return t - 1 == trials && timeouts == 0 && flaps == 0 &&
		       false_ref == 0 && confirm_fail == 0 && command_fail == 0
		   ? 0
		   : 1;
}
