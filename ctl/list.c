/* SPDX-License-Identifier: BSD-2-Clause */
/* apikeyctl list: a table of keys (ID, user, name, services, last login and
 * address, expiry, creation), or JSON. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "filter.h"
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
	struct key_filter filter;
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

/* The last login's address, and in the central store's view the host
 * that reported it: "192.0.2.7 on web1". */
static void last_where(const struct key_record *rec, char *out, size_t outlen)
{
	const char *ip = rec->last_used_ip[0] != '\0' ? rec->last_used_ip : "-";

	if (rec->last_used_host[0] != '\0')
		snprintf(out, outlen, "%s on %s", ip, rec->last_used_host);
	else
		snprintf(out, outlen, "%s", ip);
}

static bool list_one(const struct key_record *rec, void *ctx)
{
	struct table *t = ctx;
	char last[ISO_TIME_LEN], created[ISO_TIME_LEN], expires[64];
	char services[SERVICES_MAX * (REQ_SERVICE_MAX + 2) + 8];
	char where[sizeof rec->last_used_ip + sizeof rec->last_used_host + 8];

	if (!key_filter_matches(&t->filter, rec, t->now))
		return true;
	if (t->json) {
		fputs(t->first ? "[" : ",", stdout);
		print_key_json(stdout, rec, NULL);
		t->first = false;
		return true;
	}
	expires_text(rec, t->now, expires, sizeof expires);
	iso_time(rec->created_at, created);
	services_text(rec, services, sizeof services);
	last_where(rec, where, sizeof where);
	const char *const texts[COLUMNS] = {
	    rec->id,
	    rec->user,
	    rec->name,
	    services,
	    time_or_never(rec->last_used_at, last),
	    where,
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

static void parse_list(struct ctl *ctl, int argc, char **argv, struct table *t)
{
	static const struct option options[] = {
	    COMMON_OPTIONS,
	    {"json", no_argument, NULL, 'j'},
	    {"expired", no_argument, NULL, 'E'},
	    {"expiring-within", required_argument, NULL, 'W'},
	    {"unused-for", required_argument, NULL, 'U'},
	    {0}};
	struct key_filter *f = &t->filter;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'j': t->json = true; break;
		case 'E': f->expired = true; break;
		case 'W':
			f->expiring_within =
			    ctl_duration(ctl, "--expiring-within", optarg);
			break;
		case 'U':
			f->unused_for =
			    ctl_duration(ctl, "--unused-for", optarg);
			break;
		default: ctl_common_option(ctl, opt, optarg);
		}
	}
	if (f->expired && f->expiring_within >= 0)
		ctl_usage(ctl, "--expired and --expiring-within exclude each "
			       "other");
}

int ctl_list(struct ctl *ctl, int argc, char **argv)
{
	struct table t = {
	    .now = time(NULL), .first = true, .filter = KEY_FILTER_NONE};
	struct store *s;

	parse_list(ctl, argc, argv, &t);
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
