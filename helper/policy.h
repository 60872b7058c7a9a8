/*
 * The rules a matching key must still pass: expiry and the IP lists.
 *
 * IP lists (VergeOS semantics, DESIGN.md): only enabled entries count.
 *   rhost in an allow entry            -> allowed (even if also denied)
 *   allow entries exist, rhost not in  -> refused
 *   rhost in a deny entry              -> refused
 *   otherwise                          -> allowed
 * A rhost that is not a numeric address is refused whenever any entry is
 * enabled (a hostname must never match: pam_access CVE-2024-10963); no
 * rhost at all (a local login) is refused only when an allow list exists.
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

#endif
