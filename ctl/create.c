/* SPDX-License-Identifier: BSD-2-Clause */
/* apikeyctl create: a new key, shown once. */
#include <err.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "iplists.h"
#include "services.h"
#include "sitepolicy.h"

struct create_args {
	const char *user;
	struct issue is;
	struct key_meta meta;
	struct site_policy policy;
	/* rules are checked and collected as the options come */
	struct key_record rec;
};

static void add_rule(struct create_args *a, enum ip_list list, const char *text)
{
	char err[256];

	if (!rules_add(&a->rec, list, text, err, sizeof err))
		errx(EXIT_REFUSED, "--%s: %s", list_name(list), err);
}

static void add_service(struct key_record *rec, const char *service)
{
	char err[256];

	if (!services_add(rec, service, err, sizeof err))
		errx(EXIT_REFUSED, "--service: %s", err);
}

static void parse_create(struct ctl *ctl, int argc, char **argv,
			 struct create_args *a)
{
	static const struct option options[] = {
	    COMMON_OPTIONS,
	    META_OPTIONS,
	    {"allow", required_argument, NULL, 'a'},
	    {"deny", required_argument, NULL, 'x'},
	    {"service", required_argument, NULL, 'S'},
	    ISSUE_OPTIONS,
	    {0}};
	int opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (ctl_meta_option(ctl, &a->meta, opt, optarg) ||
		    ctl_issue_option(ctl, &a->is, opt, optarg))
			continue;
		switch (opt) {
		case 'a': add_rule(a, LIST_ALLOW, optarg); break;
		case 'x': add_rule(a, LIST_DENY, optarg); break;
		case 'S': add_service(&a->rec, optarg); break;
		default: ctl_common_option(ctl, opt, optarg);
		}
	}
	if (optind != argc - 1)
		ctl_usage(ctl, "give exactly one USER");
	a->user = argv[optind];
	if (a->meta.name == NULL)
		ctl_usage(ctl, "--name is required");
	ctl_issue_options_done(ctl, &a->is);
}

/* Everything about the new key but its id and secret, as the policy
 * allows it. */
static void fill_record(struct create_args *a, time_t now)
{
	struct key_record *rec = &a->rec;
	struct passwd *pw;
	char err[600];

	pw = getpwnam(a->user);
	if (pw == NULL)
		errx(EXIT_REFUSED, "user '%s' does not exist", a->user);
	snprintf(rec->user, sizeof rec->user, "%s", pw->pw_name);
	rec->uid = pw->pw_uid;
	rec->created_at = now;
	rec->expires_at = policy_default_expiry(&a->policy, now);
	ctl_apply_meta(&a->meta, rec, now);
	if (!policy_permits(&a->policy, rec, now, POLICY_ALL, err, sizeof err))
		errx(EXIT_REFUSED, "%s", err);
}

/* Inside the transaction, so the name cannot be taken, nor the limit
 * reached, in between. */
static bool name_free(struct store *s, struct key_record *rec, void *ctx,
		      char *err, size_t errlen)
{
	static struct key_record existing;
	const struct create_args *a = ctx;
	char ref[sizeof rec->user + sizeof rec->name + 1];
	enum store_result found;

	if (!policy_room_for_key(&a->policy, s, rec->user, NULL,
				 rec->created_at, err, errlen))
		return false;
	snprintf(ref, sizeof ref, "%s/%s", rec->user, rec->name);
	found = store_find(s, ref, &existing);
	if (found == STORE_OK)
		snprintf(err, errlen, "user '%s' already has a key named '%s'",
			 rec->user, rec->name);
	else if (found != STORE_NOT_FOUND)
		snprintf(err, errlen, "%s", store_error(s));
	return found == STORE_NOT_FOUND;
}

int ctl_create(struct ctl *ctl, int argc, char **argv)
{
	static struct create_args a = {
	    .is = {.verb = "created", .step = name_free}};

	parse_create(ctl, argc, argv, &a);
	ctl_load_policy(ctl, &a.policy);
	a.is.ctx = &a;
	fill_record(&a, time(NULL));
	ctl_initialise(ctl, true);
	ctl_issue_key(ctl, &a.is, &a.rec);
	return 0;
}
