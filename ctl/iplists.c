/* SPDX-License-Identifier: BSD-2-Clause */
#include "iplists.h"

#include <stdio.h>
#include <string.h>

const char *list_name(enum ip_list list)
{
	return list == LIST_ALLOW ? "allow" : "deny";
}

bool rules_add(struct key_record *rec, enum ip_list list, const char *text,
	       char *err, size_t errlen)
{
	char canon[CIDR_TEXT_MAX];
	struct ip_rule *rule;
	size_t in_list = 0;

	if (!cidr_canonical(text, canon, sizeof canon, err, errlen))
		return false;
	for (size_t i = 0; i < rec->rule_count; i++) {
		if (rec->rules[i].list != list)
			continue;
		in_list++;
		if (strcmp(rec->rules[i].cidr, canon) == 0) {
			snprintf(err, errlen, "%s is already in the %s list",
				 canon, list_name(list));
			return false;
		}
	}
	if (in_list >= RULES_PER_LIST_MAX) {
		snprintf(err, errlen,
			 "the %s list is full (at most %d entries; use wider "
			 "blocks)",
			 list_name(list), RULES_PER_LIST_MAX);
		return false;
	}
	rule = &rec->rules[rec->rule_count++];
	rule->list = list;
	rule->enabled = true;
	snprintf(rule->cidr, sizeof rule->cidr, "%s", canon);
	return true;
}

static bool no_such_entry(const char *canon, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s is in neither the allow nor the deny list",
		 canon);
	return false;
}

bool rules_remove(struct key_record *rec, const char *text, char *err,
		  size_t errlen)
{
	char canon[CIDR_TEXT_MAX];
	size_t kept = 0;

	if (!cidr_canonical(text, canon, sizeof canon, err, errlen))
		return false;
	for (size_t i = 0; i < rec->rule_count; i++)
		if (strcmp(rec->rules[i].cidr, canon) != 0)
			rec->rules[kept++] = rec->rules[i];
	if (kept == rec->rule_count)
		return no_such_entry(canon, err, errlen);
	rec->rule_count = kept;
	return true;
}

bool rules_set_enabled(struct key_record *rec, const char *text, bool enabled,
		       char *err, size_t errlen)
{
	char canon[CIDR_TEXT_MAX];
	bool found = false;

	if (!cidr_canonical(text, canon, sizeof canon, err, errlen))
		return false;
	for (size_t i = 0; i < rec->rule_count; i++) {
		if (strcmp(rec->rules[i].cidr, canon) == 0) {
			rec->rules[i].enabled = enabled;
			found = true;
		}
	}
	return found || no_such_entry(canon, err, errlen);
}
