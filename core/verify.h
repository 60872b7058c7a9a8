/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The decision on one key: the checklist docs/DESIGN.md orders, shared by
 * the setuid helper and 'apikeyctl verify'.  It reads the store only; the
 * caller records tracking rows.
 *
 * MUST rules kept here:
 * - one decision reads everything it uses in one snapshot of the store (a
 *   key and its rules from both sides of a delete would read as a key
 *   without rules: allowed from anywhere);
 * - the key's row and rules are read, hashed and matched the same way
 *   whether or not the secret is right, so a refusal takes the same time
 *   either way; reasons are told apart only once the secret matched;
 * - a key outside the caller's scope is answered exactly as a wrong key
 *   (an account check: as a key that no longer exists);
 * - a key with a service scope is refused through any other service;
 * - the verifier group's service must be listed (store_verifier_listed),
 *   read in the same snapshot.
 */
#ifndef APIKEY_VERIFY_H
#define APIKEY_VERIFY_H

#include <stdbool.h>
#include <time.h>

#include "protocol.h"
#include "record.h"
#include "secret.h"
#include "store.h"

/* zero is the system error: a result nobody set fails closed */
enum verdict {
	VERDICT_SYSTEM_ERROR,
	VERDICT_REFUSED,
	VERDICT_USER_UNKNOWN,
	VERDICT_ACCEPT,
};

/* Whose keys the asking process may have checked (helper.c decides). */
enum verify_scope {
	SCOPE_ANY_USER,	   /* root */
	SCOPE_OWN_ACCOUNT, /* anyone else: the request's user is the caller */
	SCOPE_SERVICE_KEYS /* the verifier group: any account's keys whose
			      scope names the request's service, when the
			      store lists that service for the group */
};

struct verify_result {
	enum verdict verdict;
	bool secret_matched; /* name, expiry and reasons only after this */
	char reason[REASON_MAX + 1];
	struct key_record rec; /* valid when secret_matched */
};

/* Authentication: req->key is a whole key string. */
void verify_key(struct store *s, const unsigned char pepper[PEPPER_LEN],
		const struct request *req, enum verify_scope scope, time_t now,
		struct verify_result *out);

/* Account check: req->key is a key id that authenticated this login; it
 * must still exist, belong to the user, allow the service and be
 * unexpired. */
void verify_account(struct store *s, const struct request *req,
		    enum verify_scope scope, time_t now,
		    struct verify_result *out);

/* The helper's exit status for a verdict. */
int verdict_status(enum verdict verdict);

#endif
