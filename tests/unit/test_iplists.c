/* SPDX-License-Identifier: BSD-2-Clause */
/* Editing a key's IP lists (ctl/iplists.c): what apikeyctl create and edit
 * do with --allow, --deny, --remove, --disable and --enable. */
#include <stdio.h>
#include <string.h>

#include "iplists.h"
#include "unit.h"

static struct key_record rec;

static bool add(enum ip_list list, const char *text)
{
	char err[256];

	return rules_add(&rec, list, text, err, sizeof err);
}

static bool add_error(enum ip_list list, const char *text, const char *part)
{
	char err[256] = "";

	return !rules_add(&rec, list, text, err, sizeof err) &&
	       strstr(err, part) != NULL;
}

static size_t in_list(enum ip_list list)
{
	size_t n = 0;

	for (size_t i = 0; i < rec.rule_count; i++)
		n += rec.rules[i].list == list;
	return n;
}

static void test_adding(void)
{
	memset(&rec, 0, sizeof rec);
	CHECK("an entry is stored in canonical form, enabled",
	      add(LIST_ALLOW, "192.0.2.7") && rec.rule_count == 1 &&
		  strcmp(rec.rules[0].cidr, "192.0.2.7/32") == 0 &&
		  rec.rules[0].enabled);
	CHECK(
	    "the same entry twice in one list is refused",
	    add_error(LIST_ALLOW, "192.0.2.7/32", "already in the allow list"));
	CHECK("the same entry may stand in the other list",
	      add(LIST_DENY, "192.0.2.7"));
	CHECK("a mapped address is the IPv4 entry (same duplicate)",
	      add_error(LIST_ALLOW, "::ffff:192.0.2.7",
			"already in the allow list"));
	CHECK("a malformed entry is refused with the parser's reason",
	      add_error(LIST_DENY, "10/8", "not an IPv4 or IPv6"));
}

static void test_limits(void)
{
	char text[32];
	bool all = true;

	memset(&rec, 0, sizeof rec);
	for (int i = 0; i < RULES_PER_LIST_MAX; i++) {
		snprintf(text, sizeof text, "10.%d.0.0/16", i);
		all = all && add(LIST_ALLOW, text);
	}
	CHECK("a list takes RULES_PER_LIST_MAX entries",
	      all && in_list(LIST_ALLOW) == RULES_PER_LIST_MAX);
	CHECK("one more is refused, naming the limit",
	      add_error(LIST_ALLOW, "192.0.2.0/24", "the allow list is full"));
	CHECK("the other list keeps its own room",
	      add(LIST_DENY, "192.0.2.0/24"));
}

static void test_changing(void)
{
	char err[256];

	memset(&rec, 0, sizeof rec);
	add(LIST_ALLOW, "192.0.2.0/24");
	add(LIST_DENY, "192.0.2.0/24");
	add(LIST_DENY, "2001:db8::/32");
	CHECK("disable matches after normalisation, in both lists",
	      rules_set_enabled(&rec, "::ffff:192.0.2.0/120", false, err,
				sizeof err) &&
		  !rec.rules[0].enabled && !rec.rules[1].enabled &&
		  rec.rules[2].enabled);
	CHECK("enable switches it back on",
	      rules_set_enabled(&rec, "192.0.2.0/24", true, err, sizeof err) &&
		  rec.rules[0].enabled && rec.rules[1].enabled);
	CHECK("remove takes the entry from both lists and keeps the order",
	      rules_remove(&rec, "192.0.2.0/24", err, sizeof err) &&
		  rec.rule_count == 1 &&
		  strcmp(rec.rules[0].cidr, "2001:db8::/32") == 0);
	CHECK("removing an entry that is not there is an error naming it",
	      !rules_remove(&rec, "198.51.100.0/24", err, sizeof err) &&
		  strstr(err, "198.51.100.0/24 is in neither") != NULL &&
		  rec.rule_count == 1);
	CHECK("enabling an entry that is not there is an error",
	      !rules_set_enabled(&rec, "10.0.0.0/8", true, err, sizeof err));
}

void test_iplists(void)
{
	test_adding();
	test_limits();
	test_changing();
}
