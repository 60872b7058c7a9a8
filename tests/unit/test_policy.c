/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "unit.h"

static struct key_record rec;

static void rules(const char *spec)
{
	/* spec: "+a 192.0.2.0/24, -d 10.0.0.0/8" ('+' enabled, '-' disabled) */
	char copy[512];
	char *save = NULL;

	memset(&rec, 0, sizeof rec);
	snprintf(copy, sizeof copy, "%s", spec);
	for (char *tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		struct ip_rule *r = &rec.rules[rec.rule_count++];
		while (*tok == ' ')
			tok++;
		r->enabled = tok[0] == '+';
		r->list = tok[1] == 'a' ? LIST_ALLOW : LIST_DENY;
		snprintf(r->cidr, sizeof r->cidr, "%s", tok + 3);
	}
}

static bool verdict(const char *rhost, enum ip_verdict want)
{
	return ip_decide(&rec, rhost) == want;
}

static void test_no_lists(void)
{
	rules("");
	CHECK("no lists: numeric rhost allowed",
	      verdict("198.51.100.9", IP_ALLOWED));
	CHECK("no lists: hostname rhost allowed",
	      verdict("host.example", IP_ALLOWED));
	CHECK("no lists: local login allowed",
	      verdict("", IP_ALLOWED) && verdict(NULL, IP_ALLOWED));
}

static void test_deny_only(void)
{
	rules("+d 10.0.0.0/8");
	CHECK("deny list: address in it refused",
	      verdict("10.1.2.3", IP_IN_DENY_LIST));
	CHECK("deny list: other address allowed",
	      verdict("198.51.100.9", IP_ALLOWED));
	CHECK("deny list: hostname refused",
	      verdict("host.example", IP_NOT_NUMERIC));
	CHECK("deny list: a login without a remote address is refused",
	      verdict("", IP_NO_RHOST) && verdict(NULL, IP_NO_RHOST));
	rules("+d 0.0.0.0/0, +d ::/0");
	CHECK("deny 0.0.0.0/0 and ::/0 refuses IPv4, IPv6 and mapped",
	      verdict("192.0.2.1", IP_IN_DENY_LIST) &&
		  verdict("2001:db8::1", IP_IN_DENY_LIST) &&
		  verdict("::ffff:192.0.2.1", IP_IN_DENY_LIST));
	CHECK("deny 0.0.0.0/0 and ::/0 refuses host names and no address",
	      verdict("host.example", IP_NOT_NUMERIC) &&
		  verdict("", IP_NO_RHOST));
	CHECK("deny list: mapped address in it refused",
	      verdict("::ffff:10.9.9.9", IP_IN_DENY_LIST));
}

static void test_allow_lists(void)
{
	rules("+a 192.0.2.0/24");
	CHECK("allow list: address in it allowed",
	      verdict("192.0.2.5", IP_ALLOWED));
	CHECK("allow list: other address refused",
	      verdict("198.51.100.9", IP_NOT_IN_ALLOW_LIST));
	CHECK("allow list: hostname refused",
	      verdict("host.example", IP_NOT_NUMERIC));
	CHECK("allow list: garbage rhost refused",
	      verdict("1.2.3", IP_NOT_NUMERIC));
	CHECK("allow list: local login refused",
	      verdict("", IP_NO_RHOST) && verdict(NULL, IP_NO_RHOST));
	CHECK("allow list: IPv4-mapped rhost matches",
	      verdict("::ffff:192.0.2.5", IP_ALLOWED));
	rules("+a 192.0.2.0/24, +d 192.0.2.0/25");
	CHECK("deny list ignored when allow matches",
	      verdict("192.0.2.5", IP_ALLOWED));
	CHECK("allow list refuses what neither list has",
	      verdict("203.0.113.1", IP_NOT_IN_ALLOW_LIST));
	rules("+a 2001:db8::/32");
	CHECK("IPv6 allow list: address in it allowed",
	      verdict("[2001:db8::5]", IP_ALLOWED));
	CHECK("IPv6 allow list: ::1 refused",
	      verdict("::1", IP_NOT_IN_ALLOW_LIST));
	CHECK("IPv6 allow list: IPv4 address refused",
	      verdict("192.0.2.5", IP_NOT_IN_ALLOW_LIST));
}

static void test_disabled_entries(void)
{
	rules("-a 192.0.2.0/24");
	CHECK("disabled allow entry is ignored",
	      verdict("198.51.100.9", IP_ALLOWED) && verdict("", IP_ALLOWED) &&
		  verdict("host.example", IP_ALLOWED));
	rules("-d 10.0.0.0/8");
	CHECK("disabled deny entry is ignored",
	      verdict("10.1.2.3", IP_ALLOWED));
	rules("-a 10.0.0.0/8, +a 192.0.2.0/24");
	CHECK("disabled allow entry does not admit its addresses",
	      verdict("10.1.2.3", IP_NOT_IN_ALLOW_LIST));
}

static void test_damaged_and_expiry(void)
{
	rules("+d 1.2.3");
	CHECK("damaged stored entry fails closed",
	      verdict("198.51.100.9", IP_BAD_RULE));
	rules("+a 192.0.2.0/24, -d 10.1.2.3/8");
	CHECK("a damaged entry fails closed even when disabled",
	      verdict("192.0.2.1", IP_BAD_RULE) && verdict("", IP_BAD_RULE));
	memset(&rec, 0, sizeof rec);
	rec.expires_at = 1000;
	CHECK("key is valid until its expiry instant", !key_expired(&rec, 999));
	CHECK("key is expired at its expiry instant", key_expired(&rec, 1000));
	rec.expires_at = 0;
	CHECK("key without expiry never expires",
	      !key_expired(&rec, 4000000000));
}

void test_policy(void)
{
	test_no_lists();
	test_deny_only();
	test_allow_lists();
	test_disabled_entries();
	test_damaged_and_expiry();
}
