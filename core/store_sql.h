/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What store.c (opening a store safely, transactions) shares with
 * records.c (the queries): internal to the store, for no other file.
 */
#ifndef APIKEY_STORE_SQL_H
#define APIKEY_STORE_SQL_H

#include <sqlite3.h>
#include <stdbool.h>

#include "store.h"

/* the statements a decision uses, kept prepared while the store is open
 * (apikeyd serves every request from one connection) */
#define STORE_CACHED_STATEMENTS 16

struct cached_statement {
	sqlite3_stmt *stmt; /* NULL: a free entry */
	bool in_use;
};

struct store {
	sqlite3 *db;
	enum store_mode mode;
	struct cached_statement cache[STORE_CACHED_STATEMENTS];
	char err[512];
	store_commit_hook commit_hook; /* NULL: none */
	void *commit_ctx;
};

void store_set_error(struct store *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Sets the error from SQLite's; STORE_CONFLICT for a UNIQUE constraint. */
enum store_result store_sql_failure(struct store *s, const char *what);

/* A TEXT column that fits out (no NUL inside), or NULL (as "") where the
 * column allows it; false for anything else. */
bool store_column_text(sqlite3_stmt *stmt, int col, bool nullable, char *out,
		       size_t outlen);

/* Runs literal SQL; false with the error set. */
bool store_exec(struct store *s, const char *sql);

/* A prepared statement of the SQL, or NULL with the error set: the same
 * one again when it was prepared before on this store and is not in use.
 * Give it back with store_done. */
sqlite3_stmt *store_prepare(struct store *s, const char *sql);

/* Done with a statement of store_prepare (NULL too): reset and kept for
 * the next, or finalized. */
void store_done(struct store *s, sqlite3_stmt *stmt);

/* Binds a time (0: NULL) or a text ("": NULL). */
void store_bind_time(sqlite3_stmt *stmt, int col, time_t t);
void store_bind_text(sqlite3_stmt *stmt, int col, const char *text);

/* Runs a statement whose parameters are bound; returns rows changed, or
 * -1 with *result set from the error. */
int store_run_change(struct store *s, sqlite3_stmt *stmt, const char *what,
		     enum store_result *result);

/* The columns a key is written with (store_insert, the mirror), bound by
 * store_bind_key as ?1 to ?10; the tracking columns are the store's own. */
#define STORE_KEY_INSERT_COLUMNS                                               \
	"id, user, uid, name, description, hash, created_at, expires_at, "     \
	"rotated_to, rotated_from"
void store_bind_key(sqlite3_stmt *stmt, const struct key_record *rec,
		    const unsigned char hash[KEY_HASH_LEN]);

/* Runs a statement whose one parameter ?1 is text; returns rows changed,
 * or -1 with *result set from the error (else STORE_OK). */
int store_change_text(struct store *s, const char *sql, const char *text,
		      const char *what, enum store_result *result);

/* Writes a key's lists as rec holds them (IP rules, services, host
 * groups), replacing the stored ones when replace is true. */
enum store_result store_write_lists(struct store *s,
				    const struct key_record *rec, bool replace);

#endif
