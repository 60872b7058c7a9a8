/* SPDX-License-Identifier: BSD-2-Clause */
#include "json.h"

#include "iplists.h"
#include "when.h"

void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		case '\b': fputs("\\b", out); break;
		case '\f': fputs("\\f", out); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

void json_string_or_null(FILE *out, const char *s)
{
	if (s[0] == '\0')
		fputs("null", out);
	else
		json_string(out, s);
}

void json_time(FILE *out, time_t t)
{
	char iso[ISO_TIME_LEN];

	if (t == 0) {
		fputs("null", out);
		return;
	}
	iso_time(t, iso);
	json_string(out, iso);
}

/* ---- a key's record -------------------------------------------------- */

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

/* An array of names (count entries of width bytes). */
static void json_names(FILE *out, const char *names, size_t count, size_t width)
{
	fputc('[', out);
	for (size_t i = 0; i < count; i++) {
		if (i > 0)
			fputc(',', out);
		json_string(out, names + i * width);
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
	json_field(out, "services");
	json_names(out, rec->services[0], rec->service_count,
		   sizeof rec->services[0]);
	json_field(out, "origin");
	json_string(out, rec->central ? "central" : "local");
	json_field(out, "host_groups");
	json_names(out, rec->host_groups[0], rec->host_group_count,
		   sizeof rec->host_groups[0]);
	json_field(out, "last_used_host");
	json_string_or_null(out, rec->last_used_host);
	if (key != NULL) {
		json_field(out, "key");
		json_string(out, key);
	}
	fputc('}', out);
}
