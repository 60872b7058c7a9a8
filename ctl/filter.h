/* SPDX-License-Identifier: BSD-2-Clause */
/* Which keys a command is about: list's filters, prune's and audit's. */
#ifndef APIKEY_FILTER_H
#define APIKEY_FILTER_H

#include <stdbool.h>
#include <time.h>

#include "record.h"

/* When the key last logged in, or was made if it never did. */
time_t key_last_activity(const struct key_record *rec);

/* The filters given; a duration of -1 was not given.  A key matches when
 * it passes every filter given. */
struct key_filter {
	bool expired;	       /* --expired */
	long long expired_for; /* --expired-for: expired at least this long */
	long long expiring_within; /* --expiring-within: not yet, but by then */
	long long unused_for;	   /* --unused-for: no login for this long */
};

#define KEY_FILTER_NONE                                                        \
	{                                                                      \
		false, -1, -1, -1                                              \
	}

bool key_filter_given(const struct key_filter *f);
bool key_filter_matches(const struct key_filter *f,
			const struct key_record *rec, time_t now);

#endif
