/* SPDX-License-Identifier: BSD-2-Clause */
/* The store and the verification against a temporary store (core/store.c,
 * records.c, verify.c).  A store must be root's, so these run as root only;
 * the unprivileged run says so and counts nothing. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iplists.h"
#include "store.h"
#include "unit.h"
#include "verify.h"

static char dir[] = "/tmp/store-unit.XXXXXX", db[128], pepper_file[128];
static unsigned char pepper[PEPPER_LEN];
static struct verify_result res;

static struct store *open_store(enum store_mode mode)
{
	char err[512];
	struct store *s = store_open(db, mode, err, sizeof err);

	if (s == NULL)
		printf("# store_open: %s\n", err);
	return s;
}

/* A new key for user (uid), allowed from allow when not NULL. */
static bool make_key(struct store *s, const char *user, long long uid,
		     const char *name, const char *allow, time_t expires_at,
		     char key[KEY_LEN + 1], struct key_record *rec)
{
	struct parsed_key parts;
	unsigned char hash[KEY_HASH_LEN];
	char err[256];

	memset(rec, 0, sizeof *rec);
	key_generate(key, &parts);
	memcpy(rec->id, parts.id, sizeof rec->id);
	snprintf(rec->user, sizeof rec->user, "%s", user);
	snprintf(rec->name, sizeof rec->name, "%s", name);
	rec->uid = uid;
	rec->created_at = time(NULL);
	rec->expires_at = expires_at;
	if (allow != NULL &&
	    !rules_add(rec, LIST_ALLOW, allow, err, sizeof err))
		return false;
	key_hash(pepper, parts.id, parts.secret, hash);
	return store_begin(s) == STORE_OK &&
	       store_insert(s, rec, hash) == STORE_OK &&
	       store_commit(s) == STORE_OK;
}

static enum verdict verify(struct store *s, const char *user, const char *rhost,
			   const char *key, enum verify_scope scope)
{
	struct request req = {.op = REQ_OP_AUTH};

	snprintf(req.user, sizeof req.user, "%s", user);
	snprintf(req.rhost, sizeof req.rhost, "%s", rhost);
	snprintf(req.key, sizeof req.key, "%s", key);
	verify_key(s, pepper, &req, scope, time(NULL), &res);
	return res.verdict;
}

static bool reason_is(const char *want)
{
	return strcmp(res.reason, want) == 0;
}

static void test_records(struct store *s)
{
	static struct key_record rec, got;
	char key[KEY_LEN + 1], again[KEY_LEN + 1];
	unsigned char hash[KEY_HASH_LEN] = {1};

	CHECK("a key is saved",
	      make_key(s, "root", 0, "unit", "192.0.2.0/24", 0, key, &rec));
	CHECK("it reads back by id with its fields and rules",
	      store_get(s, rec.id, &got) == STORE_OK &&
		  strcmp(got.name, "unit") == 0 && got.uid == 0 &&
		  got.expires_at == 0 && got.rule_count == 1 &&
		  strcmp(got.rules[0].cidr, "192.0.2.0/24") == 0 &&
		  got.rules[0].list == LIST_ALLOW && got.rules[0].enabled);
	CHECK("and by USER/NAME",
	      store_find(s, "root/unit", &got) == STORE_OK &&
		  strcmp(got.id, rec.id) == 0);
	CHECK("a second key of that name for that user is a conflict",
	      make_key(s, "root", 0, "unit", NULL, 0, again, &got) == false);
	store_rollback(s);
	rec.rules[0].enabled = false;
	snprintf(rec.name, sizeof rec.name, "renamed");
	CHECK("an update changes name and rules",
	      store_begin(s) == STORE_OK && store_update(s, &rec) == STORE_OK &&
		  store_commit(s) == STORE_OK &&
		  store_find(s, "root/renamed", &got) == STORE_OK &&
		  !got.rules[0].enabled);
	CHECK("an unknown id is not found",
	      store_get(s, "ZZZZZZZZZZZZ", &got) == STORE_NOT_FOUND);
	CHECK("inserting a key whose id exists is a conflict",
	      store_begin(s) == STORE_OK &&
		  store_insert(s, &rec, hash) == STORE_CONFLICT);
	store_rollback(s);
}

static void test_verification(struct store *s)
{
	static struct key_record rec, theirs, old;
	char key[KEY_LEN + 1], other[KEY_LEN + 1], expired[KEY_LEN + 1];
	char wrong[KEY_LEN + 1];
	struct request acct = {.op = REQ_OP_ACCT, .user = "root"};

	make_key(s, "root", 0, "fenced", "192.0.2.0/24", 0, key, &rec);
	make_key(s, "daemon", 1, "daemons", NULL, 0, other, &theirs);
	make_key(s, "root", 0, "old", NULL, time(NULL) - 1, expired, &old);
	key_assemble(rec.id, "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW", wrong,
		     sizeof wrong);
	CHECK("the key is accepted from its allow list",
	      verify(s, "root", "192.0.2.9", key, SCOPE_ANY_USER) ==
		      VERDICT_ACCEPT &&
		  strcmp(res.rec.name, "fenced") == 0);
	CHECK("and refused elsewhere, with the reason",
	      verify(s, "root", "198.51.100.1", key, SCOPE_ANY_USER) ==
		      VERDICT_REFUSED &&
		  res.secret_matched && reason_is("address not in allow list"));
	CHECK("a wrong secret is a wrong key, and tells nothing",
	      verify(s, "root", "192.0.2.9", wrong, SCOPE_ANY_USER) ==
		      VERDICT_REFUSED &&
		  !res.secret_matched && reason_is("wrong or unknown key"));
	CHECK("an expired key is refused once its secret matched",
	      verify(s, "root", "", expired, SCOPE_ANY_USER) ==
		      VERDICT_REFUSED &&
		  res.secret_matched && reason_is("key expired"));
	CHECK("to root, another account's key is that account's",
	      verify(s, "root", "", other, SCOPE_ANY_USER) == VERDICT_REFUSED &&
		  res.secret_matched &&
		  reason_is("key belongs to another user"));
	CHECK("to its own account only, another account's key is a wrong key",
	      verify(s, "root", "", other, SCOPE_OWN_ACCOUNT) ==
		      VERDICT_REFUSED &&
		  !res.secret_matched && reason_is("wrong or unknown key"));
	CHECK("an unknown user is told as such",
	      verify(s, "no_such_user_x", "", key, SCOPE_ANY_USER) ==
		  VERDICT_USER_UNKNOWN);
	snprintf(acct.key, sizeof acct.key, "%s", rec.id);
	verify_account(s, &acct, time(NULL), &res);
	CHECK("the account check passes for a live key",
	      res.verdict == VERDICT_ACCEPT);
	CHECK("a deleted key is refused at once",
	      store_begin(s) == STORE_OK &&
		  store_delete(s, rec.id) == STORE_OK &&
		  store_commit(s) == STORE_OK &&
		  verify(s, "root", "192.0.2.9", key, SCOPE_ANY_USER) ==
		      VERDICT_REFUSED &&
		  !res.secret_matched);
	verify_account(s, &acct, time(NULL), &res);
	CHECK("and the account check no longer passes",
	      res.verdict == VERDICT_REFUSED &&
		  reason_is("key no longer exists"));
}

static void test_unsafe_stores(void)
{
	sqlite3 *raw;
	struct store *s;

	chmod(db, 0640);
	CHECK("a store others may read is refused",
	      open_store(STORE_READ) == NULL);
	chmod(db, 0600);
	CHECK("mode 0600 again: it opens",
	      (s = open_store(STORE_READ)) != NULL);
	store_close(s);
	if (sqlite3_open(db, &raw) == SQLITE_OK)
		sqlite3_exec(raw, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(raw);
	CHECK("a store made by a newer program is refused",
	      open_store(STORE_WRITE) == NULL);
}

void test_store(void)
{
	char err[512];
	struct store *s;

	if (geteuid() != 0) {
		printf("# store and verification tests skipped: a store must "
		       "be root's (they run in the root run)\n");
		return;
	}
	if (mkdtemp(dir) == NULL)
		return;
	snprintf(db, sizeof db, "%s/keys.db", dir);
	snprintf(pepper_file, sizeof pepper_file, "%s/pepper", dir);
	CHECK("a pepper is made and read back",
	      pepper_create(pepper_file, err, sizeof err) &&
		  pepper_load(pepper_file, pepper, err, sizeof err));
	s = open_store(STORE_CREATE);
	CHECK("a new store is made", s != NULL);
	if (s != NULL) {
		test_records(s);
		test_verification(s);
		store_close(s);
	}
	test_unsafe_stores();
	snprintf(err, sizeof err, "rm -rf '%s'", dir);
	(void)!system(err);
}
