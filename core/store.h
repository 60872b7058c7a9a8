/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The key store: one SQLite database, root-owned, opened the careful way a
 * setuid process must (see store_open).  Every change is one transaction;
 * every statement is a string literal with bound parameters.
 */
#ifndef APIKEY_STORE_H
#define APIKEY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "record.h"
#include "secret.h"

enum store_mode {
	STORE_READ,   /* verification: query_only, short busy wait */
	STORE_TRACK,  /* the helper's tracking rows, after the answer */
	STORE_WRITE,  /* management of an existing, current store */
	STORE_CREATE, /* init: create the file and migrate the schema */
};

enum store_result {
	STORE_OK = 0,
	STORE_NOT_FOUND,
	STORE_CONFLICT, /* a UNIQUE constraint: the name is taken */
	STORE_ERROR,
};

struct store;

/* NULL on failure, with the reason in err. */
struct store *store_open(const char *path, enum store_mode mode, char *err,
			 size_t errlen);
/* A store in memory, at the current schema, for a view of another store
 * (apikeyctl --central); NULL on failure, with the reason in err. */
struct store *store_open_memory(char *err, size_t errlen);

/* Called by store_commit before it commits: false (with the reason in err)
 * rolls the transaction back and makes the commit fail.  For a store in
 * memory, whose changes the hook carries to the store it stands for. */
typedef bool (*store_commit_hook)(struct store *s, void *ctx, char *err,
				  size_t errlen);
void store_set_commit_hook(struct store *s, store_commit_hook hook, void *ctx);

/* The store's schema is still the one this program knows (apikeyctl init
 * may have migrated it since it was opened). */
bool store_schema_current(struct store *s);

/* No transaction open and no statement under way: what every decision
 * must leave behind, or the next would read an old snapshot. */
bool store_idle(struct store *s);

void store_close(struct store *s);

/* The last error's text. */
const char *store_error(const struct store *s);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK */
enum store_result store_begin(struct store *s);
enum store_result store_commit(struct store *s);
void store_rollback(struct store *s);

/* A read snapshot around several reads (one decision reads everything it
 * uses in one); store_get, store_find and store_each take their own when
 * the caller holds none. */
enum store_result store_snapshot_begin(struct store *s);
void store_snapshot_end(struct store *s);

/* REF is a key id or USER/NAME. */
enum store_result store_find(struct store *s, const char *ref,
			     struct key_record *rec);

/* By id, with its IP rules. */
enum store_result store_get(struct store *s, const char *id,
			    struct key_record *rec);

/* By id, with the stored hash (hash may be NULL) but without the IP rules
 * (store_load_lists; verification reads both in one snapshot). */
enum store_result store_get_key(struct store *s, const char *id,
				struct key_record *rec,
				unsigned char hash[KEY_HASH_LEN]);

/* A key's lists: its IP rules and its service scope. */
enum store_result store_load_lists(struct store *s, const char *id,
				   struct key_record *rec);

enum store_result store_insert(struct store *s, const struct key_record *rec,
			       const unsigned char hash[KEY_HASH_LEN]);

/* Name, description, expiry, successor, IP rules and services; never the
 * hash. */
enum store_result store_update(struct store *s, const struct key_record *rec);

enum store_result store_delete(struct store *s, const char *id);

/* Calls fn for each key (of user, or all when user is NULL), ordered by
 * user and name; stops early when fn returns false. */
typedef bool (*store_each_fn)(const struct key_record *rec, void *ctx);
enum store_result store_each(struct store *s, const char *user,
			     store_each_fn fn, void *ctx);

long long store_key_count(struct store *s);

/* The PAM services the verifier group may verify keys for: STORE_OK when
 * service is one, STORE_NOT_FOUND when not. */
enum store_result store_verifier_listed(struct store *s, const char *service);
/* STORE_CONFLICT when already listed; STORE_NOT_FOUND when not listed. */
enum store_result store_verifier_add(struct store *s, const char *service);
enum store_result store_verifier_remove(struct store *s, const char *service);
/* Calls fn for each listed service, in order. */
typedef void (*store_verifier_fn)(const char *service, void *ctx);
enum store_result store_verifier_each(struct store *s, store_verifier_fn fn,
				      void *ctx);

/* Tracking rows written by the helper (its only writes; STORE_TRACK). */
enum store_result store_record_use(struct store *s, const char *id, time_t now,
				   const char *ip);
enum store_result store_record_denial(struct store *s, const char *id,
				      time_t now, const char *ip,
				      const char *reason);
/* A login whose key matched no key: counted store-wide, on no key. */
enum store_result store_record_unmatched(struct store *s, time_t now);

#endif
