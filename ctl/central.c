/* SPDX-License-Identifier: BSD-2-Clause */
#include "central.h"

#include <err.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "keys.h"
#include "mirror.h"
#include "pg.h"
#include "rowmac.h"

/* One connection per command; the revision its view was read at. */
static struct {
	PGconn *pg;
	long long revision;
	long long changes;
	unsigned char seal_key[ROW_MAC_LEN]; /* rowmac.h */
	bool services_changed;
} central;

static PGconn *connect_central(const struct ctl *ctl)
{
	static struct central_conf conf;
	char err[700];

	if (central.pg != NULL)
		return central.pg;
	if (!central_conf_load(ctl->central, &conf, err, sizeof err))
		errx(ctl_failure_status, "%s", err);
	central.pg =
	    central_connect(conf.conninfo, "apikeyctl", err, sizeof err);
	sodium_memzero(conf.conninfo, sizeof conf.conninfo);
	if (central.pg == NULL)
		errx(ctl_failure_status, "%s", err);
	return central.pg;
}

/* ---- loading the view -------------------------------------------------- */

static bool put_key(const struct key_record *rec,
		    const unsigned char hash[KEY_HASH_LEN], const char *damaged,
		    void *ctx, char *err, size_t errlen)
{
	struct store *s = ctx;

	(void)err;
	(void)errlen;
	if (damaged != NULL) {
		/* not shown, so never sealed again by a change made here */
		fprintf(stderr,
			"apikeyctl: central key %s is left out: %s; no host "
			"mirrors it (delete its row in apikey.keys)\n",
			rec->id, damaged);
		return true;
	}
	if (store_insert(s, rec, hash) != STORE_OK) {
		snprintf(err, errlen, "central store: key %s: %s", rec->id,
			 store_error(s));
		return false;
	}
	return true;
}

static bool put_service(const char *service, void *ctx, char *err,
			size_t errlen)
{
	struct store *s = ctx;

	if (store_verifier_add(s, service) == STORE_ERROR) {
		snprintf(err, errlen, "%s", store_error(s));
		return false;
	}
	return true;
}

/* The verifier group's services; a list that fails its seal is left out
 * (no host uses it either) until a change made here seals a new one. */
static bool load_services(struct central_fetch *f, struct store *s, char *err,
			  size_t errlen)
{
	int r = central_fetch_verifiers(f, put_service, s, err, errlen);

	if (r == 0) {
		fprintf(stderr,
			"apikeyctl: %s; the list is left out, and "
			"'verifier add' makes a new one\n",
			err);
		err[0] = '\0';
	}
	return r >= 0;
}

/* A value a host reported, shown only when it is plain printable text. */
static void reported_text(const PGresult *r, int row, int col, bool spaces,
			  char *out, size_t outlen)
{
	const char *v = PQgetvalue(r, row, col);
	bool plain = !PQgetisnull(r, row, col) && strlen(v) < outlen &&
		     plain_ascii(v, spaces);

	snprintf(out, outlen, "%s",
		 PQgetisnull(r, row, col) ? ""
		 : plain		  ? v
					  : "(invalid)");
}

static time_t reported_time(const PGresult *r, int row, int col)
{
	long long t = 0;

	return central_int(r, row, col, 1, (long long)1 << 40, &t) ? (time_t)t
								   : 0;
}

#define USAGE_SQL                                                              \
	"SELECT k.id, lu.host, lu.last_used_at, lu.last_used_ip, "             \
	"coalesce(c.uses, 0), ld.denied_at, ld.denied_ip, ld.denied_reason "   \
	"FROM apikey.keys k "                                                  \
	"LEFT JOIN (SELECT DISTINCT ON (key_id) key_id, host, last_used_at, "  \
	"last_used_ip FROM apikey.usage WHERE last_used_at IS NOT NULL "       \
	"ORDER BY key_id, last_used_at DESC, received_at DESC) lu ON "         \
	"lu.key_id = "                                                         \
	"k.id "                                                                \
	"LEFT JOIN (SELECT key_id, sum(uses) AS uses FROM apikey.usage "       \
	"GROUP BY key_id) c ON c.key_id = k.id "                               \
	"LEFT JOIN (SELECT DISTINCT ON (key_id) key_id, denied_at, "           \
	"denied_ip, denied_reason FROM apikey.usage WHERE denied_at IS NOT "   \
	"NULL ORDER BY key_id, denied_at DESC, received_at DESC) ld "          \
	"ON ld.key_id = k.id "                                                 \
	"WHERE lu.key_id IS NOT NULL OR ld.key_id IS NOT NULL"

/* The usage the hosts reported: the last use (and where), the uses
 * counted, the last denial. */
static bool load_usage(PGconn *pg, struct store *s, char *err, size_t errlen)
{
	static struct key_record rec;
	PGresult *r =
	    central_exec(pg, USAGE_SQL, 0, NULL, PGRES_TUPLES_OK, err, errlen);
	bool ok = r != NULL;

	for (int row = 0; ok && row < PQntuples(r); row++) {
		memset(&rec, 0, offsetof(struct key_record, rules));
		snprintf(rec.id, sizeof rec.id, "%s", PQgetvalue(r, row, 0));
		reported_text(r, row, 1, false, rec.last_used_host,
			      sizeof rec.last_used_host);
		rec.last_used_at = reported_time(r, row, 2);
		reported_text(r, row, 3, false, rec.last_used_ip,
			      sizeof rec.last_used_ip);
		if (!central_int(r, row, 4, 0, INT64_MAX / 2, &rec.use_count))
			rec.use_count = 0;
		rec.last_denied_at = reported_time(r, row, 5);
		reported_text(r, row, 6, false, rec.last_denied_ip,
			      sizeof rec.last_denied_ip);
		reported_text(r, row, 7, true, rec.last_denied_reason,
			      sizeof rec.last_denied_reason);
		if (view_set_usage(s, &rec) != STORE_OK) {
			snprintf(err, errlen, "%s", store_error(s));
			ok = false;
		}
	}
	PQclear(r);
	return ok;
}

/* One snapshot of the central store into s. */
static bool load_view(PGconn *pg, struct store *s, char *err, size_t errlen)
{
	struct central_fetch *f = NULL;
	long long bad = 0;
	bool ok =
	    central_run(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
			0, NULL, err, errlen) &&
	    (central.revision = central_revision(pg, err, errlen)) >= 0 &&
	    (f = central_fetch(pg, -1, central.seal_key, err, errlen)) !=
		NULL &&
	    store_begin(s) == STORE_OK &&
	    central_fetch_keys(f, put_key, s, &bad, err, errlen) &&
	    load_services(f, s, err, errlen) &&
	    load_usage(pg, s, err, errlen) && store_commit(s) == STORE_OK &&
	    central_run(pg, "COMMIT", 0, NULL, err, errlen);

	central_fetch_free(f);
	if (ok && bad > 0)
		fprintf(stderr,
			"apikeyctl: %lld central key row(s) with a damaged id "
			"are left out\n",
			bad);
	store_rollback(s);
	central_rollback(pg);
	return ok;
}

/* ---- writing what the command changed --------------------------------- */

struct push {
	PGconn *pg;
	struct store *s;
	char revision[24];
	char *err;
	size_t errlen;
};

static bool run(struct push *p, const char *sql, int n,
		const char *const *params)
{
	central.changes++;
	return central_run(p->pg, sql, n, params, p->err, p->errlen);
}

/* A list of names (count entries of width bytes), a row each. */
static bool push_names(struct push *p, const char *sql, const char *id,
		       const char *names, size_t count, size_t width)
{
	bool ok = true;

	for (size_t i = 0; ok && i < count; i++) {
		const char *v[] = {id, names + i * width};
		ok = run(p, sql, 2, v);
	}
	return ok;
}

static bool push_lists(struct push *p, const struct key_record *rec)
{
	const char *del[] = {rec->id};
	char position[16];
	bool ok =
	    run(p, "DELETE FROM apikey.ip_rules WHERE key_id = $1", 1, del) &&
	    run(p, "DELETE FROM apikey.key_services WHERE key_id = $1", 1,
		del) &&
	    run(p, "DELETE FROM apikey.key_host_groups WHERE key_id = $1", 1,
		del);

	for (size_t i = 0; ok && i < rec->rule_count; i++) {
		const struct ip_rule *rule = &rec->rules[i];
		const char *v[] = {
		    rec->id, rule->list == LIST_ALLOW ? "allow" : "deny",
		    rule->cidr, rule->enabled ? "t" : "f", position};
		snprintf(position, sizeof position, "%zu", i);
		ok = run(p,
			 "INSERT INTO apikey.ip_rules (key_id, list, cidr, "
			 "enabled, position) VALUES ($1, $2, $3, $4, $5)",
			 5, v);
	}
	return ok &&
	       push_names(p,
			  "INSERT INTO apikey.key_services (key_id, service) "
			  "VALUES ($1, $2)",
			  rec->id, rec->services[0], rec->service_count,
			  sizeof rec->services[0]) &&
	       push_names(p,
			  "INSERT INTO apikey.key_host_groups (key_id, "
			  "host_group) VALUES ($1, $2)",
			  rec->id, rec->host_groups[0], rec->host_group_count,
			  sizeof rec->host_groups[0]);
	return ok;
}

static const char *or_null(const char *text)
{
	return text[0] != '\0' ? text : NULL;
}

static bool push_key(const char *id, void *ctx)
{
	static struct key_record rec, row;
	struct push *p = ctx;
	unsigned char hash[KEY_HASH_LEN];
	char hex[KEY_HASH_LEN * 2 + 1], uid[24], created[24], expires[24];
	unsigned char seal[ROW_MAC_LEN];
	char seal_hex[ROW_MAC_LEN * 2 + 1];
	const char *v[12];
	bool ok;

	if (store_get(p->s, id, &rec) != STORE_OK ||
	    store_get_key(p->s, id, &row, hash) != STORE_OK) {
		snprintf(p->err, p->errlen, "%s", store_error(p->s));
		return false;
	}
	sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
	rec.central_revision = strtoll(p->revision, NULL, 10);
	row_mac_key_record(central.seal_key, &rec, hash, seal);
	sodium_bin2hex(seal_hex, sizeof seal_hex, seal, sizeof seal);
	snprintf(uid, sizeof uid, "%lld", rec.uid);
	snprintf(created, sizeof created, "%lld", (long long)rec.created_at);
	expires[0] = '\0';
	if (rec.expires_at != 0)
		snprintf(expires, sizeof expires, "%lld",
			 (long long)rec.expires_at);
	v[0] = rec.id;
	v[1] = rec.user;
	v[2] = uid;
	v[3] = rec.name;
	v[4] = rec.description;
	v[5] = hex;
	v[6] = created;
	v[7] = expires[0] != '\0' ? expires : NULL;
	v[8] = or_null(rec.rotated_to);
	v[9] = or_null(rec.rotated_from);
	v[10] = p->revision;
	v[11] = seal_hex;
	ok = run(p,
		 "INSERT INTO apikey.keys (id, user_name, uid, name, "
		 "description, hash, created_at, expires_at, rotated_to, "
		 "rotated_from, revision, seal) VALUES ($1, $2, $3, $4, $5, "
		 "decode($6, 'hex'), $7, $8, $9, $10, $11, decode($12, 'hex')) "
		 "ON CONFLICT (id) DO UPDATE SET user_name = "
		 "EXCLUDED.user_name, "
		 "uid = EXCLUDED.uid, name = EXCLUDED.name, "
		 "description = EXCLUDED.description, hash = EXCLUDED.hash, "
		 "created_at = EXCLUDED.created_at, "
		 "expires_at = EXCLUDED.expires_at, "
		 "rotated_to = EXCLUDED.rotated_to, "
		 "rotated_from = EXCLUDED.rotated_from, "
		 "seal = EXCLUDED.seal, "
		 "revision = EXCLUDED.revision",
		 12, v) &&
	     push_lists(p, &rec);
	sodium_memzero(hash, sizeof hash);
	sodium_memzero(hex, sizeof hex);
	return ok;
}

static bool push_delete(const char *id, void *ctx)
{
	struct push *p = ctx;
	const char *v[] = {id, p->revision};

	return run(p, "DELETE FROM apikey.keys WHERE id = $1", 1, v) &&
	       run(p,
		   "INSERT INTO apikey.deleted_keys (key_id, revision) "
		   "VALUES ($1, $2)",
		   2, v);
}

/* A change to the verifier group's services: the whole list is written
 * again, with its seal, once the changes are known. */
static bool note_service_change(const char *service, void *ctx)
{
	(void)service;
	(void)ctx;
	central.services_changed = true;
	return true;
}

struct service_list {
	struct push *p;
	struct service_set set;
	bool ok;
};

static void push_service(const char *service, void *ctx)
{
	struct service_list *l = ctx;
	const char *v[] = {service};

	l->ok = l->ok && service_set_add(&l->set, service) &&
		run(l->p,
		    "INSERT INTO apikey.verifier_services (service) "
		    "VALUES ($1)",
		    1, v);
}

static bool push_services(struct push *p)
{
	struct service_list l = {.p = p, .ok = true};
	unsigned char seal[ROW_MAC_LEN];
	char hex[ROW_MAC_LEN * 2 + 1];
	const char *v[] = {hex};

	l.ok = run(p, "DELETE FROM apikey.verifier_services", 0, NULL) &&
	       store_verifier_each(p->s, push_service, &l) == STORE_OK && l.ok;
	if (l.ok) {
		row_mac_services(central.seal_key, &l.set, seal);
		sodium_bin2hex(hex, sizeof hex, seal, sizeof seal);
		l.ok = run(p,
			   "UPDATE apikey.meta SET verifier_seal = "
			   "decode($1, 'hex') WHERE id = 1",
			   1, v);
	}
	service_set_free(&l.set);
	if (!l.ok && p->err[0] == '\0')
		snprintf(p->err, p->errlen, "writing the verifier services");
	return l.ok;
}

/* Under the row lock of apikey.meta: the revision must still be the one
 * the view was read at (else another change would be overwritten). */
static bool lock_revision(struct push *p)
{
	PGresult *r = central_exec(p->pg,
				   "SELECT revision FROM apikey.meta "
				   "WHERE id = 1 FOR UPDATE",
				   0, NULL, PGRES_TUPLES_OK, p->err, p->errlen);
	long long now = -1;

	if (r == NULL)
		return false;
	if (PQntuples(r) == 1)
		central_int(r, 0, 0, 0, INT64_MAX - 1, &now);
	PQclear(r);
	if (now != central.revision) {
		snprintf(p->err, p->errlen,
			 "the central store changed while this command ran "
			 "(revision %lld, now %lld): run it again",
			 central.revision, now);
		return false;
	}
	snprintf(p->revision, sizeof p->revision, "%lld", now + 1);
	return true;
}

static bool push_changes(struct push *p)
{
	static const view_change_fn fns[VIEW_CHANGE_KINDS] = {
	    [VIEW_KEY_CHANGED] = push_key,
	    [VIEW_KEY_DELETED] = push_delete,
	    [VIEW_SERVICES_CHANGED] = note_service_change};

	/* deletes first: a name a deleted key held may be taken again */
	static const enum view_change order[] = {
	    VIEW_KEY_DELETED, VIEW_KEY_CHANGED, VIEW_SERVICES_CHANGED};

	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if (view_changes(p->s, order[i], fns[order[i]], p) !=
		    STORE_OK) {
			if (p->err[0] == '\0')
				snprintf(p->err, p->errlen, "%s",
					 store_error(p->s));
			return false;
		}
	return !central.services_changed || push_services(p);
}

/* The commit hook: the view's changes, one central transaction. */
static bool push(struct store *s, void *ctx, char *err, size_t errlen)
{
	struct push p = {.pg = ctx, .s = s, .err = err, .errlen = errlen};
	const char *rev[] = {p.revision};

	err[0] = '\0';
	central.changes = 0;
	if (!central_run(p.pg, "BEGIN", 0, NULL, err, errlen))
		return false;
	if (!lock_revision(&p) || !push_changes(&p))
		goto fail;
	if (central.changes == 0) {
		central_rollback(p.pg);
		return true;
	}
	if (!central_run(p.pg,
			 "UPDATE apikey.meta SET revision = $1 WHERE id = 1", 1,
			 rev, err, errlen) ||
	    !central_run(p.pg, "SELECT pg_notify('" CENTRAL_CHANNEL "', $1)", 1,
			 rev, err, errlen) ||
	    !central_run(p.pg, "COMMIT", 0, NULL, err, errlen))
		goto fail;
	return true;
fail:
	central_rollback(p.pg);
	return false;
}

struct store *ctl_central_view(const struct ctl *ctl)
{
	PGconn *pg = connect_central(ctl);
	unsigned char pepper[PEPPER_LEN];
	char err[700];
	struct store *s;

	if (!central_schema_current(pg, err, sizeof err))
		errx(ctl_failure_status, "%s", err);
	ctl_load_pepper(ctl, pepper); /* the fleet's, checked */
	row_mac_key(pepper, central.seal_key);
	sodium_memzero(pepper, sizeof pepper);
	s = store_open_memory(err, sizeof err);
	if (s == NULL)
		errx(ctl_failure_status, "%s", err);
	if (!load_view(pg, s, err, sizeof err) ||
	    view_keep_base(s) != STORE_OK) {
		if (err[0] == '\0')
			snprintf(err, sizeof err, "%s", store_error(s));
		store_close(s);
		errx(ctl_failure_status, "reading the central store: %s", err);
	}
	store_set_commit_hook(s, push, pg);
	return s;
}

/* ---- init and the pepper ----------------------------------------------- */

void ctl_central_pepper_check(const struct ctl *ctl,
			      const unsigned char pepper[PEPPER_LEN])
{
	char err[600];

	if (!central_pepper_matches(connect_central(ctl), pepper, err,
				    sizeof err))
		errx(ctl_failure_status, "%s (pepper %s)", err, ctl->pepper);
}

static long long central_key_count(PGconn *pg)
{
	char err[600];
	PGresult *r = central_exec(pg, "SELECT count(*) FROM apikey.keys", 0,
				   NULL, PGRES_TUPLES_OK, err, sizeof err);
	long long n = -1;

	if (r != NULL && PQntuples(r) == 1)
		central_int(r, 0, 0, 0, INT64_MAX, &n);
	PQclear(r);
	if (n < 0)
		errx(ctl_failure_status, "counting the central keys: %s",
		     r == NULL ? err : "bad answer");
	return n;
}

/* The first init records the fleet's pepper; later ones check it. */
static void record_pepper(const struct ctl *ctl, PGconn *pg)
{
	unsigned char pepper[PEPPER_LEN], check[PEPPER_CHECK_LEN];
	char hex[PEPPER_CHECK_LEN * 2 + 1], err[600];
	const char *v[] = {hex};

	if (!pepper_exists(ctl->pepper)) {
		if (central_key_count(pg) > 0)
			errx(EXIT_REFUSED,
			     "pepper %s is missing but the central store holds "
			     "keys: copy the fleet's pepper here (a new one "
			     "would invalidate every key)",
			     ctl->pepper);
		ctl_create_pepper(ctl, false);
	}
	if (!pepper_load(ctl->pepper, pepper, err, sizeof err))
		errx(ctl_failure_status, "%s", err);
	central_pepper_check(pepper, check);
	sodium_bin2hex(hex, sizeof hex, check, sizeof check);
	if (!central_run(pg,
			 "UPDATE apikey.meta SET pepper_check = decode($1, "
			 "'hex') WHERE id = 1 AND pepper_check IS NULL",
			 1, v, err, sizeof err)) {
		sodium_memzero(pepper, sizeof pepper);
		errx(ctl_failure_status, "%s", err);
	}
	ctl_central_pepper_check(ctl, pepper);
	sodium_memzero(pepper, sizeof pepper);
}

void ctl_central_init(const struct ctl *ctl)
{
	PGconn *pg = connect_central(ctl);
	char err[700];
	int from = 0, to = 0;

	if (!central_migrate(pg, &from, &to, err, sizeof err))
		errx(ctl_failure_status, "%s", err);
	record_pepper(ctl, pg);
	if (from == to)
		printf("central store is at schema version %d; ", to);
	else
		printf("central store migrated from schema version %d to %d; ",
		       from, to);
	printf("pepper %s is the fleet's\n", ctl->pepper);
}
