/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * apikeyctl verifier: the PAM services the verifier group (a web server's
 * workers) may verify keys through.  A member names the service it asks
 * about, so only the services listed here can be named; a key is checked
 * for it only when the key's scope names that service too.
 */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "json.h"
#include "services.h"

struct listing {
	bool json, first;
};

static void print_one(const char *service, void *ctx)
{
	struct listing *l = ctx;

	if (l->json) {
		fputs(l->first ? "[" : ",", stdout);
		json_string(stdout, service);
	} else {
		printf("%s\n", service);
	}
	l->first = false;
}

static int list_services(const struct ctl *ctl, bool json)
{
	struct listing l = {json, true};
	struct store *s = ctl_open_store(ctl, STORE_READ);

	if (store_verifier_each(s, print_one, &l) != STORE_OK)
		ctl_store_failed(s, "verifier list");
	if (json)
		puts(l.first ? "[]" : "]");
	else if (l.first)
		fprintf(stderr,
			"no service is open to the verifier group (%s)\n",
			APIKEY_VERIFY_GROUP);
	store_close(s);
	return 0;
}

/* Adds or removes each service, all or none. */
static int change_services(const struct ctl *ctl, bool add, int count,
			   char **services)
{
	struct store *s;
	char err[256];

	for (int i = 0; i < count; i++)
		if (!services_name_ok(services[i], err, sizeof err))
			errx(EXIT_REFUSED, "nothing changed: %s", err);
	s = ctl_open_store(ctl, STORE_WRITE);
	if (store_begin(s) != STORE_OK)
		ctl_store_failed(s, "verifier");
	for (int i = 0; i < count; i++) {
		enum store_result r =
		    add ? store_verifier_add(s, services[i])
			: store_verifier_remove(s, services[i]);
		if (r == STORE_NOT_FOUND && !add &&
		    store_verifier_listed(s, services[i]) == STORE_OK) {
			store_rollback(s);
			store_close(s);
			errx(EXIT_REFUSED,
			     "nothing changed: %s is listed by the central "
			     "store: remove it there (apikeyctl --central ... "
			     "verifier remove %s)",
			     services[i], services[i]);
		}
		if (r == STORE_CONFLICT || r == STORE_NOT_FOUND) {
			store_rollback(s);
			store_close(s);
			errx(EXIT_REFUSED,
			     "nothing changed: %s is %s open to "
			     "the verifier group",
			     services[i], add ? "already" : "not");
		}
		if (r != STORE_OK)
			ctl_store_failed(s, "verifier");
	}
	if (store_commit(s) != STORE_OK)
		ctl_store_failed(s, "verifier");
	store_close(s);
	for (int i = 0; i < count; i++)
		printf(add ? "the verifier group (%s) may now check keys "
			     "scoped to %s\n"
			   : "the verifier group (%s) may no longer check "
			     "keys through %s\n",
		       APIKEY_VERIFY_GROUP, services[i]);
	return 0;
}

int ctl_verifier(struct ctl *ctl, int argc, char **argv)
{
	bool json = ctl_json_options(ctl, argc, argv);
	const char *action;
	action = optind < argc ? argv[optind++] : "list";
	if (strcmp(action, "list") == 0) {
		if (optind != argc)
			ctl_usage(ctl, "list takes no SERVICE");
		return list_services(ctl, json);
	}
	if (strcmp(action, "add") != 0 && strcmp(action, "remove") != 0)
		ctl_usage(ctl, "'%s' is not list, add or remove", action);
	if (json)
		ctl_usage(ctl, "--json is for list");
	if (optind == argc)
		ctl_usage(ctl, "%s needs at least one SERVICE", action);
	return change_services(ctl, strcmp(action, "add") == 0, argc - optind,
			       argv + optind);
}
