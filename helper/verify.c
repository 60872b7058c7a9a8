#include "verify.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"

static void decide(struct verify_result *out, enum verdict verdict,
		   const char *reason)
{
	out->verdict = verdict;
	snprintf(out->reason, sizeof out->reason, "%s", reason);
}

/* The login's user must own the key, under the same uid as at creation:
 * an account deleted and re-created must not inherit old keys.  uid is
 * the account's uid now (one NSS lookup per verification). */
static bool owner_matches(const struct key_record *rec, const char *user,
			  uid_t uid, struct verify_result *out)
{
	if (strcmp(rec->user, user) != 0) {
		decide(out, VERDICT_REFUSED, "key belongs to another user");
		return false;
	}
	if ((long long)uid != rec->uid) {
		decide(out, VERDICT_REFUSED,
		       "account uid changed since the key was created");
		return false;
	}
	return true;
}

/* The account's uid, or false (verdict: unknown user). */
static bool account_uid(const char *user, uid_t *uid, struct verify_result *out)
{
	struct passwd *pw = getpwnam(user);

	if (pw == NULL) {
		decide(out, VERDICT_USER_UNKNOWN, "unknown user");
		return false;
	}
	*uid = pw->pw_uid;
	return true;
}

static bool unexpired(const struct key_record *rec, time_t now,
		      struct verify_result *out)
{
	if (!key_expired(rec, now))
		return true;
	decide(out, VERDICT_REFUSED, "key expired");
	return false;
}

/* Looks the id up and compares hashes in constant time; an unknown id is
 * hashed against a dummy so the time does not tell which ids exist. */
static bool secret_matches(struct store *s,
			   const unsigned char pepper[PEPPER_LEN],
			   const struct parsed_key *key, struct key_record *rec,
			   struct verify_result *out)
{
	unsigned char stored[KEY_HASH_LEN] = {0}, presented[KEY_HASH_LEN];
	enum store_result found = store_get_key(s, key->id, rec, stored);
	bool equal;

	key_hash(pepper, key->id, key->secret, presented);
	equal = key_hash_equal(stored, presented);
	secret_wipe(presented, sizeof presented);
	if (found == STORE_ERROR) {
		decide(out, VERDICT_SYSTEM_ERROR, store_error(s));
		return false;
	}
	if (found != STORE_OK || !equal) {
		decide(out, VERDICT_REFUSED, "wrong or unknown key");
		return false;
	}
	return true;
}

void verify_key(struct store *s, const unsigned char pepper[PEPPER_LEN],
		const struct request *req, time_t now,
		struct verify_result *out)
{
	struct parsed_key key;
	enum ip_verdict ip;
	uid_t uid;

	memset(out, 0, offsetof(struct verify_result, rec));
	decide(out, VERDICT_REFUSED, "malformed key");
	if (!key_parse(req->key, strlen(req->key), &key))
		return;
	if (!account_uid(req->user, &uid, out))
		return;
	out->secret_matched = secret_matches(s, pepper, &key, &out->rec, out);
	secret_wipe(&key, sizeof key);
	if (!out->secret_matched ||
	    !owner_matches(&out->rec, req->user, uid, out) ||
	    !unexpired(&out->rec, now, out))
		return;
	if (store_load_rules(s, &out->rec) != STORE_OK) {
		decide(out, VERDICT_SYSTEM_ERROR, store_error(s));
		return;
	}
	ip = ip_decide(&out->rec, req->rhost);
	if (ip != IP_ALLOWED) {
		decide(out, VERDICT_REFUSED, ip_verdict_reason(ip));
		return;
	}
	decide(out, VERDICT_ACCEPT, "accepted");
}

void verify_account(struct store *s, const struct request *req, time_t now,
		    struct verify_result *out)
{
	enum store_result found;
	uid_t uid;

	memset(out, 0, offsetof(struct verify_result, rec));
	decide(out, VERDICT_REFUSED, "malformed key id");
	if (strlen(req->key) != KEY_ID_LEN ||
	    !base62_string(req->key, KEY_ID_LEN))
		return;
	if (!account_uid(req->user, &uid, out))
		return;
	found = store_get(s, req->key, &out->rec);
	if (found == STORE_ERROR) {
		decide(out, VERDICT_SYSTEM_ERROR, store_error(s));
		return;
	}
	/* another user's key looks exactly like a missing one */
	if (found != STORE_OK || strcmp(out->rec.user, req->user) != 0) {
		decide(out, VERDICT_REFUSED, "key no longer exists");
		return;
	}
	out->secret_matched = true; /* it matched at authentication */
	if (!owner_matches(&out->rec, req->user, uid, out) ||
	    !unexpired(&out->rec, now, out))
		return;
	decide(out, VERDICT_ACCEPT, "key still valid");
}

int verdict_status(enum verdict verdict)
{
	switch (verdict) {
	case VERDICT_ACCEPT: return HELPER_OK;
	case VERDICT_REFUSED: return HELPER_REFUSED;
	case VERDICT_USER_UNKNOWN: return HELPER_USER_UNKNOWN;
	case VERDICT_SYSTEM_ERROR: return HELPER_SYSTEM_ERROR;
	}
	return HELPER_SYSTEM_ERROR;
}
