/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * apikeyctl rotate: a new key with the same user, description, IP lists,
 * service scope (or the one --service gives) and lifetime, shown once; the
 * old key expires after a grace period and names its successor.  The new key
 * takes the name; the old one is renamed
 * "<name> (rotated <old id>)" so both can be told apart in 'list'.
 */
#include <err.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "services.h"
#include "sitepolicy.h"
#include "text.h"
#include "when.h"

#define DEFAULT_GRACE "24h"

struct rotate_args {
	const char *ref;
	long long grace;
	time_t now;
	struct key_record old;
	bool new_scope;		 /* --service given: */
	struct key_record scope; /* the successor's services, here */
	struct site_policy policy;
	bool capped; /* the policy shortened the successor's lifetime */
};

static void parse_rotate(struct ctl *ctl, int argc, char **argv,
			 struct rotate_args *a, struct issue *is)
{
	static const struct option options[] = {
	    COMMON_OPTIONS,
	    {"grace", required_argument, NULL, 'g'},
	    {"service", required_argument, NULL, 'S'},
	    ISSUE_OPTIONS,
	    {0}};
	const char *grace = DEFAULT_GRACE;
	char err[256];
	int opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (opt == 'g') {
			grace = optarg;
		} else if (opt == 'S') {
			a->new_scope = true;
			if (!services_add(&a->scope, optarg, err, sizeof err))
				errx(EXIT_REFUSED, "--service: %s", err);
		} else if (!ctl_issue_option(ctl, is, opt, optarg)) {
			ctl_common_option(ctl, opt, optarg);
		}
	}
	ctl_issue_options_done(ctl, is);
	if (argc - optind != 1)
		ctl_usage(ctl, "give exactly one REF");
	a->ref = argv[optind];
	a->grace = ctl_duration(ctl, "--grace", grace);
}

/* The new key: the old one's owner, metadata, rules and scope, same
 * lifetime unless the policy allows less. */
static void successor(struct rotate_args *a, struct key_record *rec)
{
	const struct key_record *old = &a->old;
	time_t now = a->now, wanted;
	char id[KEY_ID_LEN + 1];

	memcpy(id, rec->id, sizeof id);
	memcpy(rec, old, sizeof *rec);
	memcpy(rec->id, id, sizeof id);
	if (a->new_scope) {
		rec->service_count = a->scope.service_count;
		memcpy(rec->services, a->scope.services, sizeof rec->services);
	}
	rec->created_at = now;
	wanted = old->expires_at != 0
		     ? now + (old->expires_at - old->created_at)
		     : 0;
	rec->expires_at = policy_cap_expiry(&a->policy, now, wanted);
	a->capped = rec->expires_at != wanted;
	rec->last_used_at = rec->last_denied_at = 0;
	rec->use_count = 0;
	rec->last_used_ip[0] = rec->last_denied_ip[0] = '\0';
	rec->last_denied_reason[0] = rec->rotated_to[0] = '\0';
	memcpy(rec->rotated_from, old->id, sizeof rec->rotated_from);
}

/* The old key: renamed, pointing at its successor, expiring after grace. */
static void retire(struct key_record *old, const char *successor_id,
		   time_t until)
{
	char suffix[64];
	size_t keep;

	snprintf(suffix, sizeof suffix, " (rotated %s)", old->id);
	keep = utf8_prefix_bytes(old->name, NAME_MAX_CHARS - strlen(suffix));
	snprintf(old->name + keep, sizeof old->name - keep, "%s", suffix);
	memcpy(old->rotated_to, successor_id, sizeof old->rotated_to);
	if (old->expires_at == 0 || old->expires_at > until)
		old->expires_at = until;
}

static bool account_unchanged(const struct key_record *old, char *err,
			      size_t errlen)
{
	struct passwd *pw = getpwnam(old->user);

	if (pw != NULL && (long long)pw->pw_uid == old->uid)
		return true;
	snprintf(err, errlen,
		 "account '%s' no longer has uid %lld; create a new key "
		 "instead",
		 old->user, old->uid);
	return false;
}

/* Inside the transaction of the new key's insert. */
static bool rotate_step(struct store *s, struct key_record *rec, void *ctx,
			char *err, size_t errlen)
{
	struct rotate_args *a = ctx;
	enum store_result found = store_find(s, a->ref, &a->old);

	if (found != STORE_OK) {
		snprintf(err, errlen, "%s",
			 found == STORE_NOT_FOUND ? "no key matches that REF"
						  : store_error(s));
		return false;
	}
	if (a->old.rotated_to[0] != '\0') {
		snprintf(err, errlen, "key %s was already rotated to %s",
			 a->old.id, a->old.rotated_to);
		return false;
	}
	if (!account_unchanged(&a->old, err, errlen) ||
	    !policy_room_for_key(&a->policy, s, a->old.user, a->old.id, a->now,
				 err, errlen))
		return false;
	successor(a, rec);
	if (!policy_permits(&a->policy, rec, a->now, POLICY_ALL, err, errlen))
		return false;
	retire(&a->old, rec->id, a->now + (time_t)a->grace);
	if (store_update(s, &a->old) == STORE_OK)
		return true;
	snprintf(err, errlen, "%s", store_error(s));
	return false;
}

int ctl_rotate(struct ctl *ctl, int argc, char **argv)
{
	static struct rotate_args a;
	static struct key_record rec;
	struct issue is = {.verb = "rotated", .step = rotate_step, .ctx = &a};
	struct store *s;

	parse_rotate(ctl, argc, argv, &a, &is);
	ctl_load_policy(ctl, &a.policy);
	/* a REF that cannot match is a usage error, as in the other commands */
	s = ctl_open_store(ctl, STORE_READ);
	ctl_find_to_change(ctl, s, a.ref, &a.old);
	store_close(s);
	a.now = time(NULL);
	ctl_issue_key(ctl, &is, &rec);
	if (!is.quiet) {
		char until[ISO_TIME_LEN];
		iso_time(a.old.expires_at, until);
		fprintf(stderr,
			"apikeyctl: the old key %s stops working at %s and "
			"names its successor %s\n",
			a.old.id, until, rec.id);
		if (a.capped)
			fprintf(stderr,
				"apikeyctl: the successor expires sooner than "
				"the old key's lifetime: the policy (%s) "
				"allows no more\n",
				a.policy.path);
	}
	return 0;
}
