#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "cidr.h"
#include "unit.h"

static bool canon_is(const char *in, const char *want)
{
	char out[CIDR_TEXT_MAX], err[256];

	return cidr_canonical(in, out, sizeof out, err, sizeof err) &&
	       strcmp(out, want) == 0;
}

static bool refused(const char *in, const char *err_part)
{
	char out[CIDR_TEXT_MAX], err[256] = "";

	return !cidr_canonical(in, out, sizeof out, err, sizeof err) &&
	       strstr(err, err_part) != NULL;
}

static void test_canonical(void)
{
	CHECK("IPv4 block is kept", canon_is("192.0.2.0/24", "192.0.2.0/24"));
	CHECK("bare IPv4 address means /32",
	      canon_is("192.0.2.7", "192.0.2.7/32"));
	CHECK("IPv6 block is kept", canon_is("2001:db8::/32", "2001:db8::/32"));
	CHECK("IPv6 is written in its canonical form",
	      canon_is("2001:DB8:0:0::1", "2001:db8::1/128"));
	CHECK("IPv4-mapped block becomes IPv4",
	      canon_is("::ffff:192.0.2.0/120", "192.0.2.0/24"));
	CHECK("IPv4-mapped address becomes IPv4",
	      canon_is("::ffff:192.0.2.7", "192.0.2.7/32"));
	CHECK("0.0.0.0/0 is accepted", canon_is("0.0.0.0/0", "0.0.0.0/0"));
	CHECK("::/0 is accepted", canon_is("::/0", "::/0"));
}

/* Each libcidr leniency named in DESIGN.md, and more. */
static void test_strictness(void)
{
	const char *bad[] = {"1.2.3",	    "10/8",	    "010.1.1.1",
			     "10.0.0.0/",   "10.0.0.0/abc", "x1.2.3.4",
			     "1.2.3.4.5",   "1.2.3.4/33",   "::1/129",
			     "1.2.3.4/08",  "1.2.3.4/+8",   "1.2.3.4/-1",
			     " 1.2.3.4",    "1.2.3.4 ",	    "",
			     "/8",	    "host.example", "fe80::1%eth0",
			     "1.2.3.4/8/8", "256.1.1.1",    "1.2.3.4/ 8",
			     "0x7f.0.0.1",  "1.2.3.4/1000"};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char name[128];
		snprintf(name, sizeof name, "strict parser refuses '%s'",
			 bad[i]);
		CHECK(name, refused(bad[i], "'"));
	}
	CHECK("block with host bits is refused with the right block as hint",
	      refused("10.1.2.3/8", "did you mean 10.0.0.0/8?"));
	CHECK("IPv6 block with host bits is refused with a hint",
	      refused("2001:db8::1/32", "did you mean 2001:db8::/32?"));
}

static bool contains(const char *block, const char *rhost)
{
	struct ip_addr addr;

	return rhost_address(rhost, &addr) &&
	       cidr_contains_addr(block, &addr) == 1;
}

static void test_matching(void)
{
	struct ip_addr addr;

	CHECK("block contains an address inside it",
	      contains("192.0.2.0/24", "192.0.2.7"));
	CHECK("block does not contain an address outside it",
	      !contains("192.0.2.0/24", "192.0.3.1"));
	CHECK("IPv4-mapped rhost matches the IPv4 block",
	      contains("192.0.2.0/24", "::ffff:192.0.2.7"));
	CHECK("0.0.0.0/0 does not contain ::1", !contains("0.0.0.0/0", "::1"));
	CHECK("::/0 contains ::1", contains("::/0", "::1"));
	CHECK("::/0 does not contain an IPv4 address",
	      !contains("::/0", "192.0.2.7"));
	CHECK("IPv6 block contains an address inside it",
	      contains("2001:db8::/32", "2001:db8:ffff::1"));
	CHECK("bracketed IPv6 rhost is read", contains("::1/128", "[::1]"));
	CHECK("IPv6 zone is stripped", contains("fe80::/10", "fe80::1%eth0"));
	CHECK("/32 matches only its address",
	      contains("192.0.2.7/32", "192.0.2.7") &&
		  !contains("192.0.2.7/32", "192.0.2.8"));
	CHECK("hostname rhost is not an address",
	      !rhost_address("localhost", &addr));
	CHECK("short dotted rhost is not an address",
	      !rhost_address("1.2.3", &addr));
	CHECK("empty rhost is not an address", !rhost_address("", &addr));
	CHECK("octal-looking rhost is not an address",
	      !rhost_address("010.1.1.1", &addr));
	CHECK("a stored entry that is not canonical is reported as damaged",
	      rhost_address("1.2.0.3", &addr) &&
		  cidr_contains_addr("1.2.3", &addr) == -1 &&
		  cidr_contains_addr("10.1.2.3/8", &addr) == -1);
}

void test_cidr(void)
{
	test_canonical();
	test_strictness();
	test_matching();
}
