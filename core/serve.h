/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One request, served the same way by apikey-helper and apikeyd: who may
 * ask it (caller.c), whether its key can be one, the decision (verify.c),
 * the log lines (a store error; the verifier group's checks, before the
 * answer), what the caller hears, and the tracking row to write after.
 */
#ifndef APIKEY_SERVE_H
#define APIKEY_SERVE_H

#include <stdbool.h>

#include "caller.h"
#include "outcome.h"
#include "protocol.h"
#include "secret.h"
#include "store.h"
#include "verify.h"

/* Where the decision reads from: an open store (STORE_READ) and its
 * pepper, or NULL and why there is none. */
struct backing {
	struct store *store;
	const unsigned char *pepper; /* PEPPER_LEN bytes */
	const char *unavailable;     /* when store is NULL */
};

struct served {
	int status;		     /* the helper's exit status */
	struct response response;    /* what the caller hears */
	struct outcome outcome;	     /* the tracking row */
	struct verify_result result; /* large: kept out of the stack */
};

/* HELPER_OK when the request may be decided (c->scope set for it);
 * otherwise the answer, and no store is read: HELPER_REFUSED when the
 * caller may not ask this at all (logged) or its key (or key id) cannot be
 * one, HELPER_SYSTEM_ERROR when the caller's account could not be looked
 * up. */
int serve_admissible(struct caller *c, const struct request *req);

/* Decides an admissible request from b, wiping req's key; fills out. */
void serve_decide(const struct backing *b, struct request *req,
		  const struct caller *c, struct served *out);

#endif
