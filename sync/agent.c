/* SPDX-License-Identifier: BSD-2-Clause */
#include "agent.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

#include "deadline.h"
#include "keys.h"
#include "logquote.h"
#include "mirror.h"
#include "pg.h"
#include "report.h"
#include "rowmac.h"
#include "safefile.h"
#include "secret.h"
#include "store.h"

volatile sig_atomic_t agent_stop;

#define BACKOFF_FIRST_MS 250
#define BACKOFF_MAX_MS	 5000
/* changes notified are applied at most this often; a notification that
 * brought nothing doubles the wait, up to the heartbeat (a flood of
 * NOTIFY, which any role may send, soon costs one exchange a heartbeat) */
#define NEWS_SPACING_MS 50

/* What one session with the central store works with. */
struct session {
	const struct agent_options *opt;
	PGconn *pg;
	struct store *s;
	long long revision; /* the local store's */
	struct stat opened; /* the local store's file when opened */
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

/* A local store error as err's text; false. */
static bool local_failed(struct apply *ap, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s", store_error(ap->ss->s));
	return false;
}

/* A key not to be mirrored (damaged, or not for this host's groups): an
 * incremental change drops a copy the host holds; a full one leaves it
 * unseen, so the sweep removes it. */
static bool not_mirrored(struct apply *ap, const struct key_record *rec,
			 const char *damaged, char *err, size_t errlen)
{
	enum store_result r;

	if (damaged != NULL) {
		syslog(LOG_ERR,
		       "central key %s not mirrored: damaged in the central "
		       "store (%s)",
		       rec->id, damaged);
		ap->skipped++;
	}
	if (ap->full)
		return true;
	r = mirror_drop(ap->ss->s, rec->id);
	if (r == STORE_OK)
		ap->dropped++;
	return r == STORE_OK || r == STORE_NOT_FOUND ||
	       local_failed(ap, err, errlen);
}

/* An older sealed row put back: the host's later copy stays. */
static bool keep_later_copy(struct apply *ap, const struct key_record *rec,
			    char *err, size_t errlen)
{
	syslog(LOG_WARNING,
	       "central key %s: the central store offers revision %lld, "
	       "older than this host's copy, which is kept",
	       rec->id, rec->central_revision);
	ap->skipped++;
	return !ap->full || mirror_seen(ap->ss->s, rec->id) == STORE_OK ||
	       local_failed(ap, err, errlen);
}

/* A key a local key blocks (its id or name): any older copy goes too,
 * so it cannot stay in force with its old lists. */
static bool blocked(struct apply *ap, const struct key_record *rec, char *err,
		    size_t errlen)
{
	enum store_result r = mirror_drop(ap->ss->s, rec->id);
	char user[96], name[96];

	syslog(LOG_WARNING,
	       "central key %s (%s/%s) not mirrored: a local key holds its id "
	       "or its name, or this host saw it deleted",
	       rec->id, log_quote(rec->user, user, sizeof user),
	       log_quote(rec->name, name, sizeof name));
	ap->skipped++;
	return r == STORE_OK || r == STORE_NOT_FOUND ||
	       local_failed(ap, err, errlen);
}

static bool apply_key(const struct key_record *rec,
		      const unsigned char hash[KEY_HASH_LEN],
		      const char *damaged, void *ctx, char *err, size_t errlen)
{
	struct apply *ap = ctx;
	const struct agent_options *opt = ap->ss->opt;
	enum store_result r;

	if (damaged != NULL ||
	    !central_key_for_host(rec, opt->conf.groups, opt->conf.group_count))
		return not_mirrored(ap, rec, damaged, err, errlen);
	if (mirror_holds_newer(ap->ss->s, rec->id, rec->central_revision))
		return keep_later_copy(ap, rec, err, errlen);
	r = mirror_put(ap->ss->s, rec, hash);
	if (r == STORE_CONFLICT)
		return blocked(ap, rec, err, errlen);
	if (r != STORE_OK ||
	    (ap->full && mirror_seen(ap->ss->s, rec->id) != STORE_OK))
		return local_failed(ap, err, errlen);
	ap->put++;
	return true;
}

static bool drop_deleted(const char *id, void *ctx, char *err, size_t errlen)
{
	struct apply *ap = ctx;
	enum store_result r = mirror_forget(ap->ss->s, id);

	if (r == STORE_OK)
		ap->dropped++;
	if (r == STORE_OK || r == STORE_NOT_FOUND)
		return true;
	/* a delete not applied must fail the whole change */
	snprintf(err, errlen, "local store: %s", store_error(ap->ss->s));
	return false;
}

static bool add_verifier(const char *service, void *ctx, char *err,
			 size_t errlen)
{
	struct store *s = ctx;

	if (mirror_verifier_add(s, service) == STORE_OK)
		return true;
	snprintf(err, errlen, "local store: %s", store_error(s));
	return false;
}

/* The verifier group's services: those of the central store when their
 * seal matches; none of them otherwise (logged). */
static bool apply_services(struct session *ss, struct central_fetch *f,
			   char *err, size_t errlen)
{
	int r;

	if (mirror_verifiers_clear(ss->s) != STORE_OK) {
		snprintf(err, errlen, "local store: %s", store_error(ss->s));
		return false;
	}
	r = central_fetch_verifiers(f, add_verifier, ss->s, err, errlen);
	if (r == 0) {
		syslog(LOG_ERR, "%s: none of them is mirrored", err);
		err[0] = '\0';
	}
	return r >= 0;
}

/* What one snapshot held, in one local transaction (all of it, when
 * full): the contact is the time the snapshot was asked for. */
static bool apply_changes(struct apply *ap, struct central_fetch *f,
			  long long central_rev, time_t contact)
{
	struct session *ss = ap->ss;
	long long bad = 0, swept = 0;
	bool ok;

	ok = store_begin(ss->s) == STORE_OK &&
	     (!ap->full || mirror_sweep_begin(ss->s) == STORE_OK) &&
	     central_fetch_deleted(f, drop_deleted, ap, ap->err, ap->errlen) &&
	     central_fetch_keys(f, apply_key, ap, &bad, ap->err, ap->errlen) &&
	     (!ap->full || mirror_sweep(ss->s, &swept) == STORE_OK) &&
	     apply_services(ss, f, ap->err, ap->errlen) &&
	     mirror_contact(ss->s, contact, ss->opt->conf.max_stale,
			    central_rev) == STORE_OK &&
	     store_commit(ss->s) == STORE_OK;
	if (!ok && ap->err[0] == '\0')
		snprintf(ap->err, ap->errlen, "local store: %s",
			 store_error(ss->s));
	store_rollback(ss->s);
	if (bad > 0)
		syslog(LOG_ERR,
		       "%lld central key row(s) with a damaged id not mirrored",
		       bad);
	ap->dropped += swept;
	if (ok)
		ss->revision = central_rev;
	return ok;
}

/* Records the contact alone, in a transaction of its own. */
static bool mirror_touch(struct session *ss, time_t contact, long long rev,
			 char *err, size_t errlen)
{
	bool ok = store_begin(ss->s) == STORE_OK &&
		  mirror_contact(ss->s, contact, ss->opt->conf.max_stale,
				 rev) == STORE_OK &&
		  store_commit(ss->s) == STORE_OK;

	if (!ok)
		snprintf(err, errlen, "local store: %s", store_error(ss->s));
	store_rollback(ss->s);
	return ok;
}

/* The local store, opened again when it was migrated, or replaced (a
 * restore): writing on into an unlinked file would look fresh to nobody. */
static bool local_store(struct session *ss, char *err, size_t errlen)
{
	struct stat now;

	if (ss->s != NULL && store_schema_current(ss->s) &&
	    lstat(ss->opt->db, &now) == 0 && stat_same_file(&now, &ss->opened))
		return true;
	store_close(ss->s);
	ss->s = store_open(ss->opt->db, STORE_WRITE, err, errlen);
	if (ss->s == NULL)
		return false;
	if (lstat(ss->opt->db, &ss->opened) != 0) {
		snprintf(err, errlen, "%s: %s", ss->opt->db, strerror(errno));
		return false;
	}
	ss->revision = mirror_revision(ss->s);
	if (ss->revision < -1) {
		snprintf(err, errlen, "local store: %s", store_error(ss->s));
		return false;
	}
	return true;
}

/* The central store's pepper is this host's (compared here, never by the
 * server): else keys made there would never match here, and the copy must
 * go stale rather than look fresh.  Gives the seal key (rowmac.h). */
static bool pepper_ok(struct session *ss, unsigned char seal_key[ROW_MAC_LEN],
		      char *err, size_t errlen)
{
	unsigned char pepper[PEPPER_LEN];
	bool ok = pepper_load(ss->opt->pepper, pepper, err, errlen) &&
		  central_pepper_matches(ss->pg, pepper, err, errlen);

	if (ok)
		row_mac_key(pepper, seal_key);
	secret_wipe(pepper, sizeof pepper);
	return ok;
}

/* One exchange: a full resynchronisation, or the changes since the local
 * revision.  The snapshot is read whole, and its transaction ended, before
 * the local store is written (a slow central store never holds the local
 * write lock).  With nothing new, only a heartbeat records the contact. */
static bool synchronise(struct session *ss, bool full, bool heartbeat,
			char *err, size_t errlen)
{
	struct apply ap = {.ss = ss, .err = err, .errlen = errlen};
	time_t contact = time(NULL); /* before the snapshot is asked for */
	unsigned char seal_key[ROW_MAC_LEN];
	struct central_fetch *f = NULL;
	long long rev = -1;
	bool ok, nothing_new;

	err[0] = '\0';
	if (!local_store(ss, err, errlen))
		return false;
	if (!central_run(ss->pg,
			 "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0,
			 NULL, err, errlen))
		return false;
	ok = pepper_ok(ss, seal_key, err, errlen) &&
	     (rev = central_revision(ss->pg, err, errlen)) >= 0;
	if (ok && !full && rev < ss->revision)
		syslog(LOG_WARNING,
		       "the central store is at revision %lld, behind this "
		       "host's %lld (restored from a backup?): resynchronising",
		       rev, ss->revision);
	if (ok && (rev < ss->revision || ss->revision < 0))
		full = true;
	nothing_new = !full && rev == ss->revision;
	if (ok && !nothing_new)
		ok = (f = central_fetch(ss->pg, full ? -1 : ss->revision,
					seal_key, err, errlen)) != NULL;
	ok = ok && central_run(ss->pg, "COMMIT", 0, NULL, err, errlen);
	central_rollback(ss->pg);
	secret_wipe(seal_key, sizeof seal_key);
	ap.full = full;
	if (ok && nothing_new)
		ok = !heartbeat || mirror_touch(ss, contact, rev, err, errlen);
	else if (ok)
		ok = apply_changes(&ap, f, rev, contact);
	central_fetch_free(f);
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
/* A notification names the revision committed: one at or below the
 * local revision is old news (any role may NOTIFY the channel). */
static bool news(const PGnotify *n, long long local)
{
	char *end;
	long long rev;

	errno = 0;
	rev = strtoll(n->extra, &end, 10);
	return errno != 0 || end == n->extra || *end != '\0' || rev > local;
}

/* Waits for the central store's notifications until until_ms; false when
 * the connection is lost. */
static bool wait_for_news(struct session *ss, long long until_ms, bool *changed)
{
	long long now = monotonic_ms();
	struct pollfd p = {.fd = PQsocket(ss->pg), .events = POLLIN};
	PGnotify *n;
	int rc;

	if (p.fd < 0)
		return false;
	/* notifications libpq read during the last exchange are already
	 * buffered: never wait for the socket with news in hand */
	while ((n = PQnotifies(ss->pg)) != NULL) {
		if (news(n, ss->revision))
			*changed = true;
		PQfreemem(n);
	}
	if (*changed && until_ms > now)
		until_ms = now;
	rc = poll(&p, 1, until_ms > now ? (int)(until_ms - now) : 0);
	if (rc < 0)
		return errno == EINTR;
	if (rc == 0)
		return true;
	if (!PQconsumeInput(ss->pg))
		return false;
	while ((n = PQnotifies(ss->pg)) != NULL) {
		if (news(n, ss->revision))
			*changed = true;
		PQfreemem(n);
	}
	return PQstatus(ss->pg) == CONNECTION_OK;
}

/* The next deadline: the heartbeat, the report, or a change waiting for
 * its turn (changes are applied at most every NEWS_SPACING_MS). */
static long long next_wake(long long sync, long long report, bool pending,
			   long long news_ok)
{
	long long next = sync < report ? sync : report;

	return pending && news_ok < next ? news_ok : next;
}

static void serve(struct session *ss)
{
	long long next_sync = monotonic_ms() + ss->heartbeat_ms;
	long long next_report = monotonic_ms() + REPORT_INTERVAL_MS;
	long long news_ok = 0; /* when a change may be applied again */
	long long spacing = NEWS_SPACING_MS;
	bool pending = false;
	char err[700] = "";

	while (!agent_stop) {
		long long now;
		bool beat;

		if (!wait_for_news(
			ss, next_wake(next_sync, next_report, pending, news_ok),
			&pending)) {
			central_error(ss->pg, "connection lost", err,
				      sizeof err);
			break;
		}
		now = monotonic_ms();
		beat = now >= next_sync;
		if ((pending && now >= news_ok) || beat) {
			long long before = ss->revision;

			if (!synchronise(ss, false, beat, err, sizeof err))
				break;
			/* notified, and nothing new: someone else's NOTIFY;
			 * the next one waits longer (up to the heartbeat) */
			if (pending && ss->revision == before)
				spacing = spacing * 2 < ss->heartbeat_ms
					      ? spacing * 2
					      : ss->heartbeat_ms;
			else if (ss->revision != before)
				spacing = NEWS_SPACING_MS;
			pending = false;
			news_ok = monotonic_ms() + spacing;
			if (beat)
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
	    synchronise(ss, true, true, err, errlen)) {
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
