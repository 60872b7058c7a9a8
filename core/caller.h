/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Who asks the helper or apikeyd, and what it may ask.  Read from the
 * helper's own credentials before it drops them, or from apikeyd's peer's
 * credentials as the kernel gives them:
 * - root may ask about any account, and may choose the store;
 * - a member of the verifier group (APIKEY_VERIFY_GROUP, "apikey-verify"),
 *   a web server's workers, may ask about any account, its own included,
 *   but only through a service the store lists for the group, and only for
 *   keys whose service scope names that service: every other key is
 *   answered exactly as a wrong key.  It hears yes or no and nothing else
 *   (no key name, expiry, reason or unknown user), and every check it asks
 *   for is logged before it is answered;
 * - anyone else only about its own account (unix_chkpwd's rule since
 *   CVE-2005-2977).
 * No caller but root may choose the store, and none sees a system error's
 * details.
 */
#ifndef APIKEY_CALLER_H
#define APIKEY_CALLER_H

#include <stdbool.h>
#include <sys/types.h>

#include "protocol.h"
#include "verify.h"

struct caller {
	uid_t uid;
	bool verifier; /* a member of the verifier group */
	/* for this request (caller_allowed sets it) */
	enum verify_scope scope;
};

/* From a caller's uid, gid and supplementary groups (apikeyd: its peer's
 * credentials from the kernel). */
void caller_identify(struct caller *c, uid_t uid, gid_t gid,
		     const gid_t *groups, size_t count);

/* From this process's real uid and the groups it was started with (the
 * setuid helper). */
void caller_identify_self(struct caller *c);

enum caller_rule {
	CALLER_ALLOWED,
	CALLER_REFUSED, /* may not ask this at all (logged) */
	CALLER_UNKNOWN	/* its account could not be looked up (logged) */
};

/* Sets c->scope for req when allowed. */
enum caller_rule caller_allowed(struct caller *c, const struct request *req);

/* What the caller hears of res: in full for root; for the verifier group
 * only the verdict; never a system error's details but to root. */
void caller_response(const struct caller *c, const struct verify_result *res,
		     struct response *resp);

/* The helper's exit status for the caller: for the verifier group an
 * unknown user is a refusal like any other. */
int caller_status(const struct caller *c, enum verdict verdict);

/* Logs a check a member of the verifier group asked for (key_id: the id
 * the request named). */
void caller_log_check(const struct caller *c, const struct request *req,
		      const char *key_id, const struct verify_result *res);

#endif
