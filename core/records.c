/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The store's queries: keys and their IP rules, read and written.  Every
 * statement is a string literal with bound parameters; store.c opened the
 * store and owns its transactions.
 */
#include "store_sql.h"

#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "protocol.h"

/*
 * The columns every key query selects, and their positions: one list, so
 * a column added or moved cannot be read at the wrong position.  The
 * trailing constant only ends the list (its position is COL_COUNT).
 */
#define KEY_COLUMN_LIST(X)                                                     \
	X(ID, id)                                                              \
	X(USER, user)                                                          \
	X(UID, uid)                                                            \
	X(NAME, name)                                                          \
	X(DESCRIPTION, description)                                            \
	X(CREATED_AT, created_at)                                              \
	X(EXPIRES_AT, expires_at)                                              \
	X(LAST_USED_AT, last_used_at)                                          \
	X(LAST_USED_IP, last_used_ip)                                          \
	X(USE_COUNT, use_count)                                                \
	X(LAST_DENIED_AT, last_denied_at)                                      \
	X(LAST_DENIED_IP, last_denied_ip)                                      \
	X(LAST_DENIED_REASON, last_denied_reason)                              \
	X(HASH, hash)                                                          \
	X(ROTATED_TO, rotated_to)                                              \
	X(ROTATED_FROM, rotated_from)                                          \
	X(CENTRAL, origin = 'central')                                         \
	X(SYNCED_AT,                                                           \
	  CASE origin WHEN 'central' THEN(                                     \
	      SELECT last_contact FROM central_sync WHERE id = 1) END)         \
	X(MAX_STALE, CASE origin WHEN 'central' THEN(                          \
			 SELECT max_stale FROM central_sync WHERE id = 1) END) \
	X(LAST_USED_HOST, last_used_host)

#define COLUMN_POSITION(name, column) COL_##name,
#define COLUMN_SQL(name, column)      #column ", "
enum key_column { KEY_COLUMN_LIST(COLUMN_POSITION) COL_COUNT };
#define KEY_COLUMNS KEY_COLUMN_LIST(COLUMN_SQL) "0 AS end_of_columns"

/*
 * The values below are read by type: the tables are STRICT with CHECK
 * constraints, but a damaged or hand-edited store can hold anything, and
 * an odd value must never read as a harmless one (an expiry of 0 or text
 * would read as "never").  Anything unexpected makes the row damaged.
 */

/* An INTEGER of at least min. */
static bool column_int(sqlite3_stmt *stmt, int col, long long min,
		       long long *out)
{
	if (sqlite3_column_type(stmt, col) != SQLITE_INTEGER)
		return false;
	*out = sqlite3_column_int64(stmt, col);
	return *out >= min;
}

/* A time: a positive INTEGER, or NULL (as 0: never) where allowed. */
static bool column_time(sqlite3_stmt *stmt, int col, bool nullable, time_t *out)
{
	long long value = 0;

	*out = 0;
	if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
		return nullable;
	if (!column_int(stmt, col, 1, &value))
		return false;
	*out = (time_t)value;
	return true;
}

static bool column_hash(sqlite3_stmt *stmt, int col,
			unsigned char hash[KEY_HASH_LEN])
{
	if (sqlite3_column_type(stmt, col) != SQLITE_BLOB ||
	    sqlite3_column_bytes(stmt, col) != KEY_HASH_LEN)
		return false;
	memcpy(hash, sqlite3_column_blob(stmt, col), KEY_HASH_LEN);
	return true;
}

static bool read_texts(sqlite3_stmt *stmt, struct key_record *rec)
{
	return store_column_text(stmt, COL_ID, false, rec->id,
				 sizeof rec->id) &&
	       store_column_text(stmt, COL_USER, false, rec->user,
				 sizeof rec->user) &&
	       store_column_text(stmt, COL_NAME, false, rec->name,
				 sizeof rec->name) &&
	       store_column_text(stmt, COL_DESCRIPTION, false, rec->description,
				 sizeof rec->description) &&
	       store_column_text(stmt, COL_LAST_USED_IP, true,
				 rec->last_used_ip, sizeof rec->last_used_ip) &&
	       store_column_text(stmt, COL_LAST_DENIED_IP, true,
				 rec->last_denied_ip,
				 sizeof rec->last_denied_ip) &&
	       store_column_text(stmt, COL_LAST_DENIED_REASON, true,
				 rec->last_denied_reason,
				 sizeof rec->last_denied_reason) &&
	       store_column_text(stmt, COL_ROTATED_TO, true, rec->rotated_to,
				 sizeof rec->rotated_to) &&
	       store_column_text(stmt, COL_ROTATED_FROM, true,
				 rec->rotated_from, sizeof rec->rotated_from) &&
	       store_column_text(stmt, COL_LAST_USED_HOST, true,
				 rec->last_used_host,
				 sizeof rec->last_used_host);
}

/* Where the key comes from: this host, or the central store through the
 * agent, whose last contact (NULL: none yet) and allowance go with it. */
static bool read_origin(sqlite3_stmt *stmt, struct key_record *rec)
{
	long long central, max_stale = 0;

	if (!column_int(stmt, COL_CENTRAL, 0, &central) || central > 1)
		return false;
	rec->central = central == 1;
	if (!rec->central)
		return true;
	if (sqlite3_column_type(stmt, COL_MAX_STALE) != SQLITE_NULL &&
	    !column_int(stmt, COL_MAX_STALE, 1, &max_stale))
		return false;
	rec->max_stale = max_stale;
	return column_time(stmt, COL_SYNCED_AT, true, &rec->synced_at);
}

static bool read_numbers(sqlite3_stmt *stmt, struct key_record *rec)
{
	return column_int(stmt, COL_UID, 0, &rec->uid) &&
	       column_int(stmt, COL_USE_COUNT, 0, &rec->use_count) &&
	       column_time(stmt, COL_CREATED_AT, false, &rec->created_at) &&
	       column_time(stmt, COL_EXPIRES_AT, true, &rec->expires_at) &&
	       column_time(stmt, COL_LAST_USED_AT, true, &rec->last_used_at) &&
	       column_time(stmt, COL_LAST_DENIED_AT, true,
			   &rec->last_denied_at);
}

static bool read_key_row(sqlite3_stmt *stmt, struct key_record *rec,
			 unsigned char hash[KEY_HASH_LEN])
{
	memset(rec, 0, offsetof(struct key_record, rules));
	rec->rule_count = 0;
	return read_texts(stmt, rec) && read_numbers(stmt, rec) &&
	       read_origin(stmt, rec) &&
	       (hash == NULL || column_hash(stmt, COL_HASH, hash));
}

/* One rules row, the key's Ith; false when any value is not one the
 * schema allows (an odd list must not become "deny", nor an odd flag
 * "disabled"). */
static bool read_rule_row(sqlite3_stmt *stmt, struct key_record *rec, size_t i)
{
	struct ip_rule *rule = &rec->rules[i];
	char list[8];
	long long enabled;

	if (!store_column_text(stmt, 0, false, list, sizeof list) ||
	    !store_column_text(stmt, 1, false, rule->cidr, sizeof rule->cidr) ||
	    !column_int(stmt, 2, 0, &enabled) || enabled > 1)
		return false;
	if (strcmp(list, "allow") == 0)
		rule->list = LIST_ALLOW;
	else if (strcmp(list, "deny") == 0)
		rule->list = LIST_DENY;
	else
		return false;
	rule->enabled = enabled == 1;
	return true;
}

/* One services row, the key's Ith: a service name as apikeyctl writes. */
static bool read_service_row(sqlite3_stmt *stmt, struct key_record *rec,
			     size_t i)
{
	char *service = rec->services[i];

	return store_column_text(stmt, 0, false, service,
				 sizeof rec->services[0]) &&
	       service_name_valid(service);
}

/* How one of a key's lists is read: its rows and its capacity. */
struct list_kind {
	const char *what;
	bool (*read_row)(sqlite3_stmt *stmt, struct key_record *rec, size_t i);
	size_t max;
};

/* One host groups row, the key's Ith. */
static bool read_group_row(sqlite3_stmt *stmt, struct key_record *rec, size_t i)
{
	char *group = rec->host_groups[i];

	return store_column_text(stmt, 0, false, group,
				 sizeof rec->host_groups[0]) &&
	       host_group_valid(group);
}

static const struct list_kind RULES = {"IP rule", read_rule_row, RULES_MAX};
static const struct list_kind SERVICES = {"service scope", read_service_row,
					  SERVICES_MAX};
static const struct list_kind GROUPS = {"host group", read_group_row,
					HOST_GROUPS_MAX};

/* A key's list, its length in *COUNT: every row or a damaged store (more
 * rows than the list holds is damage too, never a list cut short). */
static enum store_result load_list(struct store *s, sqlite3_stmt *stmt,
				   const struct list_kind *kind, const char *id,
				   struct key_record *rec, size_t *count)
{
	int rc;

	sqlite3_reset(stmt);
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_TRANSIENT);
	*count = 0;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (*count == kind->max || !kind->read_row(stmt, rec, *count)) {
			store_set_error(s, "store: damaged %s for key %s",
					kind->what, id);
			return STORE_ERROR;
		}
		(*count)++;
	}
	return rc == SQLITE_DONE
		   ? STORE_OK
		   : store_sql_failure(s, "reading a key's lists");
}

/* The statements that read a key's lists: its IP rules and its services,
 * and for the commands (never a verification) its host groups. */
struct lists {
	sqlite3_stmt *rules, *services, *groups;
};

static bool prepare_lists(struct store *s, struct lists *l, bool groups)
{
	l->rules = store_prepare(s, "SELECT list, cidr, enabled FROM ip_rules "
				    "WHERE key_id = ?1 ORDER BY position");
	l->services = store_prepare(s, "SELECT service FROM key_services "
				       "WHERE key_id = ?1 ORDER BY rowid");
	l->groups = groups ? store_prepare(s, "SELECT host_group FROM "
					      "key_host_groups WHERE key_id = "
					      "?1 ORDER BY host_group")
			   : NULL;
	return l->rules != NULL && l->services != NULL &&
	       (!groups || l->groups != NULL);
}

static void finalize_lists(struct store *s, struct lists *l)
{
	store_done(s, l->rules);
	store_done(s, l->services);
	store_done(s, l->groups);
}

static enum store_result load_lists(struct store *s, struct lists *l,
				    const char *id, struct key_record *rec)
{
	enum store_result result =
	    load_list(s, l->rules, &RULES, id, rec, &rec->rule_count);

	if (result == STORE_OK)
		result = load_list(s, l->services, &SERVICES, id, rec,
				   &rec->service_count);
	if (result == STORE_OK && l->groups != NULL)
		result = load_list(s, l->groups, &GROUPS, id, rec,
				   &rec->host_group_count);
	return result;
}

/* Runs a one-row key query whose parameters are already bound; the IP
 * lists are not read (store_load_lists). */
static enum store_result fetch_one(struct store *s, sqlite3_stmt *stmt,
				   struct key_record *rec,
				   unsigned char hash[KEY_HASH_LEN])
{
	int rc = sqlite3_step(stmt);

	if (rc == SQLITE_DONE) {
		store_set_error(s, "no such key");
		return STORE_NOT_FOUND;
	}
	if (rc != SQLITE_ROW)
		return store_sql_failure(s, "reading key");
	if (!read_key_row(stmt, rec, hash)) {
		store_set_error(s, "store: damaged key row");
		return STORE_ERROR;
	}
	return STORE_OK;
}

/* A key's lists, and for the commands its host groups too. */
static enum store_result load_lists_of(struct store *s, const char *id,
				       struct key_record *rec, bool groups)
{
	struct lists l;
	enum store_result result = prepare_lists(s, &l, groups)
				       ? load_lists(s, &l, id, rec)
				       : STORE_ERROR;

	finalize_lists(s, &l);
	return result;
}

enum store_result store_load_lists(struct store *s, const char *id,
				   struct key_record *rec)
{
	return load_lists_of(s, id, rec, false);
}

/* The one-row query of a key by id, bound; NULL with the error set. */
static sqlite3_stmt *select_by_id(struct store *s, const char *id)
{
	sqlite3_stmt *stmt =
	    store_prepare(s, "SELECT " KEY_COLUMNS " FROM keys WHERE id = ?1");

	if (stmt != NULL)
		sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	return stmt;
}

enum store_result store_get_key(struct store *s, const char *id,
				struct key_record *rec,
				unsigned char hash[KEY_HASH_LEN])
{
	sqlite3_stmt *stmt = select_by_id(s, id);
	enum store_result result =
	    stmt != NULL ? fetch_one(s, stmt, rec, hash) : STORE_ERROR;

	store_done(s, stmt);
	return result;
}

/* The row stmt finds and its rules, in one snapshot: the caller's
 * transaction, or one of its own. */
static enum store_result fetch_whole(struct store *s, sqlite3_stmt *stmt,
				     struct key_record *rec)
{
	bool own = sqlite3_get_autocommit(s->db) != 0;
	enum store_result result = own ? store_snapshot_begin(s) : STORE_OK;

	if (result == STORE_OK)
		result = fetch_one(s, stmt, rec, NULL);
	if (result == STORE_OK)
		result = load_lists_of(s, rec->id, rec, true);
	if (own)
		store_snapshot_end(s);
	return result;
}

enum store_result store_get(struct store *s, const char *id,
			    struct key_record *rec)
{
	sqlite3_stmt *stmt = select_by_id(s, id);
	enum store_result result =
	    stmt != NULL ? fetch_whole(s, stmt, rec) : STORE_ERROR;

	store_done(s, stmt);
	return result;
}

enum store_result store_find(struct store *s, const char *ref,
			     struct key_record *rec)
{
	const char *slash = strchr(ref, '/');
	sqlite3_stmt *stmt;
	enum store_result result = STORE_ERROR;

	if (slash == NULL)
		return store_get(s, ref, rec);
	/* user names never hold '/', key names may: split at the first */
	stmt = store_prepare(s, "SELECT " KEY_COLUMNS " FROM keys "
				"WHERE user = ?1 AND name = ?2");
	if (stmt != NULL) {
		sqlite3_bind_text(stmt, 1, ref, (int)(slash - ref),
				  SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, slash + 1, -1, SQLITE_STATIC);
		result = fetch_whole(s, stmt, rec);
	}
	store_done(s, stmt);
	return result;
}

static enum store_result each_row(struct store *s, sqlite3_stmt *stmt,
				  store_each_fn fn, void *ctx)
{
	static struct key_record rec; /* large; one at a time */
	struct lists l;
	enum store_result result =
	    prepare_lists(s, &l, true) ? STORE_OK : STORE_ERROR;
	int rc = SQLITE_DONE;

	while (result == STORE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (!read_key_row(stmt, &rec, NULL)) {
			store_set_error(s, "store: damaged key row");
			result = STORE_ERROR;
		} else if ((result = load_lists(s, &l, rec.id, &rec)) ==
			       STORE_OK &&
			   !fn(&rec, ctx))
			break;
	}
	if (result == STORE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		result = store_sql_failure(s, "listing keys");
	finalize_lists(s, &l);
	return result;
}

enum store_result store_each(struct store *s, const char *user,
			     store_each_fn fn, void *ctx)
{
	sqlite3_stmt *stmt =
	    user == NULL
		? store_prepare(s, "SELECT " KEY_COLUMNS " FROM keys "
				   "ORDER BY user, name, id")
		: store_prepare(s, "SELECT " KEY_COLUMNS " FROM keys "
				   "WHERE user = ?1 ORDER BY name, id");
	bool own = sqlite3_get_autocommit(s->db) != 0;
	enum store_result result = STORE_ERROR;

	if (stmt != NULL &&
	    (!own || (result = store_snapshot_begin(s)) == STORE_OK)) {
		if (user != NULL)
			sqlite3_bind_text(stmt, 1, user, -1, SQLITE_STATIC);
		result = each_row(s, stmt, fn, ctx);
		if (own)
			store_snapshot_end(s);
	}
	store_done(s, stmt);
	return result;
}

long long store_key_count(struct store *s)
{
	sqlite3_stmt *stmt = store_prepare(s, "SELECT count(*) FROM keys");
	long long count = -1;

	if (stmt != NULL && sqlite3_step(stmt) == SQLITE_ROW)
		count = sqlite3_column_int64(stmt, 0);
	store_done(s, stmt);
	return count;
}

/* ---- writing ----------------------------------------------------------- */

void store_bind_time(sqlite3_stmt *stmt, int col, time_t t)
{
	if (t == 0)
		sqlite3_bind_null(stmt, col);
	else
		sqlite3_bind_int64(stmt, col, (sqlite3_int64)t);
}

void store_bind_text(sqlite3_stmt *stmt, int col, const char *text)
{
	if (text[0] == '\0')
		sqlite3_bind_null(stmt, col);
	else
		sqlite3_bind_text(stmt, col, text, -1, SQLITE_STATIC);
}

/* Runs a statement whose parameters are bound; returns rows changed or -1. */
int store_run_change(struct store *s, sqlite3_stmt *stmt, const char *what,
		     enum store_result *result)
{
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		*result = store_sql_failure(s, what);
		return -1;
	}
	*result = STORE_OK;
	return sqlite3_changes(s->db);
}

static enum store_result insert_rules(struct store *s,
				      const struct key_record *rec)
{
	sqlite3_stmt *stmt = store_prepare(
	    s, "INSERT INTO ip_rules (key_id, list, cidr, enabled, position) "
	       "VALUES (?1, ?2, ?3, ?4, ?5)");
	enum store_result result = stmt != NULL ? STORE_OK : STORE_ERROR;

	for (size_t i = 0; result == STORE_OK && i < rec->rule_count; i++) {
		const struct ip_rule *rule = &rec->rules[i];

		sqlite3_reset(stmt);
		sqlite3_bind_text(stmt, 1, rec->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2,
				  rule->list == LIST_ALLOW ? "allow" : "deny",
				  -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 3, rule->cidr, -1, SQLITE_STATIC);
		sqlite3_bind_int(stmt, 4, rule->enabled ? 1 : 0);
		sqlite3_bind_int64(stmt, 5, (sqlite3_int64)i);
		store_run_change(s, stmt, "saving IP rule", &result);
	}
	store_done(s, stmt);
	return result;
}

static enum store_result insert_services(struct store *s,
					 const struct key_record *rec)
{
	sqlite3_stmt *stmt = store_prepare(
	    s, "INSERT INTO key_services (key_id, service) VALUES (?1, ?2)");
	enum store_result result = stmt != NULL ? STORE_OK : STORE_ERROR;

	for (size_t i = 0; result == STORE_OK && i < rec->service_count; i++) {
		sqlite3_reset(stmt);
		sqlite3_bind_text(stmt, 1, rec->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, rec->services[i], -1, SQLITE_STATIC);
		store_run_change(s, stmt, "saving service scope", &result);
	}
	store_done(s, stmt);
	return result;
}

static enum store_result insert_groups(struct store *s,
				       const struct key_record *rec)
{
	sqlite3_stmt *stmt =
	    store_prepare(s, "INSERT INTO key_host_groups (key_id, host_group) "
			     "VALUES (?1, ?2)");
	enum store_result result = stmt != NULL ? STORE_OK : STORE_ERROR;

	for (size_t i = 0; result == STORE_OK && i < rec->host_group_count;
	     i++) {
		sqlite3_reset(stmt);
		sqlite3_bind_text(stmt, 1, rec->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, rec->host_groups[i], -1,
				  SQLITE_STATIC);
		store_run_change(s, stmt, "saving host group", &result);
	}
	store_done(s, stmt);
	return result;
}

/* A key's lists as rec holds them: its IP rules, its services and its
 * host groups. */
static enum store_result insert_lists(struct store *s,
				      const struct key_record *rec)
{
	enum store_result result = insert_rules(s, rec);

	if (result == STORE_OK)
		result = insert_services(s, rec);
	return result == STORE_OK ? insert_groups(s, rec) : result;
}

void store_bind_key(sqlite3_stmt *stmt, const struct key_record *rec,
		    const unsigned char hash[KEY_HASH_LEN])
{
	sqlite3_bind_text(stmt, 1, rec->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, rec->user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, rec->uid);
	sqlite3_bind_text(stmt, 4, rec->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, rec->description, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 6, hash, KEY_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 7, (sqlite3_int64)rec->created_at);
	store_bind_time(stmt, 8, rec->expires_at);
	store_bind_text(stmt, 9, rec->rotated_to);
	store_bind_text(stmt, 10, rec->rotated_from);
}

enum store_result store_insert(struct store *s, const struct key_record *rec,
			       const unsigned char hash[KEY_HASH_LEN])
{
	sqlite3_stmt *stmt = store_prepare(
	    s, "INSERT INTO keys (" STORE_KEY_INSERT_COLUMNS ") "
	       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
	enum store_result result = STORE_ERROR;

	if (stmt == NULL)
		return STORE_ERROR;
	store_bind_key(stmt, rec, hash);
	if (store_run_change(s, stmt, "saving key", &result) >= 0)
		result = insert_lists(s, rec);
	store_done(s, stmt);
	return result;
}

/* Runs "DELETE ... WHERE key_id = ?1" statements for id. */
static enum store_result delete_lists(struct store *s, const char *id)
{
	static const char *const sql[] = {
	    "DELETE FROM ip_rules WHERE key_id = ?1",
	    "DELETE FROM key_services WHERE key_id = ?1",
	    "DELETE FROM key_host_groups WHERE key_id = ?1"};
	enum store_result result = STORE_OK;

	for (size_t i = 0; result == STORE_OK && i < 3; i++) {
		sqlite3_stmt *stmt = store_prepare(s, sql[i]);

		result = STORE_ERROR;
		if (stmt != NULL) {
			sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
			store_run_change(s, stmt, "replacing a key's lists",
					 &result);
		}
		store_done(s, stmt);
	}
	return result;
}

enum store_result store_write_lists(struct store *s,
				    const struct key_record *rec, bool replace)
{
	enum store_result result =
	    replace ? delete_lists(s, rec->id) : STORE_OK;

	return result == STORE_OK ? insert_lists(s, rec) : result;
}

enum store_result store_update(struct store *s, const struct key_record *rec)
{
	sqlite3_stmt *stmt =
	    store_prepare(s, "UPDATE keys SET name = ?2, description = ?3, "
			     "expires_at = ?4, rotated_to = ?5 WHERE id = ?1");
	enum store_result result = STORE_ERROR;
	int changed;

	if (stmt == NULL)
		return STORE_ERROR;
	sqlite3_bind_text(stmt, 1, rec->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, rec->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, rec->description, -1, SQLITE_STATIC);
	store_bind_time(stmt, 4, rec->expires_at);
	store_bind_text(stmt, 5, rec->rotated_to);
	changed = store_run_change(s, stmt, "updating key", &result);
	store_done(s, stmt);
	if (changed == 0) {
		store_set_error(s, "no such key");
		return STORE_NOT_FOUND;
	}
	if (result == STORE_OK)
		result = delete_lists(s, rec->id);
	return result == STORE_OK ? insert_lists(s, rec) : result;
}

/* Runs a statement of the form "... WHERE id = ?1". */
int store_change_text(struct store *s, const char *sql, const char *text,
		      const char *what, enum store_result *result)
{
	sqlite3_stmt *stmt = store_prepare(s, sql);
	int changed = -1;

	*result = STORE_ERROR;
	if (stmt != NULL) {
		sqlite3_bind_text(stmt, 1, text, -1, SQLITE_STATIC);
		changed = store_run_change(s, stmt, what, result);
	}
	store_done(s, stmt);
	return changed;
}

/* Runs a statement of the form "... WHERE id = ?1". */
static enum store_result change_by_id(struct store *s, const char *sql,
				      const char *id, const char *what)
{
	enum store_result result;

	if (store_change_text(s, sql, id, what, &result) == 0) {
		store_set_error(s, "no such key");
		return STORE_NOT_FOUND;
	}
	return result;
}

enum store_result store_delete(struct store *s, const char *id)
{
	return change_by_id(s, "DELETE FROM keys WHERE id = ?1", id,
			    "deleting key");
}

static enum store_result track(struct store *s, const char *sql, const char *id,
			       time_t now, const char *ip, const char *reason)
{
	sqlite3_stmt *stmt;
	enum store_result result = STORE_ERROR;
	int changed;

	if ((stmt = store_prepare(s, sql)) == NULL)
		return STORE_ERROR;
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)now);
	store_bind_text(stmt, 3, ip);
	if (reason != NULL)
		sqlite3_bind_text(stmt, 4, reason, -1, SQLITE_STATIC);
	changed = store_run_change(s, stmt, "recording use", &result);
	store_done(s, stmt);
	return changed == 0 ? STORE_NOT_FOUND : result;
}

enum store_result store_record_use(struct store *s, const char *id, time_t now,
				   const char *ip)
{
	return track(s,
		     "UPDATE keys SET last_used_at = ?2, last_used_ip = ?3, "
		     "use_count = use_count + 1 WHERE id = ?1",
		     id, now, ip, NULL);
}

enum store_result store_record_denial(struct store *s, const char *id,
				      time_t now, const char *ip,
				      const char *reason)
{
	return track(
	    s,
	    "UPDATE keys SET last_denied_at = ?2, last_denied_ip = ?3, "
	    "last_denied_reason = ?4 WHERE id = ?1",
	    id, now, ip, reason);
}

enum store_result store_record_unmatched(struct store *s, time_t now)
{
	sqlite3_stmt *stmt = store_prepare(
	    s, "UPDATE unmatched SET count = count + 1, last_at = ?1 "
	       "WHERE id = 1");
	enum store_result result = STORE_ERROR;

	if (stmt == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)now);
	if (store_run_change(s, stmt, "recording a login that matched no key",
			     &result) == 0)
		result = STORE_NOT_FOUND;
	store_done(s, stmt);
	return result;
}
