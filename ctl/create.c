/* SPDX-License-Identifier: BSD-2-Clause */
/* apikeyctl create: a new key, shown once. */
#include <err.h>
#include <errno.h>
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
	const char *uid; /* --uid: the account's uid, for --central */
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

static void add_group(const struct ctl *ctl, struct key_record *rec,
		      const char *group)
{
	char err[256];

	if (ctl->central == NULL)
		ctl_usage(ctl, "--host-group is for keys of the central store "
			       "(give --central)");
	if (!host_groups_add(rec, group, err, sizeof err))
		errx(EXIT_REFUSED, "--host-group: %s", err);
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
	    {"host-group", required_argument, NULL, 'G'},
	    {"uid", required_argument, NULL, 'u'},
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
		case 'G': add_group(ctl, &a->rec, optarg); break;
		case 'u': a->uid = optarg; break;
		default: ctl_common_option(ctl, opt, optarg);
		}
	}
	if (optind != argc - 1)
		ctl_usage(ctl, "give exactly one USER");
	a->user = argv[optind];
	if (a->meta.name == NULL)
		ctl_usage(ctl, "--name is required");
	if (a->uid != NULL && ctl->central == NULL)
		ctl_usage(ctl, "--uid is for keys of the central store (a "
			       "local key takes the account's uid)");
	for (size_t i = 0; i < a->rec.host_group_count; i++)
		if (ctl->central == NULL)
			ctl_usage(ctl, "--host-group is for keys of the "
				       "central store (give --central)");
	ctl_issue_options_done(ctl, &a->is);
}

/* --uid's value, or a usage error. */
static long long uid_value(const char *text)
{
	char *end;
	long long uid;

	errno = 0;
	uid = strtoll(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0 ||
	    uid > 4294967294LL)
		errx(EXIT_USAGE, "bad --uid '%s' (want 0 to 4294967294)", text);
	return uid;
}

/* The key's user and uid: the account here; with --central, --uid may
 * give the uid of an account this machine does not have, and must agree
 * with the one it has. */
static void key_owner(const struct ctl *ctl, const struct create_args *a,
		      struct key_record *rec)
{
	struct passwd *pw = getpwnam(a->user);
	long long uid = a->uid != NULL ? uid_value(a->uid) : -1;

	if (pw == NULL && uid < 0)
		errx(EXIT_REFUSED, "user '%s' does not exist%s", a->user,
		     ctl->central != NULL
			 ? " here (give --uid with the account's uid on the "
			   "hosts)"
			 : "");
	if (pw == NULL && !user_name_plain(a->user))
		errx(EXIT_REFUSED, "bad user name '%s'", a->user);
	if (pw != NULL && uid >= 0 && uid != (long long)pw->pw_uid)
		errx(EXIT_REFUSED,
		     "--uid %lld is not the uid of user '%s' here (%u)", uid,
		     a->user, (unsigned)pw->pw_uid);
	snprintf(rec->user, sizeof rec->user, "%s",
		 pw != NULL ? pw->pw_name : a->user);
	rec->uid = pw != NULL ? (long long)pw->pw_uid : uid;
}

/* Everything about the new key but its id and secret, as the policy
 * allows it. */
static void fill_record(const struct ctl *ctl, struct create_args *a,
			time_t now)
{
	struct key_record *rec = &a->rec;
	char err[600];

	key_owner(ctl, a, rec);
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
	fill_record(ctl, &a, time(NULL));
	ctl_initialise(ctl, true);
	ctl_issue_key(ctl, &a.is, &a.rec);
	return 0;
}
