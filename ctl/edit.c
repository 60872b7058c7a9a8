/* SPDX-License-Identifier: BSD-2-Clause */
/* apikeyctl edit: name, description, expiry and IP lists; the key string
 * never changes. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "iplists.h"

enum rule_action { ADD_ALLOW, ADD_DENY, REMOVE, DISABLE, ENABLE };

struct rule_change {
	enum rule_action action;
	const char *cidr;
};

struct edit_args {
	const char *ref;
	struct key_meta meta;
	size_t change_count;
	struct rule_change changes[RULES_MAX * 2];
};

static void add_change(const struct ctl *ctl, struct edit_args *a,
		       enum rule_action action, const char *cidr)
{
	if (a->change_count == sizeof a->changes / sizeof a->changes[0])
		ctl_usage(ctl, "too many IP list changes at once");
	a->changes[a->change_count++] = (struct rule_change){action, cidr};
}

static void parse_edit(struct ctl *ctl, int argc, char **argv,
		       struct edit_args *a)
{
	static const struct option options[] = {
	    COMMON_OPTIONS,
	    META_OPTIONS,
	    {"allow", required_argument, NULL, 'a'},
	    {"deny", required_argument, NULL, 'x'},
	    {"remove", required_argument, NULL, 'r'},
	    {"disable", required_argument, NULL, 'o'},
	    {"enable", required_argument, NULL, 'i'},
	    {0}};
	int opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (ctl_meta_option(ctl, &a->meta, opt, optarg))
			continue;
		switch (opt) {
		case 'a': add_change(ctl, a, ADD_ALLOW, optarg); break;
		case 'x': add_change(ctl, a, ADD_DENY, optarg); break;
		case 'r': add_change(ctl, a, REMOVE, optarg); break;
		case 'o': add_change(ctl, a, DISABLE, optarg); break;
		case 'i': add_change(ctl, a, ENABLE, optarg); break;
		default: ctl_common_option(ctl, opt, optarg);
		}
	}
	if (argc - optind != 1)
		ctl_usage(ctl, "give exactly one REF");
	a->ref = argv[optind];
	if (a->meta.name == NULL && a->meta.description == NULL &&
	    a->meta.expires == NULL && !a->meta.never_expire &&
	    a->change_count == 0)
		ctl_usage(ctl, "nothing to change");
}

static const char *action_option(enum rule_action action)
{
	static const char *const names[] = {"allow", "deny", "remove",
					    "disable", "enable"};
	return names[action];
}

/* Applies the IP list changes in command-line order; false with err set on
 * the first that cannot apply. */
static bool apply_rule_changes(const struct edit_args *a,
			       struct key_record *rec, char *err, size_t errlen)
{
	char why[256];

	for (size_t i = 0; i < a->change_count; i++) {
		const struct rule_change *c = &a->changes[i];
		bool ok;

		switch (c->action) {
		case ADD_ALLOW:
			ok = rules_add(rec, LIST_ALLOW, c->cidr, why,
				       sizeof why);
			break;
		case ADD_DENY:
			ok =
			    rules_add(rec, LIST_DENY, c->cidr, why, sizeof why);
			break;
		case REMOVE:
			ok = rules_remove(rec, c->cidr, why, sizeof why);
			break;
		default:
			ok = rules_set_enabled(
			    rec, c->cidr, c->action == ENABLE, why, sizeof why);
		}
		if (!ok) {
			snprintf(err, errlen, "--%s: %s",
				 action_option(c->action), why);
			return false;
		}
	}
	return true;
}

int ctl_edit(struct ctl *ctl, int argc, char **argv)
{
	static struct edit_args a;
	static struct key_record rec;
	char err[512];
	struct store *s;
	enum store_result result;

	parse_edit(ctl, argc, argv, &a);
	s = ctl_open_store(ctl, STORE_WRITE);
	if (store_begin(s) != STORE_OK)
		ctl_store_failed(s, "edit");
	ctl_find(ctl, s, a.ref, &rec);
	ctl_apply_meta(&a.meta, &rec, time(NULL));
	if (!apply_rule_changes(&a, &rec, err, sizeof err)) {
		store_rollback(s);
		errx(EXIT_REFUSED, "nothing changed: %s", err);
	}
	result = store_update(s, &rec);
	if (result == STORE_CONFLICT) {
		store_rollback(s);
		errx(EXIT_REFUSED, "user '%s' already has a key named '%s'",
		     rec.user, rec.name);
	}
	if (result != STORE_OK || store_commit(s) != STORE_OK)
		ctl_store_failed(s, "edit");
	store_close(s);
	printf("updated key '%s' (id %s) of user %s; the key string is "
	       "unchanged\n",
	       rec.name, rec.id, rec.user);
	return 0;
}
