/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * apikeyctl prune: deletes the keys that expired or went unused long
 * enough, in one transaction: all of them or none.  Prints each key it
 * deletes (or, with --dry-run, would delete).
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "filter.h"
#include "when.h"

struct doomed {
	char id[KEY_ID_LEN + 1];
	char line[1400]; /* what is printed about it */
};

struct selection {
	struct key_filter filter;
	time_t now;
	struct doomed *keys;
	size_t count, cap;
};

static bool select_one(const struct key_record *rec, void *ctx)
{
	struct selection *sel = ctx;
	char when[ISO_TIME_LEN], last[ISO_TIME_LEN];
	struct doomed *d;

	/* a central key is pruned in the central store (--central) */
	if (rec->central || !key_filter_matches(&sel->filter, rec, sel->now))
		return true;
	if (sel->count == sel->cap) {
		sel->cap = sel->cap != 0 ? sel->cap * 2 : 64;
		sel->keys =
		    reallocarray(sel->keys, sel->cap, sizeof *sel->keys);
		if (sel->keys == NULL)
			err(EXIT_REFUSED, "out of memory");
	}
	d = &sel->keys[sel->count++];
	memcpy(d->id, rec->id, sizeof d->id);
	snprintf(d->line, sizeof d->line,
		 "key '%s' (id %s) of user %s: expires %s, last login %s",
		 rec->name, rec->id, rec->user,
		 time_or_never(rec->expires_at, when),
		 time_or_never(rec->last_used_at, last));
	return true;
}

static void parse_prune(struct ctl *ctl, int argc, char **argv,
			struct selection *sel, bool *dry_run, bool *yes)
{
	static const struct option options[] = {
	    COMMON_OPTIONS,
	    {"expired-for", required_argument, NULL, 'E'},
	    {"unused-for", required_argument, NULL, 'U'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"yes", no_argument, NULL, 'y'},
	    {0}};
	int opt;

	while ((opt = getopt_long(argc, argv, "hy", options, NULL)) != -1) {
		switch (opt) {
		case 'E':
			sel->filter.expired_for =
			    ctl_duration(ctl, "--expired-for", optarg);
			break;
		case 'U':
			sel->filter.unused_for =
			    ctl_duration(ctl, "--unused-for", optarg);
			/* 0 would be every key, even one made a second ago */
			if (sel->filter.unused_for == 0)
				ctl_usage(ctl,
					  "--unused-for 0 would delete every "
					  "key; give a duration");
			break;
		case 'n': *dry_run = true; break;
		case 'y': *yes = true; break;
		default: ctl_common_option(ctl, opt, optarg);
		}
	}
	if (optind != argc)
		ctl_usage(ctl, "prune takes no operands");
	if (!key_filter_given(&sel->filter))
		ctl_usage(ctl, "give --expired-for or --unused-for (or both)");
}

/* On a terminal, asks before deleting; anything but y/yes keeps them. */
static bool confirmed(size_t count)
{
	char answer[16];

	fprintf(stderr,
		"Delete these %zu keys? They stop working at once. "
		"[y/N] ",
		count);
	if (fgets(answer, sizeof answer, stdin) == NULL)
		return false;
	answer[strcspn(answer, "\n")] = '\0';
	return strcmp(answer, "y") == 0 || strcmp(answer, "yes") == 0;
}

static void print_selection(const struct selection *sel, const char *verb)
{
	for (size_t i = 0; i < sel->count; i++)
		printf("%s %s\n", verb, sel->keys[i].line);
}

/* The keys that match now (in the caller's transaction, if any). */
static void select_keys(struct store *s, struct selection *sel)
{
	sel->count = 0;
	if (store_each(s, NULL, select_one, sel) != STORE_OK)
		ctl_store_failed(s, "prune");
}

static bool same_keys(const struct selection *a, const struct selection *b)
{
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (strcmp(a->keys[i].id, b->keys[i].id) != 0)
			return false;
	return true;
}

/* Deletes exactly the keys shown, in one transaction: if the matching
 * keys changed since they were shown, nothing is deleted. */
static void delete_shown(struct store *s, const struct selection *shown)
{
	struct selection now = {.filter = shown->filter, .now = shown->now};

	if (store_begin(s) != STORE_OK)
		ctl_store_failed(s, "prune");
	select_keys(s, &now);
	if (!same_keys(shown, &now)) {
		store_rollback(s);
		store_close(s);
		errx(EXIT_REFUSED, "the matching keys changed while prune ran; "
				   "nothing deleted: run it again");
	}
	for (size_t i = 0; i < now.count; i++)
		if (store_delete(s, now.keys[i].id) != STORE_OK)
			ctl_store_failed(s, "prune");
	if (store_commit(s) != STORE_OK)
		ctl_store_failed(s, "prune");
	free(now.keys);
}

int ctl_prune(struct ctl *ctl, int argc, char **argv)
{
	struct selection sel = {.filter = KEY_FILTER_NONE, .now = time(NULL)};
	bool dry_run = false, yes = false;
	struct store *s;

	parse_prune(ctl, argc, argv, &sel, &dry_run, &yes);
	s = ctl_open_store(ctl, dry_run ? STORE_READ : STORE_WRITE);
	select_keys(s, &sel);
	if (sel.count == 0) {
		printf("no key matches; nothing %sdeleted\n",
		       dry_run ? "would be " : "");
	} else if (dry_run) {
		print_selection(&sel, "would delete");
		printf("would delete %zu key%s\n", sel.count,
		       sel.count == 1 ? "" : "s");
	} else {
		if (!yes && isatty(STDIN_FILENO)) {
			print_selection(&sel, "to delete:");
			fflush(stdout);
			if (!confirmed(sel.count)) {
				store_close(s);
				errx(EXIT_REFUSED, "nothing deleted");
			}
		}
		delete_shown(s, &sel);
		print_selection(&sel, "deleted");
		printf("deleted %zu key%s; they no longer work\n", sel.count,
		       sel.count == 1 ? "" : "s");
	}
	store_close(s);
	free(sel.keys);
	return 0;
}
