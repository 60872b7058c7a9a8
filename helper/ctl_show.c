/* apikeyctl list and show: tables, text and JSON. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "json.h"
#include "rules.h"
#include "when.h"

#define DAY 86400

/* ---- JSON -------------------------------------------------------------- */

static void json_rules(FILE *out, const struct key_record *rec,
		       enum ip_list list)
{
	bool first = true;

	fputc('[', out);
	for (size_t i = 0; i < rec->rule_count; i++) {
		if (rec->rules[i].list != list)
			continue;
		fprintf(out, "%s{\"cidr\":", first ? "" : ",");
		json_string(out, rec->rules[i].cidr);
		fprintf(out, ",\"enabled\":%s}",
			rec->rules[i].enabled ? "true" : "false");
		first = false;
	}
	fputc(']', out);
}

static void json_field(FILE *out, const char *name)
{
	fprintf(out, ",\"%s\":", name);
}

void print_key_json(FILE *out, const struct key_record *rec, const char *key)
{
	fputs("{\"id\":", out);
	json_string(out, rec->id);
	json_field(out, "user");
	json_string(out, rec->user);
	fprintf(out, ",\"uid\":%lld", rec->uid);
	json_field(out, "name");
	json_string(out, rec->name);
	json_field(out, "description");
	json_string(out, rec->description);
	json_field(out, "created_at");
	json_time(out, rec->created_at);
	json_field(out, "expires_at");
	json_time(out, rec->expires_at);
	json_field(out, "last_used_at");
	json_time(out, rec->last_used_at);
	json_field(out, "last_used_ip");
	json_string_or_null(out, rec->last_used_ip);
	fprintf(out, ",\"use_count\":%lld", rec->use_count);
	json_field(out, "last_denied_at");
	json_time(out, rec->last_denied_at);
	json_field(out, "last_denied_ip");
	json_string_or_null(out, rec->last_denied_ip);
	json_field(out, "last_denied_reason");
	json_string_or_null(out, rec->last_denied_reason);
	json_field(out, "rotated_to");
	json_string_or_null(out, rec->rotated_to);
	json_field(out, "rotated_from");
	json_string_or_null(out, rec->rotated_from);
	json_field(out, "allow");
	json_rules(out, rec, LIST_ALLOW);
	json_field(out, "deny");
	json_rules(out, rec, LIST_DENY);
	if (key != NULL) {
		json_field(out, "key");
		json_string(out, key);
	}
	fputc('}', out);
}

/* ---- text -------------------------------------------------------------- */

/* "never", "N days", or "expired N days ago" */
static void expires_text(const struct key_record *rec, time_t now, char *out,
			 size_t outlen)
{
	long long days;

	if (rec->expires_at == 0) {
		snprintf(out, outlen, "never");
	} else if (rec->expires_at > now) {
		days = (rec->expires_at - now + DAY - 1) / DAY;
		snprintf(out, outlen, "%lld day%s", days, days == 1 ? "" : "s");
	} else {
		days = (now - rec->expires_at) / DAY;
		if (days == 0)
			snprintf(out, outlen, "expired today");
		else
			snprintf(out, outlen, "expired %lld day%s ago", days,
				 days == 1 ? "" : "s");
	}
}

/* ISO time, or "never" for 0 */
static const char *time_or_never(time_t t, char out[ISO_TIME_LEN])
{
	if (t == 0)
		return "never";
	iso_time(t, out);
	return out;
}

static void text_rules(FILE *out, const struct key_record *rec,
		       enum ip_list list, const char *label)
{
	bool any = false;

	for (size_t i = 0; i < rec->rule_count; i++) {
		const struct ip_rule *rule = &rec->rules[i];

		if (rule->list != list)
			continue;
		fprintf(out, "%-14s%-44s %s\n", any ? "" : label, rule->cidr,
			rule->enabled ? "enabled" : "disabled");
		any = true;
	}
	if (!any)
		fprintf(out, "%-14s(none)\n", label);
}

/* Continuation lines of a multi-line description are indented. */
static void text_description(FILE *out, const char *description)
{
	fprintf(out, "%-14s", "Description:");
	for (const char *p = description; *p; p++) {
		fputc(*p, out);
		if (*p == '\n')
			fprintf(out, "%-14s", "");
	}
	fputc('\n', out);
}

static void text_last(FILE *out, const char *label, time_t at, const char *ip,
		      const char *reason)
{
	char iso[ISO_TIME_LEN];

	fprintf(out, "%-14s%s", label, time_or_never(at, iso));
	if (at != 0)
		fprintf(out, " from %s", ip[0] != '\0' ? ip : "(local)");
	if (at != 0 && reason != NULL)
		fprintf(out, ": %s", reason);
	fputc('\n', out);
}

void print_key_text(FILE *out, const struct key_record *rec, time_t now)
{
	char iso[ISO_TIME_LEN], expires[64];

	expires_text(rec, now, expires, sizeof expires);
	fprintf(out, "%-14s%s\n", "ID:", rec->id);
	fprintf(out, "%-14s%s (uid %lld)\n", "User:", rec->user, rec->uid);
	fprintf(out, "%-14s%s\n", "Name:", rec->name);
	text_description(out, rec->description);
	fprintf(out, "%-14s%s\n",
		"Created:", time_or_never(rec->created_at, iso));
	fprintf(out, "%-14s%s",
		"Expires:", time_or_never(rec->expires_at, iso));
	fprintf(out, rec->expires_at != 0 ? " (%s)\n" : "\n", expires);
	text_last(out, "Last login:", rec->last_used_at, rec->last_used_ip,
		  NULL);
	fprintf(out, "%-14s%lld\n", "Use count:", rec->use_count);
	text_last(out, "Last denied:", rec->last_denied_at, rec->last_denied_ip,
		  rec->last_denied_reason);
	if (rec->rotated_to[0] != '\0')
		fprintf(out, "%-14s%s (successor)\n",
			"Rotated to:", rec->rotated_to);
	if (rec->rotated_from[0] != '\0')
		fprintf(out, "%-14s%s (predecessor)\n",
			"Rotated from:", rec->rotated_from);
	text_rules(out, rec, LIST_ALLOW, "Allow list:");
	text_rules(out, rec, LIST_DENY, "Deny list:");
}

/* ---- list -------------------------------------------------------------- */

struct row {
	char *cells[7];
};

struct table {
	struct row *rows;
	size_t count, cap;
	size_t width[7];
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

static void add_row(struct table *t, const char *const texts[7])
{
	if (t->count == t->cap) {
		t->cap = t->cap != 0 ? t->cap * 2 : 64;
		t->rows = reallocarray(t->rows, t->cap, sizeof *t->rows);
		if (t->rows == NULL)
			err(EXIT_REFUSED, "out of memory");
	}
	for (size_t i = 0; i < 7; i++) {
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

	if (t->json) {
		fputs(t->first ? "[" : ",", stdout);
		print_key_json(stdout, rec, NULL);
		t->first = false;
		return true;
	}
	expires_text(rec, t->now, expires, sizeof expires);
	iso_time(rec->created_at, created);
	const char *const texts[7] = {
	    rec->id,
	    rec->user,
	    rec->name,
	    time_or_never(rec->last_used_at, last),
	    rec->last_used_ip[0] != '\0' ? rec->last_used_ip : "-",
	    expires,
	    created};
	add_row(t, texts);
	return true;
}

static void print_table(struct table *t)
{
	static const char *const header[7] = {
	    "ID",      "USER",	  "NAME",   "LAST LOGIN",
	    "LAST IP", "EXPIRES", "CREATED"};

	for (size_t i = 0; i < 7; i++)
		if (strlen(header[i]) > t->width[i])
			t->width[i] = strlen(header[i]);
	for (size_t r = 0; r <= t->count; r++) {
		const char *const *cells =
		    r == 0 ? header : (const char *const *)t->rows[r - 1].cells;
		for (size_t i = 0; i < 6; i++)
			printf("%-*s  ", (int)t->width[i], cells[i]);
		printf("%s\n", cells[6]);
	}
	for (size_t r = 0; r < t->count; r++)
		for (size_t i = 0; i < 7; i++)
			free(t->rows[r].cells[i]);
	free(t->rows);
}

int ctl_list(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
	    COMMON_OPTIONS, {"json", no_argument, NULL, 'j'}, {0}};
	struct table t = {.now = time(NULL), .first = true};
	struct store *s;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (opt == 'j')
			t.json = true;
		else
			ctl_common_option(ctl, opt, optarg);
	}
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

int ctl_show(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
	    COMMON_OPTIONS, {"json", no_argument, NULL, 'j'}, {0}};
	static struct key_record rec;
	bool json = false;
	struct store *s;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (opt == 'j')
			json = true;
		else
			ctl_common_option(ctl, opt, optarg);
	}
	if (argc - optind != 1)
		ctl_usage(ctl, "give exactly one REF");
	s = ctl_open_store(ctl, STORE_READ);
	ctl_find(ctl, s, argv[optind], &rec);
	store_close(s);
	if (json) {
		print_key_json(stdout, &rec, NULL);
		fputc('\n', stdout);
	} else {
		print_key_text(stdout, &rec, time(NULL));
	}
	return 0;
}
