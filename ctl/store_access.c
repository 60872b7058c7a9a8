/* SPDX-License-Identifier: BSD-2-Clause */
/* apikeyctl: opening the store and the pepper, and finding a key, for any
 * command; each exits with the reason when it cannot. */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include "central.h"
#include "ctl.h"
#include "secret.h"
#include "sitepolicy.h"

struct store *ctl_open_store(const struct ctl *ctl, enum store_mode mode)
{
	char err[512];
	struct store *s;

	if (ctl->central != NULL)
		return ctl_central_view(ctl);
	s = store_open(ctl->db, mode, err, sizeof err);

	if (s == NULL)
		errx(ctl_failure_status, "%s", err);
	return s;
}

void ctl_load_pepper(const struct ctl *ctl, unsigned char pepper[PEPPER_LEN])
{
	char err[512];

	if (!pepper_load(ctl->pepper, pepper, err, sizeof err))
		errx(ctl_failure_status, "%s", err);
	if (ctl->central != NULL)
		ctl_central_pepper_check(ctl, pepper);
}

static bool ref_valid(const char *ref)
{
	const char *slash = strchr(ref, '/');

	if (slash != NULL)
		return slash != ref && slash[1] != '\0';
	return strlen(ref) == KEY_ID_LEN && base62_string(ref, KEY_ID_LEN);
}

void ctl_load_policy(const struct ctl *ctl, struct site_policy *p)
{
	char err[600];

	if (!policy_load(ctl->policy, p, err, sizeof err))
		errx(ctl_failure_status, "%s", err);
}

void ctl_find(const struct ctl *ctl, struct store *s, const char *ref,
	      struct key_record *rec)
{
	enum store_result found;

	if (!ref_valid(ref))
		ctl_usage(ctl, "bad REF '%s' (want a key id or USER/NAME)",
			  ref);
	found = store_find(s, ref, rec);
	if (found == STORE_NOT_FOUND)
		errx(EXIT_REFUSED, "no key matches '%s'", ref);
	if (found != STORE_OK)
		ctl_store_failed(s, "reading key");
}

void ctl_find_to_change(const struct ctl *ctl, struct store *s, const char *ref,
			struct key_record *rec)
{
	ctl_find(ctl, s, ref, rec);
	if (!rec->central)
		return;
	store_rollback(s);
	errx(EXIT_REFUSED,
	     "key %s (%s/%s) is mirrored from the central store: change it "
	     "there (apikeyctl --central ... %s %s)",
	     rec->id, rec->user, rec->name, ctl->command, rec->id);
}

noreturn void ctl_store_failed(struct store *s, const char *what)
{
	char message[600];

	snprintf(message, sizeof message, "%s", store_error(s));
	store_rollback(s);
	store_close(s);
	errx(ctl_failure_status, "%s failed, nothing changed: %s", what,
	     message);
}
