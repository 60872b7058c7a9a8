/* SPDX-License-Identifier: BSD-2-Clause */
#include "verify.h"

#include <stdio.h>
#include <string.h>

#include "account.h"
#include "policy.h"

#define WRONG_KEY "wrong or unknown key"

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
		       rec->central ? "account uid on this host is not the "
				      "uid the central store recorded"
				    : "account uid changed since the key was "
				      "created");
		return false;
	}
	return true;
}

/* A central key's copy is used only while the agent keeps in contact with
 * the central store (max_stale): past it, a delete made there might not
 * have reached this host. */
static bool copy_fresh(const struct key_record *rec, time_t now,
		       struct verify_result *out)
{
	if (!central_copy_stale(rec, now))
		return true;
	decide(out, VERDICT_REFUSED,
	       "central key not yet synchronised on this host");
	if (rec->synced_at > 0 && rec->max_stale > 0)
		snprintf(out->reason, sizeof out->reason,
			 "central key stale: no contact with the central "
			 "store for %lld s (max_stale %lld s)",
			 (long long)(now - rec->synced_at), rec->max_stale);
	return false;
}

/* The account's uid, or false (verdict: unknown user, or a system error
 * when the user database could not be asked). */
static bool user_uid(const char *user, uid_t *uid, struct verify_result *out)
{
	switch (account_uid(user, uid)) {
	case LOOKUP_FOUND: return true;
	case LOOKUP_NONE:
		decide(out, VERDICT_USER_UNKNOWN, "unknown user");
		return false;
	default:
		decide(out, VERDICT_SYSTEM_ERROR,
		       "cannot look the user up in the user database");
		return false;
	}
}

static bool unexpired(const struct key_record *rec, time_t now,
		      struct verify_result *out)
{
	if (!key_expired(rec, now))
		return true;
	decide(out, VERDICT_REFUSED, "key expired");
	return false;
}

/* What one verification learns from the store, all of it gathered the
 * same way for an unknown id, a wrong secret and the right one. */
struct evidence {
	enum store_result row, rules;
	enum store_result listed; /* the service, for the verifier group */
	bool hash_equal;
	enum ip_verdict ip;
	char error[REASON_MAX + 1]; /* the first store error */
};

static void note_error(struct store *s, enum store_result r,
		       struct evidence *ev)
{
	if (r == STORE_ERROR && ev->error[0] == '\0')
		snprintf(ev->error, sizeof ev->error, "%s", store_error(s));
}

/* Everything one decision reads, in one snapshot, read the same way
 * whether or not the id names a key: the row (and hash, unless NULL), its
 * lists, and for the verifier group whether it may name the service. */
static void read_snapshot(struct store *s, const char *id,
			  const struct request *req, enum verify_scope scope,
			  struct key_record *rec,
			  unsigned char hash[KEY_HASH_LEN], struct evidence *ev)
{
	ev->row = ev->rules = ev->listed = STORE_ERROR;
	if (store_snapshot_begin(s) != STORE_OK) {
		note_error(s, STORE_ERROR, ev);
		return;
	}
	ev->row = store_get_key(s, id, rec, hash);
	note_error(s, ev->row, ev);
	/* another account's key, asked about for one's own, is out of reach:
	 * the lists read are those of no key, as for an unknown id, so the
	 * time taken tells nothing of how many entries its lists hold */
	if (ev->row == STORE_OK && scope == SCOPE_OWN_ACCOUNT &&
	    strcmp(rec->user, req->user) != 0)
		id = "";
	ev->rules = store_load_lists(s, id, rec);
	note_error(s, ev->rules, ev);
	ev->listed = scope == SCOPE_SERVICE_KEYS
			 ? store_verifier_listed(s, req->service)
			 : STORE_OK;
	note_error(s, ev->listed, ev);
	store_snapshot_end(s);
}

/* The snapshot; the hash compared in constant time (an unknown id against
 * zeros); the rules matched in any case. */
static void gather(struct store *s, const unsigned char pepper[PEPPER_LEN],
		   const struct parsed_key *key, const struct request *req,
		   enum verify_scope scope, struct key_record *rec,
		   struct evidence *ev)
{
	unsigned char stored[KEY_HASH_LEN] = {0}, presented[KEY_HASH_LEN];

	read_snapshot(s, key->id, req, scope, rec, stored, ev);
	key_hash(pepper, key->id, key->secret, presented);
	ev->hash_equal = key_hash_equal(stored, presented);
	secret_wipe(presented, sizeof presented);
	secret_wipe(stored, sizeof stored);
	ev->ip = ip_decide(rec, req->rhost);
}

/* The verdicts that do not depend on the key: a store that cannot be read,
 * a service the verifier group may not name.  False when there is none. */
static bool refused_for_any_key(const struct evidence *ev,
				struct verify_result *out)
{
	if (ev->row == STORE_ERROR || ev->listed == STORE_ERROR)
		decide(out, VERDICT_SYSTEM_ERROR, ev->error);
	else if (ev->listed != STORE_OK)
		decide(out, VERDICT_REFUSED,
		       "service not open to the verifier group");
	else
		return false;
	return true;
}

/* A key the caller may not have checked is, to it, just not there: same
 * answer, nothing recorded. */
static bool in_scope(const struct key_record *rec, const struct request *req,
		     enum verify_scope scope)
{
	switch (scope) {
	case SCOPE_ANY_USER: return true;
	case SCOPE_OWN_ACCOUNT: return strcmp(rec->user, req->user) == 0;
	case SCOPE_SERVICE_KEYS: return service_named(rec, req->service);
	}
	return false;
}

static bool service_allowed(const struct key_record *rec, const char *service,
			    struct verify_result *out)
{
	if (service_in_scope(rec, service))
		return true;
	decide(out, VERDICT_REFUSED, "service not in the key's scope");
	return false;
}

/* The verdict the evidence gives before the secret counts; false when
 * the key may be judged on (its secret matched). */
static bool refused_before_match(const struct evidence *ev,
				 const struct key_record *rec,
				 const struct request *req,
				 enum verify_scope scope,
				 struct verify_result *out)
{
	if (refused_for_any_key(ev, out))
		return true;
	if (ev->row != STORE_OK || !in_scope(rec, req, scope)) {
		decide(out, VERDICT_REFUSED, WRONG_KEY);
	} else if (ev->rules == STORE_ERROR || ev->ip == IP_BAD_RULE) {
		/* a key whose rules cannot be read is never accepted */
		decide(out, VERDICT_SYSTEM_ERROR,
		       ev->error[0] != '\0' ? ev->error
					    : ip_verdict_reason(ev->ip));
	} else if (!ev->hash_equal) {
		decide(out, VERDICT_REFUSED, WRONG_KEY);
	} else {
		return false;
	}
	return true;
}

void verify_key(struct store *s, const unsigned char pepper[PEPPER_LEN],
		const struct request *req, enum verify_scope scope, time_t now,
		struct verify_result *out)
{
	struct evidence ev = {0};
	struct parsed_key key;
	uid_t uid;

	memset(out, 0, sizeof *out);
	decide(out, VERDICT_REFUSED, "malformed key");
	if (!key_parse(req->key, strlen(req->key), &key))
		return;
	if (!user_uid(req->user, &uid, out))
		return;
	gather(s, pepper, &key, req, scope, &out->rec, &ev);
	secret_wipe(&key, sizeof key);
	if (refused_before_match(&ev, &out->rec, req, scope, out))
		return;
	out->secret_matched = true;
	if (!owner_matches(&out->rec, req->user, uid, out) ||
	    !copy_fresh(&out->rec, now, out) ||
	    !service_allowed(&out->rec, req->service, out) ||
	    !unexpired(&out->rec, now, out))
		return;
	if (ev.ip != IP_ALLOWED) {
		decide(out, VERDICT_REFUSED, ip_verdict_reason(ev.ip));
		return;
	}
	decide(out, VERDICT_ACCEPT, "accepted");
}

void verify_account(struct store *s, const struct request *req,
		    enum verify_scope scope, time_t now,
		    struct verify_result *out)
{
	struct evidence ev = {0};
	uid_t uid;

	memset(out, 0, sizeof *out);
	decide(out, VERDICT_REFUSED, "malformed key id");
	if (strlen(req->key) != KEY_ID_LEN ||
	    !base62_string(req->key, KEY_ID_LEN))
		return;
	if (!user_uid(req->user, &uid, out))
		return;
	read_snapshot(s, req->key, req, scope, &out->rec, NULL, &ev);
	if (refused_for_any_key(&ev, out))
		return;
	/* a key of another user, or out of the caller's scope, looks exactly
	 * like a missing one */
	if (ev.row != STORE_OK || strcmp(out->rec.user, req->user) != 0 ||
	    !in_scope(&out->rec, req, scope)) {
		decide(out, VERDICT_REFUSED, "key no longer exists");
		return;
	}
	if (ev.rules == STORE_ERROR) {
		decide(out, VERDICT_SYSTEM_ERROR, ev.error);
		return;
	}
	out->secret_matched = true; /* it matched at authentication */
	if (!owner_matches(&out->rec, req->user, uid, out) ||
	    !copy_fresh(&out->rec, now, out) ||
	    !service_allowed(&out->rec, req->service, out) ||
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
