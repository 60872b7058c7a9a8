/* SPDX-License-Identifier: BSD-2-Clause */
#include <arpa/inet.h>
#include <libcidr.h>
#include <sodium.h>
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

static bool contains(const char *text, const char *rhost)
{
	struct ip_addr addr;
	struct ip_block block;

	return rhost_address(rhost, &addr) && cidr_block_parse(text, &block) &&
	       cidr_block_contains(&block, &addr);
}

static CIDR *libcidr_host(const struct ip_addr *addr)
{
	struct in_addr v4;
	struct in6_addr v6;

	if (addr->family == AF_INET) {
		memcpy(&v4, addr->bytes, sizeof v4);
		return cidr_from_inaddr(&v4);
	}
	memcpy(&v6, addr->bytes, sizeof v6);
	return cidr_from_in6addr(&v6);
}

/* libcidr's own answer, end to end: the block made by widening its
 * network address one bit at a time, then cidr_contains (0: contained). */
static bool libcidr_contains(const struct ip_block *b, const struct ip_addr *a)
{
	CIDR *block = libcidr_host(&b->net), *host = libcidr_host(a);
	bool inside;

	for (int len = b->net.family == AF_INET ? 32 : 128; len > b->prefix;
	     len--) {
		CIDR *wider = cidr_net_supernet(block);
		cidr_free(block);
		block = wider;
	}
	inside =
	    block != NULL && host != NULL && cidr_contains(block, host) == 0;
	cidr_free(block);
	cidr_free(host);
	return inside;
}

/* A random block (through the strict parser) and an address near it. */
static bool random_case(struct ip_block *block, struct ip_addr *addr)
{
	char text[CIDR_TEXT_MAX], canon[CIDR_TEXT_MAX], err[128];
	struct ip_addr a = {.family =
				randombytes_uniform(2) ? AF_INET : AF_INET6};
	int max = a.family == AF_INET ? 32 : 128;
	int prefix = (int)randombytes_uniform((uint32_t)max + 1);
	char host[INET6_ADDRSTRLEN];

	randombytes_buf(a.bytes, a.family == AF_INET ? 4 : 16);
	*addr = a;
	/* flip one random bit: inside the block or out, by its position */
	addr->bytes[randombytes_uniform(a.family == AF_INET ? 4 : 16)] ^=
	    (unsigned char)(1u << randombytes_uniform(8));
	inet_ntop(a.family, a.bytes, host, sizeof host);
	snprintf(text, sizeof text, "%s/%d", host, prefix);
	if (!cidr_canonical(text, canon, sizeof canon, err, sizeof err)) {
		/* host bits set: take the hint's block */
		const char *hint = strstr(err, "did you mean ");
		if (hint == NULL)
			return false;
		snprintf(canon, sizeof canon, "%s", hint + 13);
		canon[strcspn(canon, "?")] = '\0';
	}
	return cidr_block_parse(canon, block);
}

static void test_against_libcidr(void)
{
	int agree = 0, inside = 0, rounds = 20000;

	for (int i = 0; i < rounds; i++) {
		struct ip_block block;
		struct ip_addr addr;

		if (!random_case(&block, &addr))
			break;
		bool ours = cidr_block_contains(&block, &addr);
		agree += ours == libcidr_contains(&block, &addr);
		inside += ours;
	}
	CHECK("matching agrees with libcidr's cidr_contains on 20000 random "
	      "blocks and addresses",
	      agree == rounds);
	CHECK("the random cases hold addresses both inside and outside",
	      inside > rounds / 10 && inside < rounds - rounds / 10);
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
	struct ip_block block;
	CHECK("a stored entry that does not parse strictly is damaged",
	      !cidr_block_parse("1.2.3", &block));
	CHECK("a stored entry with host bits set is damaged",
	      !cidr_block_parse("10.1.2.3/8", &block) &&
		  !cidr_block_parse("2001:db8::1/32", &block));
	CHECK("a stored entry with trailing junk is damaged",
	      !cidr_block_parse("10.0.0.0/8x", &block) &&
		  !cidr_block_parse("10.0.0.0/08", &block));
}

void test_cidr(void)
{
	test_canonical();
	test_strictness();
	test_matching();
	test_against_libcidr();
}
