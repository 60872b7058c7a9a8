/* SPDX-License-Identifier: BSD-2-Clause */
/* apikeyctl list: a table of keys (ID, user, name, services, last login and
 * address, expiry, creation), or JSON. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "json.h"
#include "services.h"
#include "when.h"

#define COLUMNS 8

struct row {
	char *cells[COLUMNS];
};

struct table {
	struct row *rows;
	size_t count, cap;
	size_t width[COLUMNS];
	time_t now;
	bool json, first;
};

static char *cell(const char *text)
{
	char *copy = strdup(text);

	if (copy == NULL)
		err(EXIT_REFUSED, "out of memory");
	return copy;
}

static void add_row(struct table *t, const char *const texts[COLUMNS])
{
	if (t->count == t->cap) {
		t->cap = t->cap != 0 ? t->cap * 2 : 64;
		t->rows = reallocarray(t->rows, t->cap, sizeof *t->rows);
		if (t->rows == NULL)
			err(EXIT_REFUSED, "out of memory");
	}
	for (size_t i = 0; i < COLUMNS; i++) {
		size_t len = strlen(texts[i]);
		t->rows[t->count].cells[i] = cell(texts[i]);
		if (len > t->width[i])
			t->width[i] = len;
	}
	t->count++;
}

static bool list_one(const struct key_record *rec, void *ctx)
{
	struct table *t = ctx;
	char last[ISO_TIME_LEN], created[ISO_TIME_LEN], expires[64];
	char services[SERVICES_MAX * (REQ_SERVICE_MAX + 2) + 8];

	if (t->json) {
		fputs(t->first ? "[" : ",", stdout);
		print_key_json(stdout, rec, NULL);
		t->first = false;
		return true;
	}
	expires_text(rec, t->now, expires, sizeof expires);
	iso_time(rec->created_at, created);
	services_text(rec, services, sizeof services);
	const char *const texts[COLUMNS] = {
	    rec->id,
	    rec->user,
	    rec->name,
	    services,
	    time_or_never(rec->last_used_at, last),
	    rec->last_used_ip[0] != '\0' ? rec->last_used_ip : "-",
	    expires,
	    created};
	add_row(t, texts);
	return true;
}

static void print_table(struct table *t)
{
	static const char *const header[COLUMNS] = {
	    "ID",	  "USER",    "NAME",	"SERVICES",
	    "LAST LOGIN", "LAST IP", "EXPIRES", "CREATED"};

	for (size_t i = 0; i < COLUMNS; i++)
		if (strlen(header[i]) > t->width[i])
			t->width[i] = strlen(header[i]);
	for (size_t r = 0; r <= t->count; r++) {
		const char *const *cells =
		    r == 0 ? header : (const char *const *)t->rows[r - 1].cells;
		for (size_t i = 0; i + 1 < COLUMNS; i++)
			printf("%-*s  ", (int)t->width[i], cells[i]);
		printf("%s\n", cells[COLUMNS - 1]);
	}
	for (size_t r = 0; r < t->count; r++)
		for (size_t i = 0; i < COLUMNS; i++)
			free(t->rows[r].cells[i]);
	free(t->rows);
}

int ctl_list(struct ctl *ctl, int argc, char **argv)
{
	struct table t = {.now = time(NULL), .first = true};
	struct store *s;

	t.json = ctl_json_options(ctl, argc, argv);
	if (argc - optind > 1)
		ctl_usage(ctl, "give at most one USER");
	s = ctl_open_store(ctl, STORE_READ);
	if (store_each(s, optind < argc ? argv[optind] : NULL, list_one, &t) !=
	    STORE_OK)
		ctl_store_failed(s, "list");
	store_close(s);
	if (t.json)
		puts(t.first ? "[]" : "]");
	else
		print_table(&t);
	return 0;
}
