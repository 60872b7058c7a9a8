/* SPDX-License-Identifier: BSD-2-Clause */
/* The site policy's parser (every setting, every error names its line),
 * the defaults that follow from it, and its rules on a key. */
#include <stdio.h>
#include <string.h>

#include "filter.h"
#include "iplists.h"
#include "sitepolicy.h"
#include "unit.h"

#define NOW ((time_t)1800000000)
#define DAY 86400LL

static struct site_policy p;
static char err[600];

static bool parse(const char *text)
{
	err[0] = '\0';
	return policy_parse(text, strlen(text), "/etc/p.conf", &p, err,
			    sizeof err);
}

static bool error_is(const char *text, const char *want)
{
	return !parse(text) && strcmp(err, want) == 0;
}

static void test_settings(void)
{
	CHECK("an empty policy is the defaults (90 days, never allowed)",
	      parse("") && p.present && p.default_lifetime == 90 * DAY &&
		  p.never_expire_allowed && p.max_lifetime == 0 &&
		  p.max_keys_per_user == 0 && !p.require_allow_list &&
		  !p.require_service);
	CHECK("every setting, with comments, blanks and spaces",
	      parse("# site policy\n\n  max_lifetime = 90d\n"
		    "default_lifetime=30d\t\nnever_expire = deny\n"
		    "require_allow_list = yes\nmax_keys_per_user = 5\n"
		    "require_service = yes") &&
		  p.max_lifetime == 90 * DAY &&
		  p.default_lifetime == 30 * DAY && !p.never_expire_allowed &&
		  p.require_allow_list && p.max_keys_per_user == 5 &&
		  p.require_service && strcmp(p.max_lifetime_text, "90d") == 0);
	CHECK("max_lifetime alone forbids never-expiring keys",
	      parse("max_lifetime = 1w\n") && !p.never_expire_allowed);
	CHECK("... and caps the default lifetime at itself",
	      p.default_lifetime == 7 * DAY);
	CHECK("a longer max_lifetime keeps the 90-day default",
	      parse("max_lifetime = 52w\n") && p.default_lifetime == 90 * DAY);
	CHECK("never_expire = deny alone", parse("never_expire = deny\n") &&
					       !p.never_expire_allowed &&
					       p.max_lifetime == 0);
}

static void test_errors(void)
{
	CHECK("an unknown setting is named with its line",
	      error_is("max_lifetime = 9d\nmax_lifetim = 9d\n",
		       "/etc/p.conf:2: unknown setting 'max_lifetim'"));
	CHECK("a bad duration names the line, the value and what is wanted",
	      error_is("max_lifetime = 90 days\n",
		       "/etc/p.conf:1: bad value '90 days' for max_lifetime "
		       "(want N with s, m, h, d or w)"));
	CHECK("a zero lifetime is refused",
	      error_is("default_lifetime = 0\n",
		       "/etc/p.conf:1: bad value '0' for default_lifetime "
		       "(want N with s, m, h, d or w)"));
	CHECK("yes/no settings take only yes or no",
	      error_is("require_service = true\n",
		       "/etc/p.conf:1: bad value 'true' for require_service "
		       "(want yes or no)"));
	CHECK("never_expire takes only allow or deny",
	      error_is("never_expire = no\n",
		       "/etc/p.conf:1: bad value 'no' for never_expire (want "
		       "allow or deny)"));
	CHECK("max_keys_per_user: 0 is refused",
	      error_is("max_keys_per_user = 0\n",
		       "/etc/p.conf:1: bad value '0' for max_keys_per_user "
		       "(want 1 to 100000)"));
	CHECK("max_keys_per_user: signs, spaces and huge numbers are refused",
	      !parse("max_keys_per_user = +5\n") &&
		  !parse("max_keys_per_user = 5 5\n") &&
		  !parse("max_keys_per_user = 100001\n") &&
		  !parse("max_keys_per_user = 99999999999999999999\n"));
	CHECK("an empty value is refused",
	      error_is("require_service =\n",
		       "/etc/p.conf:1: bad value '' for require_service (want "
		       "yes or no)"));
	CHECK("a setting given twice names both lines",
	      error_is("require_service = yes\n\nrequire_service = no\n",
		       "/etc/p.conf:3: require_service is set again (first "
		       "on line 1)"));
	CHECK("a line without '=' is refused",
	      error_is("require_service\n",
		       "/etc/p.conf:1: not 'setting = value'"));
	CHECK("a comment after a value is part of the value, so refused",
	      !parse("require_service = yes # on\n"));
	CHECK("a carriage return (a file from Windows) is refused",
	      error_is("require_service = yes\r\n",
		       "/etc/p.conf:1: control character or non-ASCII byte in "
		       "the line"));
	CHECK("a non-ASCII byte in a setting is refused (a no-break space)",
	      !parse("require_service =\xc2\xa0yes\n"));
	CHECK("... but a comment may hold UTF-8 text",
	      parse("# Richtlinie für Schlüssel\nrequire_service = yes\n") &&
		  p.require_service);
	CHECK("a NUL byte is refused",
	      !policy_parse("never_expire = deny\0x\n", 22, "/etc/p.conf", &p,
			    err, sizeof err));
	char longline[400];
	memset(longline, '#', sizeof longline - 1);
	longline[sizeof longline - 1] = '\0';
	CHECK("a line over 255 bytes is refused",
	      error_is(longline, "/etc/p.conf:1: line longer than 255 bytes"));
	CHECK("never_expire = allow contradicts max_lifetime",
	      error_is("max_lifetime = 30d\nnever_expire = allow\n",
		       "/etc/p.conf:2: never_expire = allow contradicts "
		       "max_lifetime (line 1): a key that never expires "
		       "outlives any maximum"));
	CHECK("a default longer than the maximum is refused",
	      error_is("default_lifetime = 60d\nmax_lifetime = 30d\n",
		       "/etc/p.conf:1: default_lifetime is longer than "
		       "max_lifetime (line 2)"));
}

static void count_breach(const char *breach, void *ctx)
{
	(*(int *)ctx)++;
	(void)breach;
}

static void test_rules(void)
{
	static struct key_record rec;
	int n = 0;

	parse("max_lifetime = 30d\nrequire_allow_list = yes\n"
	      "require_service = yes\n");
	memset(&rec, 0, sizeof rec);
	rec.expires_at = NOW + 30 * DAY;
	CHECK("a key at the maximum, with no allow list, no scope: two rules",
	      policy_breaches(&p, &rec, NOW, POLICY_ALL, count_breach, &n) ==
		      2 &&
		  n == 2);
	CHECK("the first broken rule is named, with the file",
	      !policy_permits(&p, &rec, NOW, POLICY_ALL, err, sizeof err) &&
		  strcmp(err, "refused by the policy in /etc/p.conf: no "
			      "enabled allow entry (require_allow_list = "
			      "yes)") == 0);
	CHECK("only the areas asked about are held to the rules",
	      policy_permits(&p, &rec, NOW, POLICY_EXPIRY, err, sizeof err));
	rec.expires_at = NOW + 30 * DAY + 1;
	CHECK("one second past the maximum is refused, saying when",
	      !policy_permits(&p, &rec, NOW, POLICY_EXPIRY, err, sizeof err) &&
		  strstr(err, "later than max_lifetime = 30d from now") !=
		      NULL);
	rec.expires_at = 0;
	CHECK("never expiring is refused under a maximum",
	      !policy_permits(&p, &rec, NOW, POLICY_EXPIRY, err, sizeof err) &&
		  strstr(err, "never expires (max_lifetime = 30d)") != NULL);
	rules_add(&rec, LIST_ALLOW, "192.0.2.0/24", err, sizeof err);
	rules_set_enabled(&rec, "192.0.2.0/24", false, err, sizeof err);
	CHECK(
	    "a disabled allow entry is no allow list",
	    !policy_permits(&p, &rec, NOW, POLICY_ALLOW_LIST, err, sizeof err));
	rules_set_enabled(&rec, "192.0.2.0/24", true, err, sizeof err);
	CHECK(
	    "an enabled one is",
	    policy_permits(&p, &rec, NOW, POLICY_ALLOW_LIST, err, sizeof err));
	CHECK("rotation caps a successor's lifetime at the maximum",
	      policy_cap_expiry(&p, NOW, NOW + 90 * DAY) == NOW + 30 * DAY &&
		  policy_cap_expiry(&p, NOW, NOW + 10 * DAY) == NOW + 10 * DAY);
	CHECK("... and gives a never-expiring key's successor the default",
	      policy_cap_expiry(&p, NOW, 0) == NOW + 30 * DAY);
	parse("");
	CHECK("without a policy a never-expiring successor stays so",
	      policy_cap_expiry(&p, NOW, 0) == 0);
}

static void test_filters(void)
{
	static struct key_record rec;
	struct key_filter f = KEY_FILTER_NONE;

	memset(&rec, 0, sizeof rec);
	rec.created_at = NOW - 100 * DAY;
	rec.expires_at = NOW + 5 * DAY;
	CHECK("no filter matches every key", key_filter_matches(&f, &rec, NOW));
	f.expiring_within = 5 * DAY;
	CHECK("--expiring-within 5d: a key expiring in 5 days",
	      key_filter_matches(&f, &rec, NOW));
	f.expiring_within = 5 * DAY - 1;
	CHECK("... not within a second less",
	      !key_filter_matches(&f, &rec, NOW));
	f.expiring_within = -1;
	f.unused_for = 100 * DAY;
	CHECK("--unused-for counts a never-used key from its creation",
	      key_filter_matches(&f, &rec, NOW));
	rec.last_used_at = NOW - DAY;
	CHECK("... and a used one from its last login",
	      !key_filter_matches(&f, &rec, NOW));
	f.unused_for = -1;
	f.expired = true;
	CHECK("--expired: not a live key", !key_filter_matches(&f, &rec, NOW));
	rec.expires_at = NOW - 3 * DAY;
	CHECK("--expired: a key past its expiry",
	      key_filter_matches(&f, &rec, NOW));
	f.expired = false;
	f.expired_for = 3 * DAY;
	CHECK("--expired-for 3d: expired exactly 3 days ago",
	      key_filter_matches(&f, &rec, NOW));
	f.expired_for = 4 * DAY;
	CHECK("... not for 4", !key_filter_matches(&f, &rec, NOW));
	rec.expires_at = 0;
	f.expired_for = 0;
	CHECK("a key that never expires never matches --expired-for",
	      !key_filter_matches(&f, &rec, NOW));
}

void test_sitepolicy(void)
{
	test_settings();
	test_errors();
	test_rules();
	test_filters();
}
