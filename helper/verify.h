/*
 * The decision on one key: the checklist DESIGN.md orders, shared by the
 * setuid helper and 'apikeyctl verify'.  It reads the store only; the
 * caller records tracking rows.
 */
#ifndef APIKEY_VERIFY_H
#define APIKEY_VERIFY_H

#include <stdbool.h>
#include <time.h>

#include "record.h"
#include "request.h"
#include "secret.h"
#include "store.h"

/* zero is the system error: a result nobody set fails closed */
enum verdict {
	VERDICT_SYSTEM_ERROR,
	VERDICT_REFUSED,
	VERDICT_USER_UNKNOWN,
	VERDICT_ACCEPT,
};

struct verify_result {
	enum verdict verdict;
	bool secret_matched; /* name, expiry and reasons only after this */
	char reason[RESP_REASON_MAX + 1];
	struct key_record rec; /* valid when secret_matched */
};

/* Authentication: req->key is a whole key string. */
void verify_key(struct store *s, const unsigned char pepper[PEPPER_LEN],
		const struct request *req, time_t now,
		struct verify_result *out);

/* Account check: req->key is a key id that authenticated this login; it
 * must still exist, belong to the user and be unexpired. */
void verify_account(struct store *s, const struct request *req, time_t now,
		    struct verify_result *out);

/* The helper's exit status for a verdict. */
int verdict_status(enum verdict verdict);

#endif
