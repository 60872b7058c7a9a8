/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Opening the key store: one SQLite database, root-owned, opened the
 * careful way a setuid process must (store_open), and its transactions.
 * The queries are in records.c.
 *
 * MUST rules kept here:
 * - the directory, the file and every -wal/-shm/-journal beside it are
 *   judged through descriptors opened O_NOFOLLOW|O_NONBLOCK (fstat): root's,
 *   not writable (the store: not readable) by group or others, regular;
 *   and the name must still be that file once SQLite has opened it;
 * - DEFENSIVE on, trusted_schema off, no extensions, temp_store MEMORY;
 * - a store newer than this program is refused; an older one is migrated
 *   only by management, in one transaction;
 * - every change is one transaction; COMMIT must really end it.
 */
#include "store_sql.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safefile.h"
#include "schema.h"

#define BUSY_TIMEOUT_MANAGE_MS 5000
#define BUSY_TIMEOUT_VERIFY_MS 500 /* a login never waits long on a writer */

void store_set_error(struct store *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
}

enum store_result store_sql_failure(struct store *s, const char *what)
{
	int code = sqlite3_extended_errcode(s->db);

	store_set_error(s, "store: %s: %s", what, sqlite3_errmsg(s->db));
	if (code == SQLITE_CONSTRAINT_UNIQUE ||
	    code == SQLITE_CONSTRAINT_PRIMARYKEY)
		return STORE_CONFLICT;
	return STORE_ERROR;
}

bool store_column_text(sqlite3_stmt *stmt, int col, bool nullable, char *out,
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

const char *store_error(const struct store *s)
{
	return s->err;
}

bool store_exec(struct store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return true;
	store_set_error(s, "store: %s",
			msg != NULL ? msg : sqlite3_errmsg(s->db));
	sqlite3_free(msg);
	return false;
}

sqlite3_stmt *store_prepare(struct store *s, const char *sql)
{
	struct cached_statement *free_entry = NULL;
	sqlite3_stmt *stmt = NULL;

	for (size_t i = 0; i < STORE_CACHED_STATEMENTS; i++) {
		struct cached_statement *c = &s->cache[i];

		if (c->stmt == NULL && free_entry == NULL)
			free_entry = c;
		if (c->stmt != NULL && !c->in_use &&
		    strcmp(sqlite3_sql(c->stmt), sql) == 0) {
			c->in_use = true;
			return c->stmt;
		}
	}
	if (sqlite3_prepare_v3(s->db, sql, -1,
			       free_entry != NULL ? SQLITE_PREPARE_PERSISTENT
						  : 0,
			       &stmt, NULL) != SQLITE_OK) {
		store_set_error(s, "store: %s", sqlite3_errmsg(s->db));
		sqlite3_finalize(stmt);
		return NULL;
	}
	if (free_entry != NULL)
		*free_entry = (struct cached_statement){stmt, true};
	return stmt;
}

void store_done(struct store *s, sqlite3_stmt *stmt)
{
	if (stmt == NULL)
		return;
	for (size_t i = 0; i < STORE_CACHED_STATEMENTS; i++) {
		if (s->cache[i].stmt != stmt)
			continue;
		sqlite3_reset(stmt);
		sqlite3_clear_bindings(stmt);
		s->cache[i].in_use = false;
		return;
	}
	sqlite3_finalize(stmt);
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
	case STORE_READ: return store_exec(s, "PRAGMA query_only = ON;");
	case STORE_TRACK:
		/* last-used rows: losing the newest to a power cut is fine;
		 * small WAL, so readers have little to scan */
		return store_exec(s, "PRAGMA synchronous = NORMAL;"
				     "PRAGMA wal_autocheckpoint = 32;");
	case STORE_WRITE:
	case STORE_CREATE:
		return store_exec(s, "PRAGMA journal_mode = WAL;"
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
	return store_exec(s, "PRAGMA temp_store = MEMORY;"
			     "PRAGMA trusted_schema = OFF;"
			     "PRAGMA foreign_keys = ON;") &&
	       configure_mode(s);
}

static int user_version(struct store *s)
{
	sqlite3_stmt *stmt = store_prepare(s, "PRAGMA user_version");
	int version = -1;

	if (stmt != NULL && sqlite3_step(stmt) == SQLITE_ROW)
		version = sqlite3_column_int(stmt, 0);
	store_done(s, stmt);
	return version;
}

/* Applies migrations from the current version on, one transaction. */
static bool migrate(struct store *s)
{
	char sql[64];
	int version;

	if (!store_exec(s, "BEGIN IMMEDIATE"))
		return false;
	version = user_version(s);
	for (int v = version; v >= 0 && v < schema_version; v++) {
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
		if (!store_exec(s, schema_migrations[v]) ||
		    !store_exec(s, sql)) {
			store_exec(s, "ROLLBACK");
			return false;
		}
	}
	return store_exec(s, "COMMIT");
}

static bool check_schema(struct store *s)
{
	int version = user_version(s);

	if (version < 0)
		return false;
	if (version > schema_version) {
		store_set_error(
		    s,
		    "store schema version %d is newer than this program "
		    "knows (%d)",
		    version, schema_version);
		return false;
	}
	if (version < schema_version &&
	    (s->mode == STORE_READ || s->mode == STORE_TRACK)) {
		store_set_error(s,
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
		store_set_error(s, "cannot open store %s: %s", path,
				s->db != NULL ? sqlite3_errmsg(s->db)
					      : "out of memory");
	else if (!same_file(dirfd, base, &st))
		store_set_error(s, "store %s changed while it was opened",
				path);
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

struct store *store_open_memory(char *err, size_t errlen)
{
	struct store *s = sqlite3_malloc(sizeof *s);

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memset(s, 0, sizeof *s);
	s->mode = STORE_CREATE;
	if (sqlite3_open_v2(":memory:", &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK ||
	    !configure(s) || !check_schema(s)) {
		snprintf(err, errlen, "cannot make a store in memory: %s",
			 s->err[0] != '\0' ? s->err : "out of memory");
		store_close(s);
		return NULL;
	}
	s->mode = STORE_WRITE;
	return s;
}

void store_set_commit_hook(struct store *s, store_commit_hook hook, void *ctx)
{
	s->commit_hook = hook;
	s->commit_ctx = ctx;
}

bool store_schema_current(struct store *s)
{
	return user_version(s) == schema_version;
}

bool store_idle(struct store *s)
{
	for (sqlite3_stmt *st = sqlite3_next_stmt(s->db, NULL); st != NULL;
	     st = sqlite3_next_stmt(s->db, st))
		if (sqlite3_stmt_busy(st))
			return false;
	return sqlite3_get_autocommit(s->db) != 0;
}

void store_close(struct store *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < STORE_CACHED_STATEMENTS; i++)
		sqlite3_finalize(s->cache[i].stmt);
	sqlite3_close(s->db);
	sqlite3_free(s);
}

/* ---- transactions ------------------------------------------------------ */

enum store_result store_begin(struct store *s)
{
	return store_exec(s, "BEGIN IMMEDIATE") ? STORE_OK : STORE_ERROR;
}

enum store_result store_commit(struct store *s)
{
	char err[sizeof s->err];

	if (s->commit_hook != NULL &&
	    !s->commit_hook(s, s->commit_ctx, err, sizeof err)) {
		store_rollback(s);
		store_set_error(s, "%s", err);
		return STORE_ERROR;
	}
	if (!store_exec(s, "COMMIT"))
		return STORE_ERROR;
	/* a transaction still open after COMMIT was not committed */
	if (!sqlite3_get_autocommit(s->db)) {
		store_set_error(s, "store: commit did not complete");
		return STORE_ERROR;
	}
	return STORE_OK;
}

void store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- read snapshots ---------------------------------------------------- */

/*
 * A read snapshot: every statement until store_snapshot_end sees the store
 * as the first of them did (a deferred BEGIN), so nothing one decision
 * reads can come from both sides of another process's commit.
 */
enum store_result store_snapshot_begin(struct store *s)
{
	return store_exec(s, "BEGIN") ? STORE_OK : STORE_ERROR;
}

void store_snapshot_end(struct store *s)
{
	store_rollback(s); /* nothing was written: nothing to commit */
}
