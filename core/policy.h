/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The rules a matching key must still pass: expiry, the service scope and
 * the IP lists.
 *
 * IP lists (docs/DESIGN.md has the table): only enabled entries
 * count.
 *   rhost in an allow entry            -> allowed (even if also denied)
 *   allow entries exist, rhost not in  -> refused
 *   rhost in a deny entry              -> refused
 *   otherwise                          -> allowed
 * A rule never matches a login whose rhost is not a numeric address: a
 * host name (pam_access CVE-2024-10963) or no rhost at all (a console, a
 * web bridge that sets none) is refused whenever any entry is enabled, so
 * "deny 0.0.0.0/0 and ::/0" denies everything.
 *
 * Every entry is parsed and matched on every call, enabled or not: the
 * work depends on the number of entries only, never on which of them
 * match (verify.c keeps it independent of the secret too).
 */
#ifndef APIKEY_POLICY_H
#define APIKEY_POLICY_H

#include <stdbool.h>
#include <time.h>

#include "record.h"

enum ip_verdict {
	IP_ALLOWED,
	IP_NOT_IN_ALLOW_LIST,
	IP_IN_DENY_LIST,
	IP_NOT_NUMERIC,
	IP_NO_RHOST,
	IP_BAD_RULE, /* a stored entry that does not parse: fail closed */
};

enum ip_verdict ip_decide(const struct key_record *rec, const char *rhost);

/* A short reason text for logs and the store, e.g. "address in deny list". */
const char *ip_verdict_reason(enum ip_verdict verdict);

bool key_expired(const struct key_record *rec, time_t now);

/* True when the key has an enabled allow entry that fences its addresses
 * (0.0.0.0/0 and ::/0 allow every address: they do not). */
bool key_has_allow_list(const struct key_record *rec);

/*
 * The service scope: the PAM services a key may log in through (each a
 * service_name_valid name, protocol.h); a key with none may log in through
 * any.
 */

/* True when the key's scope allows service (no scope: every service). */
bool service_in_scope(const struct key_record *rec, const char *service);

/* True when the key's scope names service itself (what a member of the
 * verifier group may check: never a key without a scope). */
bool service_named(const struct key_record *rec, const char *service);

/* A host group's name: 1 to HOST_GROUP_MAX_LEN of [a-z0-9._-]. */
bool host_group_valid(const char *name);

/* True when a central key's copy is past its allowance: the agent has not
 * been in contact with the central store (ever, or for more than
 * max_stale seconds).  Always false for a local key. */
bool central_copy_stale(const struct key_record *rec, time_t now);

#endif
