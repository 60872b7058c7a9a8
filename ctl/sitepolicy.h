/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The site policy (policy.conf): the rules apikeyctl holds every new,
 * edited and rotated key to, and that 'apikeyctl audit' reports keys
 * against.  Only apikeyctl reads it; the helper does not (a key made
 * before a stricter policy keeps working until its own expiry: README,
 * Site policy).
 *
 * The file is root-owned and not writable by group or others, in a
 * directory of the same kind (checked like the store); a missing file is
 * no policy.  Its lines are "setting = value", blank, or "# comment"; an
 * unknown setting, a bad or repeated value, or settings that contradict
 * each other are errors naming the file and line.
 */
#ifndef APIKEY_SITEPOLICY_H
#define APIKEY_SITEPOLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "record.h"

/* today's lifetime of a key made without --expires */
#define POLICY_DEFAULT_LIFETIME (90LL * 86400)

struct site_policy {
	const char *path;
	bool present;		    /* the file exists */
	long long max_lifetime;	    /* seconds; 0: no limit */
	long long default_lifetime; /* seconds */
	bool never_expire_allowed;
	bool require_allow_list;
	long long max_keys_per_user; /* 0: no limit */
	bool require_service;
	/* the values as the file wrote them, for messages */
	char max_lifetime_text[16];
};

/* Reads the policy at path (absolute); false with the reason in err. */
bool policy_load(const char *path, struct site_policy *p, char *err,
		 size_t errlen);

/* Parses the text of a policy file named path (policy_load's second
 * half). */
bool policy_parse(const char *text, size_t len, const char *path,
		  struct site_policy *p, char *err, size_t errlen);

/* The parts of a key a change touched: only those are held to the rules
 * (an edit of a description need not fix an old key's expiry). */
enum policy_area {
	POLICY_EXPIRY = 1,
	POLICY_ALLOW_LIST = 2,
	POLICY_SERVICES = 4,
	POLICY_ALL = 7,
};

/* Calls fn with each rule rec breaks in areas, as text naming the rule;
 * returns how many. */
typedef void (*policy_breach_fn)(const char *breach, void *ctx);
int policy_breaches(const struct site_policy *p, const struct key_record *rec,
		    time_t now, unsigned areas, policy_breach_fn fn, void *ctx);

/* False with the first breach in err ("refused by policy: ... (FILE)"). */
bool policy_permits(const struct site_policy *p, const struct key_record *rec,
		    time_t now, unsigned areas, char *err, size_t errlen);

/* max_keys_per_user: true when user may have one more working key (one
 * not expired, in a rotation grace period or not), not counting the key
 * except_id (a rotation's old key); else false with the reason in err.
 * Call it in the transaction that adds the key. */
struct store;
bool policy_room_for_key(const struct site_policy *p, struct store *s,
			 const char *user, const char *except_id, time_t now,
			 char *err, size_t errlen);

/* The expiry for a key made now that gave none, or whose successor's
 * lifetime (rotate) the policy caps: 0 is never. */
time_t policy_default_expiry(const struct site_policy *p, time_t now);
time_t policy_cap_expiry(const struct site_policy *p, time_t now,
			 time_t expires_at);

#endif
