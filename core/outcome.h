/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The tracking row one verification leaves, decided the same way by the
 * helper's tracking child and by apikeyd's writer: for an authentication
 * whose store could be read, the key's last use or last denial when its
 * secret matched, otherwise the store's count of logins that matched no
 * key (nothing is recorded on a key whose secret was not presented);
 * nothing for an account check.
 */
#ifndef APIKEY_OUTCOME_H
#define APIKEY_OUTCOME_H

#include <stdbool.h>
#include <time.h>

#include "protocol.h"
#include "store.h"
#include "verify.h"

struct outcome {
	bool record; /* an authentication whose store could be read */
	bool matched, accepted;
	char id[KEY_ID_LEN + 1];
	char reason[REASON_MAX + 1];
	char rhost[REQ_RHOST_MAX + 1];
	time_t now;
};

void outcome_of(const struct request *req, const struct verify_result *res,
		bool store_read, time_t now, struct outcome *o);

/* Writes o's one row into s (opened STORE_TRACK); a failure is logged,
 * never more. */
void outcome_record(struct store *s, const struct outcome *o);

/* Logs that the row of key id (or of a login that matched none) was not
 * written, and why. */
void outcome_not_recorded(const char *id, const char *why);

#endif
