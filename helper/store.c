#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safefile.h"
#include "schema.h"

#define BUSY_TIMEOUT_MANAGE_MS 5000
#define BUSY_TIMEOUT_VERIFY_MS 500 /* a login never waits long on a writer */

struct store {
	sqlite3 *db;
	enum store_mode mode;
	char err[512];
};

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
	X(ROTATED_FROM, rotated_from)

#define COLUMN_POSITION(name, column) COL_##name,
#define COLUMN_SQL(name, column)      #column ", "
enum key_column { KEY_COLUMN_LIST(COLUMN_POSITION) COL_COUNT };
#define KEY_COLUMNS KEY_COLUMN_LIST(COLUMN_SQL) "0 AS end_of_columns"

static void set_error(struct store *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_error(struct store *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
}

static enum store_result sql_failure(struct store *s, const char *what)
{
	int code = sqlite3_extended_errcode(s->db);

	set_error(s, "store: %s: %s", what, sqlite3_errmsg(s->db));
	if (code == SQLITE_CONSTRAINT_UNIQUE ||
	    code == SQLITE_CONSTRAINT_PRIMARYKEY)
		return STORE_CONFLICT;
	return STORE_ERROR;
}

const char *store_error(const struct store *s)
{
	return s->err;
}

static bool exec_sql(struct store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return true;
	set_error(s, "store: %s", msg != NULL ? msg : sqlite3_errmsg(s->db));
	sqlite3_free(msg);
	return false;
}

static sqlite3_stmt *prepare(struct store *s, const char *sql)
{
	sqlite3_stmt *stmt = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		set_error(s, "store: %s", sqlite3_errmsg(s->db));
		return NULL;
	}
	return stmt;
}

/* ---- opening ---------------------------------------------------------- */

/* A -wal, -shm or -journal file not owned by root means tampering. */
static bool companions_safe(int dirfd, const char *dir, const char *base,
			    char *err, size_t errlen)
{
	static const char *const suffixes[] = {"-wal", "-shm", "-journal"};

	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		char name[300];
		struct stat st;

		snprintf(name, sizeof name, "%s%s", base, suffixes[i]);
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		/* the kept -wal holds what the store holds: 0600 too */
		if (!S_ISREG(st.st_mode) || st.st_uid != 0 ||
		    (st.st_mode & 0077) != 0) {
			snprintf(err, errlen,
				 "unsafe store: %s/%s is not a root-owned "
				 "regular file",
				 dir, name);
			return false;
		}
	}
	return true;
}

static int create_store_file(int dirfd, const char *dir, const char *base,
			     char *err, size_t errlen)
{
	int fd =
	    openat(dirfd, base,
		   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0) {
		snprintf(err, errlen, "cannot create store %s/%s: %s", dir,
			 base, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/* Checks directory, file and companions; returns the file's identity. */
static bool check_store_files(const char *path, bool create, int *dirfd_out,
			      char *base, size_t baselen, struct stat *st,
			      char *err, size_t errlen)
{
	char dir[4096];
	int dirfd, fd;

	if (!split_path(path, dir, sizeof dir, base, baselen)) {
		snprintf(err, errlen,
			 "bad store path '%s' (want an absolute "
			 "path to a file)",
			 path);
		return false;
	}
	dirfd = open_safe_dir(dir, create, err, errlen);
	if (dirfd < 0)
		return false;
	/* 0600: names, users and addresses are nobody else's business */
	fd = open_safe_file(dirfd, dir, base, 0077, st, err, errlen);
	if (fd == -2 && create &&
	    create_store_file(dirfd, dir, base, err, errlen) == 0)
		fd = open_safe_file(dirfd, dir, base, 0077, st, err, errlen);
	else if (fd == -2)
		snprintf(err, errlen,
			 "store %s does not exist (run 'apikeyctl init')",
			 path);
	if (fd < 0 || !companions_safe(dirfd, dir, base, err, errlen)) {
		if (fd >= 0)
			close(fd);
		close(dirfd);
		return false;
	}
	close(fd);
	*dirfd_out = dirfd;
	return true;
}

/* The pragmas that differ by mode. */
static bool configure_mode(struct store *s)
{
	switch (s->mode) {
	case STORE_READ: return exec_sql(s, "PRAGMA query_only = ON;");
	case STORE_TRACK:
		/* last-used rows: losing the newest to a power cut is fine;
		 * small WAL, so readers have little to scan */
		return exec_sql(s, "PRAGMA synchronous = NORMAL;"
				   "PRAGMA wal_autocheckpoint = 32;");
	case STORE_WRITE:
	case STORE_CREATE:
		return exec_sql(s, "PRAGMA journal_mode = WAL;"
				   "PRAGMA synchronous = FULL;");
	}
	return false;
}

static bool configure(struct store *s)
{
	int timeout = s->mode == STORE_READ ? BUSY_TIMEOUT_VERIFY_MS
					    : BUSY_TIMEOUT_MANAGE_MS;
	int persist = 1;

	sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0,
			  NULL);
	/* a login never pays for a checkpoint (an fsync) when it closes: the
	 * writers' automatic checkpoints and apikeyctl do that work */
	if (s->mode == STORE_READ)
		sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
				  NULL);
	sqlite3_busy_timeout(s->db, timeout);
	/* keep -wal and -shm between connections: on a full disk a login
	 * could not create them again, and must still be able to read */
	sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	return exec_sql(s, "PRAGMA temp_store = MEMORY;"
			   "PRAGMA trusted_schema = OFF;"
			   "PRAGMA foreign_keys = ON;") &&
	       configure_mode(s);
}

static int user_version(struct store *s)
{
	sqlite3_stmt *stmt = prepare(s, "PRAGMA user_version");
	int version = -1;

	if (stmt != NULL && sqlite3_step(stmt) == SQLITE_ROW)
		version = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return version;
}

/* Applies migrations from the current version on, one transaction. */
static bool migrate(struct store *s)
{
	char sql[64];
	int version;

	if (!exec_sql(s, "BEGIN IMMEDIATE"))
		return false;
	version = user_version(s);
	for (int v = version; v >= 0 && v < schema_version; v++) {
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
		if (!exec_sql(s, schema_migrations[v]) || !exec_sql(s, sql)) {
			exec_sql(s, "ROLLBACK");
			return false;
		}
	}
	return exec_sql(s, "COMMIT");
}

static bool check_schema(struct store *s)
{
	int version = user_version(s);

	if (version < 0)
		return false;
	if (version > schema_version) {
		set_error(s,
			  "store schema version %d is newer than this program "
			  "knows (%d)",
			  version, schema_version);
		return false;
	}
	if (version < schema_version &&
	    (s->mode == STORE_READ || s->mode == STORE_TRACK)) {
		set_error(s,
			  "store schema version %d is out of date (run "
			  "'apikeyctl init' to upgrade it)",
			  version);
		return false;
	}
	return version == schema_version || migrate(s);
}

/* The name must still be the file we checked: nothing swapped it. */
static bool same_file(int dirfd, const char *base, const struct stat *st)
{
	struct stat now;

	return fstatat(dirfd, base, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
	       now.st_dev == st->st_dev && now.st_ino == st->st_ino;
}

struct store *store_open(const char *path, enum store_mode mode, char *err,
			 size_t errlen)
{
	struct store *s = sqlite3_malloc(sizeof *s);
	char base[256];
	struct stat st;
	int dirfd = -1;
	bool ok = false;

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memset(s, 0, sizeof *s);
	s->mode = mode;
	if (!check_store_files(path, mode == STORE_CREATE, &dirfd, base,
			       sizeof base, &st, err, errlen)) {
		sqlite3_free(s);
		return NULL;
	}
	if (sqlite3_open_v2(path, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW,
			    NULL) != SQLITE_OK)
		set_error(s, "cannot open store %s: %s", path,
			  s->db != NULL ? sqlite3_errmsg(s->db)
					: "out of memory");
	else if (!same_file(dirfd, base, &st))
		set_error(s, "store %s changed while it was opened", path);
	else
		ok = configure(s) && check_schema(s);
	close(dirfd);
	if (!ok) {
		snprintf(err, errlen, "%s", s->err);
		store_close(s);
		return NULL;
	}
	return s;
}

void store_close(struct store *s)
{
	if (s == NULL)
		return;
	sqlite3_close(s->db);
	sqlite3_free(s);
}

/* ---- transactions ------------------------------------------------------ */

enum store_result store_begin(struct store *s)
{
	return exec_sql(s, "BEGIN IMMEDIATE") ? STORE_OK : STORE_ERROR;
}

enum store_result store_commit(struct store *s)
{
	if (!exec_sql(s, "COMMIT"))
		return STORE_ERROR;
	/* a transaction still open after COMMIT was not committed */
	if (!sqlite3_get_autocommit(s->db)) {
		set_error(s, "store: commit did not complete");
		return STORE_ERROR;
	}
	return STORE_OK;
}

void store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- reading rows ------------------------------------------------------ */

/*
 * A read snapshot: every statement until store_snapshot_end sees the store
 * as the first of them did (a deferred BEGIN), so nothing one decision
 * reads can come from both sides of another process's commit.
 */
enum store_result store_snapshot_begin(struct store *s)
{
	return exec_sql(s, "BEGIN") ? STORE_OK : STORE_ERROR;
}

void store_snapshot_end(struct store *s)
{
	store_rollback(s); /* nothing was written: nothing to commit */
}

/*
 * The values below are read by type: the tables are STRICT with CHECK
 * constraints, but a damaged or hand-edited store can hold anything, and
 * an odd value must never read as a harmless one (an expiry of 0 or text
 * would read as "never").  Anything unexpected makes the row damaged.
 */

/* TEXT that fits out, or NULL (as "") where the column allows it. */
static bool column_text(sqlite3_stmt *stmt, int col, bool nullable, char *out,
			size_t outlen)
{
	int type = sqlite3_column_type(stmt, col);
	const unsigned char *text;
	size_t len;

	out[0] = '\0';
	if (type == SQLITE_NULL)
		return nullable;
	if (type != SQLITE_TEXT)
		return false;
	text = sqlite3_column_text(stmt, col);
	len = (size_t)sqlite3_column_bytes(stmt, col);
	if (text == NULL || len >= outlen || memchr(text, '\0', len) != NULL)
		return false;
	memcpy(out, text, len + 1);
	return true;
}

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
	return column_text(stmt, COL_ID, false, rec->id, sizeof rec->id) &&
	       column_text(stmt, COL_USER, false, rec->user,
			   sizeof rec->user) &&
	       column_text(stmt, COL_NAME, false, rec->name,
			   sizeof rec->name) &&
	       column_text(stmt, COL_DESCRIPTION, false, rec->description,
			   sizeof rec->description) &&
	       column_text(stmt, COL_LAST_USED_IP, true, rec->last_used_ip,
			   sizeof rec->last_used_ip) &&
	       column_text(stmt, COL_LAST_DENIED_IP, true, rec->last_denied_ip,
			   sizeof rec->last_denied_ip) &&
	       column_text(stmt, COL_LAST_DENIED_REASON, true,
			   rec->last_denied_reason,
			   sizeof rec->last_denied_reason) &&
	       column_text(stmt, COL_ROTATED_TO, true, rec->rotated_to,
			   sizeof rec->rotated_to) &&
	       column_text(stmt, COL_ROTATED_FROM, true, rec->rotated_from,
			   sizeof rec->rotated_from);
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
	       (hash == NULL || column_hash(stmt, COL_HASH, hash));
}

/* One rules row; false when any value is not one the schema allows (an
 * odd list must not become "deny", nor an odd flag "disabled"). */
static bool read_rule_row(sqlite3_stmt *stmt, struct ip_rule *rule)
{
	char list[8];
	long long enabled;

	if (!column_text(stmt, 0, false, list, sizeof list) ||
	    !column_text(stmt, 1, false, rule->cidr, sizeof rule->cidr) ||
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

static enum store_result load_rules(struct store *s, sqlite3_stmt *stmt,
				    const char *id, struct key_record *rec)
{
	int rc;

	sqlite3_reset(stmt);
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_TRANSIENT);
	rec->rule_count = 0;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (rec->rule_count == RULES_MAX ||
		    !read_rule_row(stmt, &rec->rules[rec->rule_count])) {
			set_error(s, "store: damaged IP rule for key %s", id);
			return STORE_ERROR;
		}
		rec->rule_count++;
	}
	return rc == SQLITE_DONE ? STORE_OK : sql_failure(s, "reading rules");
}

static sqlite3_stmt *prepare_rules(struct store *s)
{
	return prepare(s, "SELECT list, cidr, enabled FROM ip_rules "
			  "WHERE key_id = ?1 ORDER BY position");
}

/* Runs a one-row key query whose parameters are already bound; the IP
 * rules are not read (store_load_rules). */
static enum store_result fetch_one(struct store *s, sqlite3_stmt *stmt,
				   struct key_record *rec,
				   unsigned char hash[KEY_HASH_LEN])
{
	int rc = sqlite3_step(stmt);

	if (rc == SQLITE_DONE) {
		set_error(s, "no such key");
		return STORE_NOT_FOUND;
	}
	if (rc != SQLITE_ROW)
		return sql_failure(s, "reading key");
	if (!read_key_row(stmt, rec, hash)) {
		set_error(s, "store: damaged key row");
		return STORE_ERROR;
	}
	return STORE_OK;
}

enum store_result store_load_rules(struct store *s, const char *id,
				   struct key_record *rec)
{
	sqlite3_stmt *rules = prepare_rules(s);
	enum store_result result =
	    rules != NULL ? load_rules(s, rules, id, rec) : STORE_ERROR;

	sqlite3_finalize(rules);
	return result;
}

enum store_result store_get_key(struct store *s, const char *id,
				struct key_record *rec,
				unsigned char hash[KEY_HASH_LEN])
{
	sqlite3_stmt *stmt = prepare(s, "SELECT " KEY_COLUMNS " FROM keys "
					"WHERE id = ?1");
	enum store_result result = STORE_ERROR;

	if (stmt != NULL) {
		sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
		result = fetch_one(s, stmt, rec, hash);
	}
	sqlite3_finalize(stmt);
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
		result = store_load_rules(s, rec->id, rec);
	if (own)
		store_snapshot_end(s);
	return result;
}

enum store_result store_get(struct store *s, const char *id,
			    struct key_record *rec)
{
	sqlite3_stmt *stmt = prepare(s, "SELECT " KEY_COLUMNS " FROM keys "
					"WHERE id = ?1");
	enum store_result result = STORE_ERROR;

	if (stmt != NULL) {
		sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
		result = fetch_whole(s, stmt, rec);
	}
	sqlite3_finalize(stmt);
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
	stmt = prepare(s, "SELECT " KEY_COLUMNS " FROM keys "
			  "WHERE user = ?1 AND name = ?2");
	if (stmt != NULL) {
		sqlite3_bind_text(stmt, 1, ref, (int)(slash - ref),
				  SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, slash + 1, -1, SQLITE_STATIC);
		result = fetch_whole(s, stmt, rec);
	}
	sqlite3_finalize(stmt);
	return result;
}

static enum store_result each_row(struct store *s, sqlite3_stmt *stmt,
				  store_each_fn fn, void *ctx)
{
	static struct key_record rec; /* large; one at a time */
	sqlite3_stmt *rules = prepare_rules(s);
	enum store_result result = STORE_OK;
	int rc = SQLITE_DONE;

	if (rules == NULL)
		return STORE_ERROR;
	while (result == STORE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (!read_key_row(stmt, &rec, NULL)) {
			set_error(s, "store: damaged key row");
			result = STORE_ERROR;
		} else if ((result = load_rules(s, rules, rec.id, &rec)) ==
			       STORE_OK &&
			   !fn(&rec, ctx))
			break;
	}
	if (result == STORE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		result = sql_failure(s, "listing keys");
	sqlite3_finalize(rules);
	return result;
}

enum store_result store_each(struct store *s, const char *user,
			     store_each_fn fn, void *ctx)
{
	sqlite3_stmt *stmt =
	    user == NULL ? prepare(s, "SELECT " KEY_COLUMNS " FROM keys "
				      "ORDER BY user, name, id")
			 : prepare(s, "SELECT " KEY_COLUMNS " FROM keys "
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
	sqlite3_finalize(stmt);
	return result;
}

long long store_key_count(struct store *s)
{
	sqlite3_stmt *stmt = prepare(s, "SELECT count(*) FROM keys");
	long long count = -1;

	if (stmt != NULL && sqlite3_step(stmt) == SQLITE_ROW)
		count = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return count;
}

/* ---- writing ----------------------------------------------------------- */

static void bind_time_or_null(sqlite3_stmt *stmt, int col, time_t t)
{
	if (t == 0)
		sqlite3_bind_null(stmt, col);
	else
		sqlite3_bind_int64(stmt, col, (sqlite3_int64)t);
}

static void bind_text_or_null(sqlite3_stmt *stmt, int col, const char *text)
{
	if (text[0] == '\0')
		sqlite3_bind_null(stmt, col);
	else
		sqlite3_bind_text(stmt, col, text, -1, SQLITE_STATIC);
}

/* Runs a statement whose parameters are bound; returns rows changed or -1. */
static int run_change(struct store *s, sqlite3_stmt *stmt, const char *what,
		      enum store_result *result)
{
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		*result = sql_failure(s, what);
		return -1;
	}
	*result = STORE_OK;
	return sqlite3_changes(s->db);
}

static enum store_result insert_rules(struct store *s,
				      const struct key_record *rec)
{
	sqlite3_stmt *stmt = prepare(
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
		run_change(s, stmt, "saving IP rule", &result);
	}
	sqlite3_finalize(stmt);
	return result;
}

enum store_result store_insert(struct store *s, const struct key_record *rec,
			       const unsigned char hash[KEY_HASH_LEN])
{
	sqlite3_stmt *stmt = prepare(
	    s, "INSERT INTO keys (id, user, uid, name, description, hash, "
	       "created_at, expires_at, rotated_from) "
	       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
	enum store_result result = STORE_ERROR;

	if (stmt == NULL)
		return STORE_ERROR;
	sqlite3_bind_text(stmt, 1, rec->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, rec->user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, rec->uid);
	sqlite3_bind_text(stmt, 4, rec->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, rec->description, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 6, hash, KEY_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 7, (sqlite3_int64)rec->created_at);
	bind_time_or_null(stmt, 8, rec->expires_at);
	bind_text_or_null(stmt, 9, rec->rotated_from);
	if (run_change(s, stmt, "saving key", &result) >= 0)
		result = insert_rules(s, rec);
	sqlite3_finalize(stmt);
	return result;
}

static enum store_result delete_rules(struct store *s, const char *id)
{
	sqlite3_stmt *stmt =
	    prepare(s, "DELETE FROM ip_rules WHERE key_id = ?1");
	enum store_result result = STORE_ERROR;

	if (stmt != NULL) {
		sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
		run_change(s, stmt, "replacing IP rules", &result);
	}
	sqlite3_finalize(stmt);
	return result;
}

enum store_result store_update(struct store *s, const struct key_record *rec)
{
	sqlite3_stmt *stmt =
	    prepare(s, "UPDATE keys SET name = ?2, description = ?3, "
		       "expires_at = ?4, rotated_to = ?5 WHERE id = ?1");
	enum store_result result = STORE_ERROR;
	int changed;

	if (stmt == NULL)
		return STORE_ERROR;
	sqlite3_bind_text(stmt, 1, rec->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, rec->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, rec->description, -1, SQLITE_STATIC);
	bind_time_or_null(stmt, 4, rec->expires_at);
	bind_text_or_null(stmt, 5, rec->rotated_to);
	changed = run_change(s, stmt, "updating key", &result);
	sqlite3_finalize(stmt);
	if (changed == 0) {
		set_error(s, "no such key");
		return STORE_NOT_FOUND;
	}
	if (result == STORE_OK)
		result = delete_rules(s, rec->id);
	return result == STORE_OK ? insert_rules(s, rec) : result;
}

/* Runs a statement of the form "... WHERE id = ?1". */
static enum store_result change_by_id(struct store *s, const char *sql,
				      const char *id, const char *what)
{
	sqlite3_stmt *stmt = prepare(s, sql);
	enum store_result result = STORE_ERROR;
	int changed = -1;

	if (stmt != NULL) {
		sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
		changed = run_change(s, stmt, what, &result);
	}
	sqlite3_finalize(stmt);
	if (changed == 0) {
		set_error(s, "no such key");
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

	if ((stmt = prepare(s, sql)) == NULL)
		return STORE_ERROR;
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)now);
	bind_text_or_null(stmt, 3, ip);
	if (reason != NULL)
		sqlite3_bind_text(stmt, 4, reason, -1, SQLITE_STATIC);
	changed = run_change(s, stmt, "recording use", &result);
	sqlite3_finalize(stmt);
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
