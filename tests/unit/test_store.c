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
#include "services.h"
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

/* Saves rec (its lists set) as a new key for user; the key in key. */
static bool make_scoped_key(struct store *s, const char *user, long long uid,
			    const char *name, struct key_record *rec,
			    char key[KEY_LEN + 1])
{
	struct parsed_key parts;
	unsigned char hash[KEY_HASH_LEN];

	key_generate(key, &parts);
	memcpy(rec->id, parts.id, sizeof rec->id);
	snprintf(rec->user, sizeof rec->user, "%s", user);
	snprintf(rec->name, sizeof rec->name, "%s", name);
	rec->uid = uid;
	rec->created_at = time(NULL);
	key_hash(pepper, parts.id, parts.secret, hash);
	return store_begin(s) == STORE_OK &&
	       store_insert(s, rec, hash) == STORE_OK &&
	       store_commit(s) == STORE_OK;
}

/* A new key for user (uid), allowed from allow when not NULL. */
static bool make_key(struct store *s, const char *user, long long uid,
		     const char *name, const char *allow, time_t expires_at,
		     char key[KEY_LEN + 1], struct key_record *rec)
{
	char err[256];

	memset(rec, 0, sizeof *rec);
	rec->expires_at = expires_at;
	if (allow != NULL &&
	    !rules_add(rec, LIST_ALLOW, allow, err, sizeof err))
		return false;
	return make_scoped_key(s, user, uid, name, rec, key);
}

static enum verdict verify_for(struct store *s, const char *user,
			       const char *rhost, const char *key,
			       enum verify_scope scope, const char *service)
{
	struct request req = {.op = REQ_OP_AUTH};

	snprintf(req.user, sizeof req.user, "%s", user);
	snprintf(req.rhost, sizeof req.rhost, "%s", rhost);
	snprintf(req.service, sizeof req.service, "%s", service);
	snprintf(req.key, sizeof req.key, "%s", key);
	verify_key(s, pepper, &req, scope, time(NULL), &res);
	return res.verdict;
}

static bool reason_is(const char *want)
{
	return strcmp(res.reason, want) == 0;
}

/* Refused exactly as a wrong key is: nothing told about the key. */
static bool answered_as_wrong_key(enum verdict verdict)
{
	return verdict == VERDICT_REFUSED && !res.secret_matched &&
	       reason_is("wrong or unknown key");
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
	      verify_for(s, "root", "192.0.2.9", key, SCOPE_ANY_USER, "test") ==
		      VERDICT_ACCEPT &&
		  strcmp(res.rec.name, "fenced") == 0);
	CHECK("and refused elsewhere, with the reason",
	      verify_for(s, "root", "198.51.100.1", key, SCOPE_ANY_USER,
			 "test") == VERDICT_REFUSED &&
		  res.secret_matched && reason_is("address not in allow list"));
	CHECK("a wrong secret is a wrong key, and tells nothing",
	      answered_as_wrong_key(verify_for(s, "root", "192.0.2.9", wrong,
					       SCOPE_ANY_USER, "test")));
	CHECK("an expired key is refused once its secret matched",
	      verify_for(s, "root", "", expired, SCOPE_ANY_USER, "test") ==
		      VERDICT_REFUSED &&
		  res.secret_matched && reason_is("key expired"));
	CHECK("to root, another account's key is that account's",
	      verify_for(s, "root", "", other, SCOPE_ANY_USER, "test") ==
		      VERDICT_REFUSED &&
		  res.secret_matched &&
		  reason_is("key belongs to another user"));
	CHECK("to its own account only, another account's key is a wrong key",
	      answered_as_wrong_key(
		  verify_for(s, "root", "", other, SCOPE_OWN_ACCOUNT, "test")));
	CHECK("an unknown user is told as such",
	      verify_for(s, "no_such_user_x", "", key, SCOPE_ANY_USER,
			 "test") == VERDICT_USER_UNKNOWN);
	snprintf(acct.key, sizeof acct.key, "%s", rec.id);
	verify_account(s, &acct, SCOPE_ANY_USER, time(NULL), &res);
	CHECK("the account check passes for a live key",
	      res.verdict == VERDICT_ACCEPT);
	CHECK("a deleted key is refused at once",
	      store_begin(s) == STORE_OK &&
		  store_delete(s, rec.id) == STORE_OK &&
		  store_commit(s) == STORE_OK &&
		  verify_for(s, "root", "192.0.2.9", key, SCOPE_ANY_USER,
			     "test") == VERDICT_REFUSED &&
		  !res.secret_matched);
	verify_account(s, &acct, SCOPE_ANY_USER, time(NULL), &res);
	CHECK("and the account check no longer passes",
	      res.verdict == VERDICT_REFUSED &&
		  reason_is("key no longer exists"));
}

/* The verifier group sees only keys whose scope names the service it asks
 * about, and only through services the store lists for it; any other key
 * is, to it, a wrong key. */
static void test_service_scope(struct store *s)
{
	static struct key_record api, any;
	char scoped[KEY_LEN + 1], unscoped[KEY_LEN + 1];
	struct request req = {.op = REQ_OP_AUTH, .user = "daemon"};
	char err[256];

	make_key(s, "daemon", 1, "any", NULL, 0, unscoped, &any);
	memset(&api, 0, sizeof api);
	snprintf(req.service, sizeof req.service, "nginx-api");
	CHECK("a key scoped to nginx-api is saved with its scope",
	      services_add(&api, "nginx-api", err, sizeof err) &&
		  make_scoped_key(s, "daemon", 1, "api", &api, scoped));
	CHECK("the verifier group: a service not listed for it is refused",
	      verify_for(s, "daemon", "", scoped, SCOPE_SERVICE_KEYS,
			 "nginx-api") == VERDICT_REFUSED &&
		  !res.secret_matched &&
		  reason_is("service not open to the verifier group"));
	CHECK("the verifier services are listed",
	      store_begin(s) == STORE_OK &&
		  store_verifier_add(s, "nginx-api") == STORE_OK &&
		  store_verifier_add(s, "apache-api") == STORE_OK &&
		  store_commit(s) == STORE_OK);
	CHECK("listing one twice is a conflict",
	      store_begin(s) == STORE_OK &&
		  store_verifier_add(s, "nginx-api") == STORE_CONFLICT);
	store_rollback(s);
	CHECK("the verifier group: a key scoped to its service is accepted",
	      verify_for(s, "daemon", "", scoped, SCOPE_SERVICE_KEYS,
			 "nginx-api") == VERDICT_ACCEPT);
	CHECK("the verifier group: an unscoped key is a wrong key",
	      answered_as_wrong_key(verify_for(
		  s, "daemon", "", unscoped, SCOPE_SERVICE_KEYS, "nginx-api")));
	CHECK("the verifier group: naming another listed service, a wrong key",
	      answered_as_wrong_key(verify_for(
		  s, "daemon", "", scoped, SCOPE_SERVICE_KEYS, "apache-api")));
	CHECK("root, through another service: refused, saying why",
	      verify_for(s, "daemon", "", scoped, SCOPE_ANY_USER, "sshd") ==
		      VERDICT_REFUSED &&
		  res.secret_matched &&
		  reason_is("service not in the key's scope"));
	CHECK("root: an unscoped key works through any service",
	      verify_for(s, "daemon", "", unscoped, SCOPE_ANY_USER, "sshd") ==
		  VERDICT_ACCEPT);
	snprintf(req.key, sizeof req.key, "%s", any.id);
	verify_account(s, &req, SCOPE_SERVICE_KEYS, time(NULL), &res);
	CHECK("the verifier group's account check: an unscoped key looks gone",
	      res.verdict == VERDICT_REFUSED &&
		  reason_is("key no longer exists"));
	snprintf(req.key, sizeof req.key, "%s", api.id);
	verify_account(s, &req, SCOPE_SERVICE_KEYS, time(NULL), &res);
	CHECK("the verifier group's account check: its service's key is live",
	      res.verdict == VERDICT_ACCEPT);
	CHECK("a service taken off the list",
	      store_begin(s) == STORE_OK &&
		  store_verifier_remove(s, "nginx-api") == STORE_OK &&
		  store_verifier_remove(s, "nginx-api") == STORE_NOT_FOUND &&
		  store_commit(s) == STORE_OK);
	verify_account(s, &req, SCOPE_SERVICE_KEYS, time(NULL), &res);
	CHECK("... closes its keys' account checks at once",
	      res.verdict == VERDICT_REFUSED &&
		  reason_is("service not open to the verifier group"));
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
		test_service_scope(s);
		store_close(s);
	}
	test_unsafe_stores();
	snprintf(err, sizeof err, "rm -rf '%s'", dir);
	(void)!system(err);
}
