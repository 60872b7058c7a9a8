/* SPDX-License-Identifier: BSD-2-Clause */
/* apikeyctl edit: name, description, expiry, IP lists and service scope;
 * the key string never changes. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "iplists.h"
#include "policy.h"
#include "services.h"
#include "sitepolicy.h"

enum list_action {
	ADD_ALLOW,
	ADD_DENY,
	REMOVE,
	DISABLE,
	ENABLE,
	ADD_SERVICE,
	REMOVE_SERVICE,
	ADD_GROUP,
	REMOVE_GROUP
};

/* A change to one of the key's lists: an IP list entry or a service. */
struct list_change {
	enum list_action action;
	const char *value;
};

struct edit_args {
	const char *ref;
	struct key_meta meta;
	bool any_service; /* --any-service: the scope may end up empty */
	bool all_hosts;	  /* --all-hosts: the host groups may end up empty */
	size_t change_count;
	struct list_change
	    changes[RULES_MAX * 2 + SERVICES_MAX * 2 + HOST_GROUPS_MAX * 2];
};

static void add_change(const struct ctl *ctl, struct edit_args *a,
		       enum list_action action, const char *value)
{
	if (a->change_count == sizeof a->changes / sizeof a->changes[0])
		ctl_usage(ctl, "too many list changes at once");
	a->changes[a->change_count++] = (struct list_change){action, value};
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
	    {"service", required_argument, NULL, 'S'},
	    {"remove-service", required_argument, NULL, 'R'},
	    {"any-service", no_argument, NULL, 'A'},
	    {"host-group", required_argument, NULL, 'G'},
	    {"remove-host-group", required_argument, NULL, 'g'},
	    {"all-hosts", no_argument, NULL, 'W'},
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
		case 'S': add_change(ctl, a, ADD_SERVICE, optarg); break;
		case 'R': add_change(ctl, a, REMOVE_SERVICE, optarg); break;
		case 'A': a->any_service = true; break;
		case 'G':
		case 'g':
		case 'W':
			if (ctl->central == NULL)
				ctl_usage(ctl,
					  "--%s is for keys of the central "
					  "store (give --central)",
					  opt == 'G'   ? "host-group"
					  : opt == 'g' ? "remove-host-group"
						       : "all-hosts");
			if (opt == 'W')
				a->all_hosts = true;
			else
				add_change(ctl, a,
					   opt == 'G' ? ADD_GROUP
						      : REMOVE_GROUP,
					   optarg);
			break;
		default: ctl_common_option(ctl, opt, optarg);
		}
	}
	if (argc - optind != 1)
		ctl_usage(ctl, "give exactly one REF");
	a->ref = argv[optind];
	if (a->meta.name == NULL && a->meta.description == NULL &&
	    a->meta.expires == NULL && !a->meta.never_expire &&
	    a->change_count == 0 && !a->any_service && !a->all_hosts)
		ctl_usage(ctl, "nothing to change");
	for (size_t i = 0; a->all_hosts && i < a->change_count; i++)
		if (a->changes[i].action == ADD_GROUP)
			ctl_usage(ctl,
				  "--all-hosts and --host-group contradict "
				  "each other");
	for (size_t i = 0; a->any_service && i < a->change_count; i++)
		if (a->changes[i].action == ADD_SERVICE)
			ctl_usage(ctl, "--any-service and --service contradict "
				       "each other");
}

static const char *action_option(enum list_action action)
{
	static const char *const names[] = {
	    "allow",	      "deny",	    "remove",
	    "disable",	      "enable",	    "service",
	    "remove-service", "host-group", "remove-host-group"};
	return names[action];
}

static bool apply_one(struct key_record *rec, const struct list_change *c,
		      char *why, size_t whylen)
{
	switch (c->action) {
	case ADD_ALLOW:
		return rules_add(rec, LIST_ALLOW, c->value, why, whylen);
	case ADD_DENY: return rules_add(rec, LIST_DENY, c->value, why, whylen);
	case REMOVE: return rules_remove(rec, c->value, why, whylen);
	case DISABLE:
	case ENABLE:
		return rules_set_enabled(rec, c->value, c->action == ENABLE,
					 why, whylen);
	case ADD_SERVICE: return services_add(rec, c->value, why, whylen);
	case REMOVE_SERVICE: return services_remove(rec, c->value, why, whylen);
	case ADD_GROUP: return host_groups_add(rec, c->value, why, whylen);
	case REMOVE_GROUP:
		return host_groups_remove(rec, c->value, why, whylen);
	}
	return false;
}

/* Applies the list changes in command-line order; false with err set on
 * the first that cannot apply.  A scope is never emptied by removing its
 * last service, which would open the key to every service: only
 * --any-service does that; nor are its host groups (--all-hosts). */
static bool apply_list_changes(const struct edit_args *a,
			       struct key_record *rec, char *err, size_t errlen)
{
	size_t scoped = rec->service_count, grouped = rec->host_group_count;
	char why[256];

	for (size_t i = 0; i < a->change_count; i++) {
		if (!apply_one(rec, &a->changes[i], why, sizeof why)) {
			snprintf(err, errlen, "--%s: %s",
				 action_option(a->changes[i].action), why);
			return false;
		}
	}
	if (a->any_service) {
		rec->service_count = 0;
	} else if (scoped > 0 && rec->service_count == 0) {
		snprintf(err, errlen,
			 "--remove-service: that leaves no service in the "
			 "scope, and a key with none may log in through "
			 "every service; give --any-service to mean that, or "
			 "delete the key");
		return false;
	}
	if (a->all_hosts) {
		rec->host_group_count = 0;
	} else if (grouped > 0 && rec->host_group_count == 0) {
		snprintf(err, errlen,
			 "--remove-host-group: that leaves the key no host "
			 "group, and a key with none is mirrored to every "
			 "host; give --all-hosts to mean that");
		return false;
	}
	return true;
}

/* The parts of the key this edit changes: the policy holds them, and
 * only them, to its rules; a new expiry gives the key a new life, so it
 * is held to every rule, as a new key is. */
static unsigned edited_areas(const struct edit_args *a)
{
	unsigned areas = 0;

	if (a->meta.expires != NULL || a->meta.never_expire)
		return POLICY_ALL;
	if (a->any_service)
		areas |= POLICY_SERVICES;
	for (size_t i = 0; i < a->change_count; i++) {
		enum list_action action = a->changes[i].action;

		if (action == ADD_SERVICE || action == REMOVE_SERVICE)
			areas |= POLICY_SERVICES;
		else if (action != ADD_GROUP && action != REMOVE_GROUP)
			areas |= POLICY_ALLOW_LIST;
	}
	return areas;
}

int ctl_edit(struct ctl *ctl, int argc, char **argv)
{
	static struct edit_args a;
	static struct key_record rec;
	static struct site_policy policy;
	time_t now = time(NULL);
	char err[600];
	struct store *s;
	enum store_result result;
	bool was_expired;

	parse_edit(ctl, argc, argv, &a);
	ctl_load_policy(ctl, &policy);
	s = ctl_open_store(ctl, STORE_WRITE);
	if (store_begin(s) != STORE_OK)
		ctl_store_failed(s, "edit");
	ctl_find_to_change(ctl, s, a.ref, &rec);
	was_expired = key_expired(&rec, now);
	ctl_apply_meta(&a.meta, &rec, now);
	if (!apply_list_changes(&a, &rec, err, sizeof err) ||
	    !policy_permits(&policy, &rec, now, edited_areas(&a), err,
			    sizeof err) ||
	    (was_expired && !key_expired(&rec, now) &&
	     !policy_room_for_key(&policy, s, rec.user, rec.id, now, err,
				  sizeof err))) {
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
