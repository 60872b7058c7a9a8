/* SPDX-License-Identifier: BSD-2-Clause */
/* apikeyctl: the key metadata options of create and edit (META_OPTIONS). */
#include <err.h>
#include <stdio.h>

#include "ctl.h"
#include "text.h"
#include "when.h"

bool ctl_meta_option(const struct ctl *ctl, struct key_meta *meta, int opt,
		     const char *arg)
{
	switch (opt) {
	case 'n': meta->name = arg; break;
	case 'd': meta->description = arg; break;
	case 'e': meta->expires = arg; break;
	case 'N': meta->never_expire = true; break;
	default: return false;
	}
	if (meta->expires != NULL && meta->never_expire)
		ctl_usage(ctl,
			  "--expires and --never-expire exclude each other");
	return true;
}

void ctl_apply_meta(const struct key_meta *meta, struct key_record *rec,
		    time_t now)
{
	char err[256];

	if (meta->name != NULL) {
		if (!name_valid(meta->name, NAME_MAX_CHARS, err, sizeof err))
			errx(EXIT_REFUSED, "%s", err);
		snprintf(rec->name, sizeof rec->name, "%s", meta->name);
	}
	if (meta->description != NULL) {
		if (!description_valid(meta->description, DESC_MAX_CHARS, err,
				       sizeof err))
			errx(EXIT_REFUSED, "%s", err);
		snprintf(rec->description, sizeof rec->description, "%s",
			 meta->description);
	}
	if (meta->never_expire)
		rec->expires_at = 0;
	else if (meta->expires != NULL &&
		 !when_parse(meta->expires, now, &rec->expires_at, err,
			     sizeof err))
		errx(EXIT_REFUSED, "%s", err);
}
