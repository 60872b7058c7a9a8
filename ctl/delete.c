/* SPDX-License-Identifier: BSD-2-Clause */
/* apikeyctl delete: the key stops working once this returns. */
#include <err.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

/* On a terminal, asks before deleting; anything but y/yes keeps the key. */
static bool confirmed(const struct key_record *rec)
{
	char answer[16];

	fprintf(stderr,
		"Delete key '%s' (id %s) of user %s? It stops working "
		"at once. [y/N] ",
		rec->name, rec->id, rec->user);
	if (fgets(answer, sizeof answer, stdin) == NULL)
		return false;
	answer[strcspn(answer, "\n")] = '\0';
	return strcmp(answer, "y") == 0 || strcmp(answer, "yes") == 0;
}

int ctl_delete(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
	    COMMON_OPTIONS, {"yes", no_argument, NULL, 'y'}, {0}};
	static struct key_record rec;
	bool yes = false;
	struct store *s;
	int opt;

	while ((opt = getopt_long(argc, argv, "hy", options, NULL)) != -1) {
		if (opt == 'y')
			yes = true;
		else
			ctl_common_option(ctl, opt, optarg);
	}
	if (argc - optind != 1)
		ctl_usage(ctl, "give exactly one REF");
	s = ctl_open_store(ctl, STORE_WRITE);
	ctl_find_to_change(ctl, s, argv[optind], &rec);
	if (!yes && isatty(STDIN_FILENO) && !confirmed(&rec))
		errx(EXIT_REFUSED, "not deleted");
	if (store_begin(s) != STORE_OK || store_delete(s, rec.id) != STORE_OK ||
	    store_commit(s) != STORE_OK)
		ctl_store_failed(s, "delete");
	store_close(s);
	printf("deleted key '%s' (id %s) of user %s; it no longer works\n",
	       rec.name, rec.id, rec.user);
	return 0;
}
