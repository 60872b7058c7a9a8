/* SPDX-License-Identifier: BSD-2-Clause */
#include "agent.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "deadline.h"
#include "keys.h"
#include "logquote.h"
#include "mirror.h"
#include "pg.h"
#include "report.h"
#include "secret.h"
#include "store.h"

volatile sig_atomic_t agent_stop;

#define BACKOFF_FIRST_MS 250
#define BACKOFF_MAX_MS	 5000

/* What one session with the central store works with. */
struct session {
	const struct agent_options *opt;
	PGconn *pg;
	struct store *s;
	long long revision; /* the local store's */
	long long heartbeat_ms;
	bool refused_pepper; /* logged once per session */
};

/* ---- applying ----------------------------------------------------------- */

struct apply {
	struct session *ss;
	bool full;
	long long put, dropped, skipped;
	char *err;
	size_t errlen;
};

static bool apply_key(const struct key_record *rec,
		      const unsigned char hash[KEY_HASH_LEN],
		      const char *damaged, void *ctx, char *err, size_t errlen)
{
	struct apply *ap = ctx;
	const struct agent_options *opt = ap->ss->opt;
	char user[96], name[96];
	enum store_result r;

	if (damaged != NULL || !central_key_for_host(rec, opt->conf.groups,
						     opt->conf.group_count)) {
		if (damaged != NULL) {
			syslog(LOG_ERR,
			       "central key %s not mirrored: damaged in the "
			       "central store (%s)",
			       rec->id, damaged);
			ap->skipped++;
		}
		r = ap->full ? STORE_OK : mirror_drop(ap->ss->s, rec->id);
		if (r == STORE_OK && !ap->full)
			ap->dropped++;
		return r == STORE_OK || r == STORE_NOT_FOUND ||
		       (snprintf(err, errlen, "%s", store_error(ap->ss->s)),
			false);
	}
	r = mirror_put(ap->ss->s, rec, hash);
	if (r == STORE_CONFLICT) {
		/* an older copy must not stay in force with its old lists */
		r = mirror_drop(ap->ss->s, rec->id);
		syslog(LOG_WARNING,
		       "central key %s (%s/%s) not mirrored: a local key holds "
		       "its id or its name",
		       rec->id, log_quote(rec->user, user, sizeof user),
		       log_quote(rec->name, name, sizeof name));
		ap->skipped++;
		if (r == STORE_OK || r == STORE_NOT_FOUND)
			return true;
		snprintf(err, errlen, "%s", store_error(ap->ss->s));
		return false;
	}
	if (r != STORE_OK ||
	    (ap->full && mirror_seen(ap->ss->s, rec->id) != STORE_OK)) {
		snprintf(err, errlen, "%s", store_error(ap->ss->s));
		return false;
	}
	ap->put++;
	return true;
}

static void drop_deleted(const char *id, void *ctx)
{
	struct apply *ap = ctx;

	if (mirror_drop(ap->ss->s, id) == STORE_OK)
		ap->dropped++;
}

static bool verifiers_ok = true;
static void add_verifier(const char *service, void *ctx)
{
	if (mirror_verifier_add(ctx, service) != STORE_OK)
		verifiers_ok = false;
}

/* The changes since the local revision (all, when full), in one local
 * transaction, from the snapshot the caller opened. */
static bool apply_changes(struct apply *ap, long long central_rev)
{
	struct session *ss = ap->ss;
	long long since = ap->full ? -1 : ss->revision, bad = 0, swept = 0;
	bool ok;

	verifiers_ok = true;
	ok = store_begin(ss->s) == STORE_OK &&
	     (!ap->full || mirror_sweep_begin(ss->s) == STORE_OK) &&
	     (ap->full || central_read_deleted(ss->pg, since, drop_deleted, ap,
					       ap->err, ap->errlen)) &&
	     central_read_keys(ss->pg, since, apply_key, ap, &bad, ap->err,
			       ap->errlen) &&
	     (!ap->full || mirror_sweep(ss->s, &swept) == STORE_OK) &&
	     mirror_verifiers_clear(ss->s) == STORE_OK &&
	     central_read_verifiers(ss->pg, add_verifier, ss->s, ap->err,
				    ap->errlen) &&
	     verifiers_ok &&
	     mirror_contact(ss->s, time(NULL), ss->opt->conf.max_stale,
			    central_rev) == STORE_OK &&
	     store_commit(ss->s) == STORE_OK;
	if (!ok && ap->err[0] == '\0')
		snprintf(ap->err, ap->errlen, "local store: %s",
			 store_error(ss->s));
	store_rollback(ss->s);
	if (bad > 0)
		syslog(LOG_ERR,
		       "%lld central key row(s) with a damaged id "
		       "not mirrored",
		       bad);
	ap->dropped += swept;
	if (ok)
		ss->revision = central_rev;
	return ok;
}

/* Records the contact alone, in a transaction of its own. */
static bool mirror_touch(struct session *ss, long long rev, char *err,
			 size_t errlen)
{
	bool ok = store_begin(ss->s) == STORE_OK &&
		  mirror_contact(ss->s, time(NULL), ss->opt->conf.max_stale,
				 rev) == STORE_OK &&
		  store_commit(ss->s) == STORE_OK;

	if (!ok)
		snprintf(err, errlen, "local store: %s", store_error(ss->s));
	store_rollback(ss->s);
	return ok;
}

/* The local store, opened again when it was migrated or replaced. */
static bool local_store(struct session *ss, char *err, size_t errlen)
{
	if (ss->s != NULL && store_schema_current(ss->s))
		return true;
	store_close(ss->s);
	ss->s = store_open(ss->opt->db, STORE_WRITE, err, errlen);
	if (ss->s == NULL)
		return false;
	ss->revision = mirror_revision(ss->s);
	if (ss->revision < -1) {
		snprintf(err, errlen, "local store: %s", store_error(ss->s));
		return false;
	}
	return true;
}

/* The central store's pepper is this host's: else keys made there would
 * never match here, and the copy must go stale rather than look fresh. */
static bool pepper_ok(struct session *ss, char *err, size_t errlen)
{
	unsigned char pepper[PEPPER_LEN];
	bool ok = pepper_load(ss->opt->pepper, pepper, err, errlen) &&
		  central_pepper_matches(ss->pg, pepper, err, errlen);

	secret_wipe(pepper, sizeof pepper);
	return ok;
}

/* One exchange: a full resynchronisation, or the changes since the local
 * revision (nothing new is a heartbeat: the contact is recorded). */
static bool synchronise(struct session *ss, bool full, char *err, size_t errlen)
{
	struct apply ap = {
	    .ss = ss, .full = full, .err = err, .errlen = errlen};
	long long rev;
	bool ok;

	err[0] = '\0';
	if (!local_store(ss, err, errlen))
		return false;
	if (!central_run(ss->pg,
			 "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0,
			 NULL, err, errlen))
		return false;
	ok = pepper_ok(ss, err, errlen) &&
	     (rev = central_revision(ss->pg, err, errlen)) >= 0;
	if (ok && !full && rev < ss->revision)
		syslog(LOG_WARNING,
		       "the central store is at revision %lld, behind this "
		       "host's %lld (restored from a backup?): resynchronising",
		       rev, ss->revision);
	if (ok && (rev < ss->revision || ss->revision < 0))
		full = true;
	ap.full = full;
	if (ok && !full && rev == ss->revision)
		/* nothing new: the exchange itself is the contact */
		ok = mirror_touch(ss, rev, err, errlen);
	else
		ok = ok && apply_changes(&ap, rev);
	ok = ok && central_run(ss->pg, "COMMIT", 0, NULL, err, errlen);
	central_rollback(ss->pg);
	if (ok && (full || ap.put + ap.dropped > 0))
		syslog(LOG_INFO,
		       "%s to revision %lld: %lld key(s) written, %lld "
		       "removed, %lld not mirrored",
		       full ? "resynchronised" : "applied changes", rev, ap.put,
		       ap.dropped, ap.skipped);
	return ok;
}

/* ---- the session ----------------------------------------------------------
 */

/* Waits for the central store's notifications until the next heartbeat or
 * report; false when the connection is lost. */
static bool wait_for_news(struct session *ss, long long until_ms, bool *changed)
{
	long long now = monotonic_ms();
	struct pollfd p = {.fd = PQsocket(ss->pg), .events = POLLIN};
	PGnotify *n;
	int rc;

	if (p.fd < 0)
		return false;
	rc = poll(&p, 1, until_ms > now ? (int)(until_ms - now) : 0);
	if (rc < 0)
		return errno == EINTR;
	if (rc == 0)
		return true;
	if (!PQconsumeInput(ss->pg))
		return false;
	while ((n = PQnotifies(ss->pg)) != NULL) {
		*changed = true;
		PQfreemem(n);
	}
	return PQstatus(ss->pg) == CONNECTION_OK;
}

static void serve(struct session *ss)
{
	long long next_sync = monotonic_ms() + ss->heartbeat_ms;
	long long next_report = monotonic_ms() + REPORT_INTERVAL_MS;
	char err[700] = "";

	while (!agent_stop) {
		bool changed = false;
		long long now;

		if (!wait_for_news(
			ss, next_sync < next_report ? next_sync : next_report,
			&changed)) {
			central_error(ss->pg, "connection lost", err,
				      sizeof err);
			break;
		}
		now = monotonic_ms();
		if (changed || now >= next_sync) {
			if (!synchronise(ss, false, err, sizeof err))
				break;
			next_sync = now + ss->heartbeat_ms;
		}
		if (now >= next_report) {
			/* a report the central store refuses is logged and
			 * sent again later; only a lost connection ends the
			 * session */
			if (!report_usage(ss->pg, ss->s, err, sizeof err)) {
				if (PQstatus(ss->pg) != CONNECTION_OK)
					break;
				syslog(LOG_ERR, "usage report refused: %s",
				       err);
				err[0] = '\0';
			}
			next_report = now + REPORT_INTERVAL_MS;
		}
	}
	if (!agent_stop)
		syslog(LOG_ERR, "lost the central store: %s", err);
}

static void sleep_ms(long long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	if (!agent_stop)
		nanosleep(&ts, NULL);
}

/* One connection: listen, resynchronise, then follow the changes. */
static bool session(struct session *ss, char *err, size_t errlen)
{
	ss->pg =
	    central_connect(ss->opt->conf.conninfo, "apikey-sync", err, errlen);
	if (ss->pg == NULL)
		return false;
	if (central_schema_current(ss->pg, err, errlen) &&
	    central_run(ss->pg, "LISTEN " CENTRAL_CHANNEL, 0, NULL, err,
			errlen) &&
	    synchronise(ss, true, err, errlen)) {
		if (ss->opt->once) {
			PQfinish(ss->pg);
			return true;
		}
		serve(ss);
		err[0] = '\0';
	}
	PQfinish(ss->pg);
	ss->pg = NULL;
	return false;
}

int agent_run(const struct agent_options *opt)
{
	struct session ss = {.opt = opt};
	long long backoff = BACKOFF_FIRST_MS;
	char err[700], last[700] = "";

	ss.heartbeat_ms = opt->conf.max_stale * 1000 / 4;
	if (ss.heartbeat_ms > 30000)
		ss.heartbeat_ms = 30000;
	if (ss.heartbeat_ms < 500)
		ss.heartbeat_ms = 500;
	syslog(LOG_INFO,
	       "starting: store %s, max_stale %lld s, %zu host group(s)",
	       opt->db, opt->conf.max_stale, opt->conf.group_count);
	while (!agent_stop) {
		long long started = monotonic_ms();

		if (session(&ss, err, sizeof err))
			break; /* --once */
		if (err[0] != '\0' && strcmp(err, last) != 0)
			syslog(LOG_ERR, "%s", err);
		snprintf(last, sizeof last, "%s", err);
		if (opt->once)
			break;
		if (monotonic_ms() - started > BACKOFF_MAX_MS)
			backoff = BACKOFF_FIRST_MS;
		sleep_ms(backoff);
		backoff =
		    backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
	}
	store_close(ss.s);
	syslog(LOG_INFO, "stopping");
	return opt->once && err[0] != '\0' ? 1 : 0;
}
