/* SPDX-License-Identifier: BSD-2-Clause */
/* apikeyctl show: one key in full, as text or JSON. */
#include <stdio.h>

#include "ctl.h"
#include "iplists.h"
#include "json.h"
#include "services.h"
#include "when.h"

#define DAY 86400

/* "never", "N days", or "expired N days ago" */
void expires_text(const struct key_record *rec, time_t now, char *out,
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
const char *time_or_never(time_t t, char out[ISO_TIME_LEN])
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
	char services[SERVICES_MAX * (REQ_SERVICE_MAX + 2) + 8];

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
	if (rec->last_used_at != 0 && rec->last_used_host[0] != '\0')
		fprintf(out, "%-14s%s\n", "Last host:", rec->last_used_host);
	fprintf(out, "%-14s%lld\n", "Use count:", rec->use_count);
	text_last(out, "Last denied:", rec->last_denied_at, rec->last_denied_ip,
		  rec->last_denied_reason);
	if (rec->rotated_to[0] != '\0')
		fprintf(out, "%-14s%s (successor)\n",
			"Rotated to:", rec->rotated_to);
	if (rec->rotated_from[0] != '\0')
		fprintf(out, "%-14s%s (predecessor)\n",
			"Rotated from:", rec->rotated_from);
	services_text(rec, services, sizeof services);
	fprintf(out, "%-14s%s\n", "Services:", services);
	text_rules(out, rec, LIST_ALLOW, "Allow list:");
	text_rules(out, rec, LIST_DENY, "Deny list:");
	if (rec->central)
		fprintf(out, "%-14s%s\n", "Origin:",
			"the central store (apikey-sync mirrors it; change "
			"it with apikeyctl --central)");
	if (rec->host_group_count > 0) {
		char groups[HOST_GROUPS_MAX * (HOST_GROUP_MAX_LEN + 2) + 16];

		host_groups_text(rec, groups, sizeof groups);
		fprintf(out, "%-14s%s\n", "Host groups:", groups);
	}
}

int ctl_show(struct ctl *ctl, int argc, char **argv)
{
	static struct key_record rec;
	bool json = ctl_json_options(ctl, argc, argv);
	struct store *s;
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
