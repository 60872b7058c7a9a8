/* SPDX-License-Identifier: BSD-2-Clause */
#include "mirror.h"

#include <stdio.h>
#include <string.h>

#include "store_sql.h"

/* The upsert; rows changed (0: a local key holds the id, the host saw
 * the key deleted, or holds a newer copy) or -1. */
static int upsert(struct store *s, const struct key_record *rec,
		  const unsigned char hash[KEY_HASH_LEN],
		  enum store_result *result)
{
	sqlite3_stmt *stmt = store_prepare(
	    s,
	    "INSERT INTO keys (" STORE_KEY_INSERT_COLUMNS
	    ", origin, central_revision) "
	    "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'central', ?11 "
	    "WHERE NOT EXISTS (SELECT 1 FROM central_deleted WHERE id = ?1) "
	    "ON CONFLICT (id) DO UPDATE SET user = excluded.user, "
	    "uid = excluded.uid, name = excluded.name, "
	    "description = excluded.description, hash = excluded.hash, "
	    "created_at = excluded.created_at, "
	    "expires_at = excluded.expires_at, "
	    "rotated_to = excluded.rotated_to, "
	    "rotated_from = excluded.rotated_from, "
	    "central_revision = excluded.central_revision "
	    "WHERE keys.origin = 'central' AND "
	    "excluded.central_revision >= coalesce(keys.central_revision, 0)");
	int changed = -1;

	*result = STORE_ERROR;
	if (stmt != NULL) {
		store_bind_key(stmt, rec, hash);
		sqlite3_bind_int64(stmt, 11, rec->central_revision);
		changed = store_run_change(s, stmt, "mirroring key", result);
	}
	store_done(s, stmt);
	return changed;
}

/* Another central key with this user and name: the central store renamed
 * or removed it in the same change (its names are unique at each commit),
 * and it is put back, under its new name, when the change reaches it. */
static enum store_result free_name(struct store *s,
				   const struct key_record *rec)
{
	sqlite3_stmt *stmt = store_prepare(
	    s, "DELETE FROM keys WHERE origin = 'central' AND user = ?1 "
	       "AND name = ?2 AND id != ?3");
	enum store_result result = STORE_ERROR;

	if (stmt != NULL) {
		sqlite3_bind_text(stmt, 1, rec->user, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, rec->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 3, rec->id, -1, SQLITE_STATIC);
		store_run_change(s, stmt, "mirroring key", &result);
	}
	store_done(s, stmt);
	return result;
}

enum store_result mirror_put(struct store *s, const struct key_record *rec,
			     const unsigned char hash[KEY_HASH_LEN])
{
	enum store_result result;
	int changed = upsert(s, rec, hash, &result);

	if (result == STORE_CONFLICT && free_name(s, rec) == STORE_OK)
		changed = upsert(s, rec, hash, &result);
	if (result != STORE_OK)
		return result;
	if (changed == 0) {
		store_set_error(s,
				"a local key holds id %s, or this host saw it "
				"deleted, or holds a newer copy",
				rec->id);
		return STORE_CONFLICT;
	}
	return store_write_lists(s, rec, true);
}

enum store_result mirror_drop(struct store *s, const char *id)
{
	enum store_result result;
	int changed = store_change_text(
	    s, "DELETE FROM keys WHERE id = ?1 AND origin = 'central'", id,
	    "removing a central key", &result);

	return changed == 0 ? STORE_NOT_FOUND : result;
}

enum store_result mirror_forget(struct store *s, const char *id)
{
	enum store_result dropped = mirror_drop(s, id), result;

	if (dropped != STORE_OK && dropped != STORE_NOT_FOUND)
		return dropped;
	store_change_text(
	    s, "INSERT OR IGNORE INTO central_deleted (id) VALUES (?1)", id,
	    "recording a delete", &result);
	return result == STORE_OK ? dropped : result;
}

bool mirror_holds_newer(struct store *s, const char *id, long long revision)
{
	sqlite3_stmt *stmt = store_prepare(
	    s, "SELECT 1 FROM keys WHERE id = ?1 AND origin = 'central' AND "
	       "central_revision > ?2");
	bool newer = false;

	if (stmt != NULL) {
		sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, revision);
		newer = sqlite3_step(stmt) == SQLITE_ROW;
	}
	store_done(s, stmt);
	return newer;
}

enum store_result mirror_sweep_begin(struct store *s)
{
	return store_exec(s, "CREATE TEMP TABLE IF NOT EXISTS mirror_seen "
			     "(id TEXT PRIMARY KEY);"
			     "DELETE FROM temp.mirror_seen;")
		   ? STORE_OK
		   : STORE_ERROR;
}

enum store_result mirror_seen(struct store *s, const char *id)
{
	enum store_result result;

	store_change_text(
	    s, "INSERT OR IGNORE INTO temp.mirror_seen (id) VALUES (?1)", id,
	    "resynchronising", &result);
	return result;
}

enum store_result mirror_sweep(struct store *s, long long *removed)
{
	enum store_result result;
	sqlite3_stmt *stmt = store_prepare(
	    s, "DELETE FROM keys WHERE origin = 'central' AND id NOT IN "
	       "(SELECT id FROM temp.mirror_seen)");
	int changed = -1;

	result = STORE_ERROR;
	if (stmt != NULL)
		changed = store_run_change(s, stmt, "resynchronising", &result);
	store_done(s, stmt);
	*removed = changed > 0 ? changed : 0;
	return result;
}

enum store_result mirror_verifiers_clear(struct store *s)
{
	return store_exec(s, "DELETE FROM verifier_services "
			     "WHERE origin = 'central'")
		   ? STORE_OK
		   : STORE_ERROR;
}

enum store_result mirror_verifier_add(struct store *s, const char *service)
{
	enum store_result result;

	store_change_text(
	    s,
	    "INSERT OR IGNORE INTO verifier_services (service, origin) "
	    "VALUES (?1, 'central')",
	    service, "mirroring a verifier service", &result);
	return result;
}

enum store_result mirror_contact(struct store *s, time_t now,
				 long long max_stale, long long revision)
{
	sqlite3_stmt *stmt = store_prepare(
	    s, "INSERT OR REPLACE INTO central_sync (id, last_contact, "
	       "max_stale, revision) VALUES (1, ?1, ?2, ?3)");
	enum store_result result = STORE_ERROR;

	if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 1, (sqlite3_int64)now);
		sqlite3_bind_int64(stmt, 2, max_stale);
		sqlite3_bind_int64(stmt, 3, revision);
		store_run_change(s, stmt, "recording the contact", &result);
	}
	store_done(s, stmt);
	return result;
}

long long mirror_revision(struct store *s)
{
	sqlite3_stmt *stmt =
	    store_prepare(s, "SELECT revision FROM central_sync WHERE id = 1");
	long long rev = -2;
	int rc;

	if (stmt != NULL) {
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_DONE)
			rev = -1;
		else if (rc == SQLITE_ROW &&
			 sqlite3_column_type(stmt, 0) == SQLITE_INTEGER)
			rev = sqlite3_column_int64(stmt, 0);
	}
	store_done(s, stmt);
	return rev;
}

static bool read_usage(sqlite3_stmt *stmt, struct mirror_usage *u)
{
	memset(u, 0, sizeof *u);
	if (!store_column_text(stmt, 0, false, u->id, sizeof u->id) ||
	    !store_column_text(stmt, 3, true, u->last_used_ip,
			       sizeof u->last_used_ip) ||
	    !store_column_text(stmt, 5, true, u->denied_ip,
			       sizeof u->denied_ip) ||
	    !store_column_text(stmt, 6, true, u->denied_reason,
			       sizeof u->denied_reason))
		return false;
	u->uses = sqlite3_column_int64(stmt, 1);
	u->last_used_at = (time_t)sqlite3_column_int64(stmt, 2);
	u->denied_at = (time_t)sqlite3_column_int64(stmt, 4);
	u->use_count = sqlite3_column_int64(stmt, 7);
	if (u->uses < 0)
		u->uses = 0;
	return true;
}

long mirror_unreported(struct store *s, struct mirror_usage *out, long max)
{
	sqlite3_stmt *stmt = store_prepare(
	    s, "SELECT id, use_count - sent_use_count, last_used_at, "
	       "last_used_ip, CASE WHEN last_denied_at IS NOT sent_denied_at "
	       "THEN last_denied_at END, last_denied_ip, last_denied_reason, "
	       "use_count FROM keys WHERE origin = 'central' AND "
	       "(use_count != sent_use_count OR "
	       "last_denied_at IS NOT sent_denied_at) LIMIT ?1");
	long n = 0;
	int rc = SQLITE_ERROR;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, max);
	while (n < max && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		if (read_usage(stmt, &out[n]))
			n++;
	store_done(s, stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : -1;
}

enum store_result mirror_reported(struct store *s, const struct mirror_usage *u)
{
	sqlite3_stmt *stmt =
	    store_prepare(s, "UPDATE keys SET sent_use_count = ?2, "
			     "sent_denied_at = coalesce(?3, sent_denied_at) "
			     "WHERE id = ?1 AND origin = 'central'");
	enum store_result result = STORE_ERROR;

	if (stmt != NULL) {
		sqlite3_bind_text(stmt, 1, u->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, u->use_count);
		store_bind_time(stmt, 3, u->denied_at);
		store_run_change(s, stmt, "recording a report", &result);
	}
	store_done(s, stmt);
	return result;
}

enum store_result view_set_usage(struct store *s, const struct key_record *rec)
{
	sqlite3_stmt *stmt = store_prepare(
	    s, "UPDATE keys SET last_used_at = ?2, last_used_ip = ?3, "
	       "use_count = ?4, last_denied_at = ?5, last_denied_ip = ?6, "
	       "last_denied_reason = ?7, last_used_host = ?8 WHERE id = ?1");
	enum store_result result = STORE_ERROR;

	if (stmt == NULL)
		return STORE_ERROR;
	sqlite3_bind_text(stmt, 1, rec->id, -1, SQLITE_STATIC);
	store_bind_time(stmt, 2, rec->last_used_at);
	store_bind_text(stmt, 3, rec->last_used_ip);
	sqlite3_bind_int64(stmt, 4, rec->use_count);
	store_bind_time(stmt, 5, rec->last_denied_at);
	store_bind_text(stmt, 6, rec->last_denied_ip);
	store_bind_text(stmt, 7, rec->last_denied_reason);
	store_bind_text(stmt, 8, rec->last_used_host);
	store_run_change(s, stmt, "loading usage", &result);
	store_done(s, stmt);
	return result;
}

/* A view compares the columns that are the central store's, never the
 * tracking columns (the hosts'). */
#define KEY_CENTRAL_COLUMNS STORE_KEY_INSERT_COLUMNS

enum store_result view_keep_base(struct store *s)
{
	return store_exec(
		   s,
		   "ATTACH ':memory:' AS base;"
		   "CREATE TABLE base.keys AS SELECT " KEY_CENTRAL_COLUMNS
		   " FROM main.keys;"
		   "CREATE TABLE base.ip_rules AS SELECT * FROM main.ip_rules;"
		   "CREATE TABLE base.key_services AS "
		   "SELECT * FROM main.key_services;"
		   "CREATE TABLE base.key_host_groups AS "
		   "SELECT * FROM main.key_host_groups;"
		   "CREATE TABLE base.verifier_services AS "
		   "SELECT service FROM main.verifier_services;")
		   ? STORE_OK
		   : STORE_ERROR;
}

/* Each (child table, its columns) compared both ways. */
#define CHILD_DIFF(table, cols)                                                \
	" UNION SELECT key_id FROM (SELECT " cols " FROM main." table          \
	" EXCEPT SELECT " cols " FROM base." table ")"                         \
	" UNION SELECT key_id FROM (SELECT " cols " FROM base." table          \
	" EXCEPT SELECT " cols " FROM main." table ")"

static const char *const VIEW_DIFF_SQL[VIEW_CHANGE_KINDS] = {
    [VIEW_KEY_CHANGED] =
	"SELECT id FROM (SELECT id FROM (SELECT " KEY_CENTRAL_COLUMNS
	" FROM main.keys EXCEPT SELECT " KEY_CENTRAL_COLUMNS
	" FROM base.keys)" CHILD_DIFF("ip_rules",
				      "key_id, list, cidr, enabled, position")
	    CHILD_DIFF("key_services", "key_id, service")
		CHILD_DIFF("key_host_groups",
			   "key_id, host_group") ") WHERE id IN (SELECT id "
						 "FROM main.keys) ORDER BY id",
    [VIEW_KEY_DELETED] = "SELECT id FROM base.keys EXCEPT "
			 "SELECT id FROM main.keys ORDER BY id",
    [VIEW_SERVICES_CHANGED] =
	"SELECT service FROM (SELECT service FROM main.verifier_services "
	"EXCEPT SELECT service FROM base.verifier_services) UNION "
	"SELECT service FROM (SELECT service FROM base.verifier_services "
	"EXCEPT SELECT service FROM main.verifier_services)",
};

enum store_result view_changes(struct store *s, enum view_change kind,
			       view_change_fn fn, void *ctx)
{
	sqlite3_stmt *stmt = store_prepare(s, VIEW_DIFF_SQL[kind]);
	enum store_result result = stmt != NULL ? STORE_OK : STORE_ERROR;
	char text[REQ_SERVICE_MAX + 1];
	int rc = SQLITE_DONE;

	while (result == STORE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (!store_column_text(stmt, 0, false, text, sizeof text))
			rc = SQLITE_MISMATCH;
		else if (!fn(text, ctx))
			result = STORE_ERROR;
	}
	if (result == STORE_OK && rc != SQLITE_DONE)
		result = store_sql_failure(s, "comparing the view");
	store_done(s, stmt);
	return result;
}
