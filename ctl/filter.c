/* SPDX-License-Identifier: BSD-2-Clause */
#include "filter.h"

#include "policy.h"

time_t key_last_activity(const struct key_record *rec)
{
	return rec->last_used_at != 0 ? rec->last_used_at : rec->created_at;
}

bool key_filter_given(const struct key_filter *f)
{
	return f->expired || f->expired_for >= 0 || f->expiring_within >= 0 ||
	       f->unused_for >= 0;
}

bool key_filter_matches(const struct key_filter *f,
			const struct key_record *rec, time_t now)
{
	bool expired = key_expired(rec, now);

	if (f->expired && !expired)
		return false;
	if (f->expired_for >= 0 &&
	    (!expired || now - rec->expires_at < f->expired_for))
		return false;
	if (f->expiring_within >= 0 &&
	    (rec->expires_at == 0 || expired ||
	     rec->expires_at - now > f->expiring_within))
		return false;
	return f->unused_for < 0 ||
	       now - key_last_activity(rec) >= f->unused_for;
}
