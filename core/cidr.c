/* SPDX-License-Identifier: BSD-2-Clause */
#include "cidr.h"

#include <arpa/inet.h>
#include <libcidr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char V4MAPPED_PREFIX[12] = {0, 0, 0, 0, 0,    0,
						  0, 0, 0, 0, 0xff, 0xff};

/* netmask[p]: the first p bits set (an IPv4 block uses the first 4 bytes) */
static unsigned char netmask[129][16];
static bool netmask_ready;

/*
 * libcidr widens the all-ones address one bit at a time and reports the
 * mask at every length: 128 steps, once per process.  (It has no
 * constructor from an address and a prefix but its lenient text parser.)
 */
bool cidr_ready(void)
{
	struct in6_addr ones;
	CIDR *block;

	if (netmask_ready)
		return true;
	memset(&ones, 0xff, sizeof ones);
	block = cidr_from_in6addr(&ones);
	for (int len = 128; block != NULL && len >= 0; len--) {
		uint8_t *mask = cidr_get_mask(block);
		CIDR *wider;

		if (mask == NULL || cidr_get_pflen(block) != len)
			break;
		memcpy(netmask[len], mask, sizeof netmask[len]);
		free(mask);
		if (len == 0) {
			netmask_ready = true;
			break;
		}
		wider = cidr_net_supernet(block);
		cidr_free(block);
		block = wider;
	}
	cidr_free(block);
	return netmask_ready;
}

static size_t address_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static int max_prefix(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* inet_pton, choosing the family from the text; true on success */
static bool parse_address(const char *text, struct ip_addr *out)
{
	memset(out, 0, sizeof *out);
	out->family = strchr(text, ':') != NULL ? AF_INET6 : AF_INET;
	return inet_pton(out->family, text, out->bytes) == 1;
}

/* ::ffff:a.b.c.d becomes the IPv4 address a.b.c.d */
static void unmap_v4(struct ip_addr *addr, int *prefix)
{
	if (addr->family != AF_INET6 ||
	    memcmp(addr->bytes, V4MAPPED_PREFIX, sizeof V4MAPPED_PREFIX) != 0)
		return;
	if (prefix != NULL) {
		if (*prefix < 96)
			return;
		*prefix -= 96;
	}
	memmove(addr->bytes, addr->bytes + 12, 4);
	memset(addr->bytes + 4, 0, 12);
	addr->family = AF_INET;
}

/* Strict decimal: digits only, no sign, no leading zero, within max. */
static bool parse_prefix(const char *text, int max, int *out)
{
	size_t len = strlen(text);
	int value = 0;

	if (len == 0 || len > 3 || (len > 1 && text[0] == '0'))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return false;
		value = value * 10 + (text[i] - '0');
	}
	if (value > max)
		return false;
	*out = value;
	return true;
}

static void format_block(const struct ip_addr *addr, int prefix, char *out,
			 size_t outlen)
{
	char text[INET6_ADDRSTRLEN];

	inet_ntop(addr->family, addr->bytes, text, sizeof text);
	snprintf(out, outlen, "%s/%d", text, prefix);
}

/* The network address of addr at prefix bits (netmask from libcidr). */
static void network_of(const struct ip_addr *addr, int prefix,
		       struct ip_addr *net)
{
	*net = *addr;
	for (size_t i = 0; i < address_len(addr->family); i++)
		net->bytes[i] = addr->bytes[i] & netmask[prefix][i];
}

static bool split_block(const char *text, char *addr_part, size_t addrlen,
			const char **prefix_part)
{
	const char *slash = strchr(text, '/');
	size_t n = slash != NULL ? (size_t)(slash - text) : strlen(text);

	if (n >= addrlen)
		return false;
	memcpy(addr_part, text, n);
	addr_part[n] = '\0';
	*prefix_part = slash != NULL ? slash + 1 : NULL;
	return true;
}

/* Strict parse into address and prefix; fills err on failure. */
static bool parse_block(const char *text, struct ip_addr *addr, int *prefix,
			char *err, size_t errlen)
{
	char addr_part[INET6_ADDRSTRLEN + 1];
	const char *prefix_part;

	if (!split_block(text, addr_part, sizeof addr_part, &prefix_part) ||
	    !parse_address(addr_part, addr)) {
		snprintf(err, errlen,
			 "'%s' is not an IPv4 or IPv6 address or CIDR block",
			 text);
		return false;
	}
	*prefix = max_prefix(addr->family);
	if (prefix_part != NULL &&
	    !parse_prefix(prefix_part, max_prefix(addr->family), prefix)) {
		snprintf(err, errlen,
			 "'%s' has a bad prefix length (want a decimal "
			 "number from 0 to %d)",
			 text, max_prefix(addr->family));
		return false;
	}
	unmap_v4(addr, prefix);
	return true;
}

bool cidr_canonical(const char *text, char *canon, size_t canonlen, char *err,
		    size_t errlen)
{
	struct ip_addr addr, net;
	int prefix;

	if (!cidr_ready()) {
		snprintf(err, errlen, "libcidr could not compute netmasks");
		return false;
	}
	if (!parse_block(text, &addr, &prefix, err, errlen))
		return false;
	network_of(&addr, prefix, &net);
	if (memcmp(net.bytes, addr.bytes, sizeof addr.bytes) != 0) {
		char hint[CIDR_TEXT_MAX];
		format_block(&net, prefix, hint, sizeof hint);
		snprintf(err, errlen,
			 "'%s' has host bits set; did you mean %s?", text,
			 hint);
		return false;
	}
	format_block(&addr, prefix, canon, canonlen);
	return true;
}

bool cidr_block_parse(const char *canon, struct ip_block *out)
{
	char err[128];
	struct ip_addr net;

	if (!cidr_ready() ||
	    !parse_block(canon, &out->net, &out->prefix, err, sizeof err))
		return false;
	network_of(&out->net, out->prefix, &net);
	return memcmp(net.bytes, out->net.bytes, sizeof net.bytes) == 0;
}

bool cidr_block_contains(const struct ip_block *block,
			 const struct ip_addr *addr)
{
	struct ip_addr net;

	if (block->net.family != addr->family)
		return false;
	network_of(addr, block->prefix, &net);
	return memcmp(net.bytes, block->net.bytes, sizeof net.bytes) == 0;
}

bool rhost_address(const char *rhost, struct ip_addr *out)
{
	char text[INET6_ADDRSTRLEN + 1];
	size_t len = strlen(rhost);
	const char *start = rhost;
	char *zone;

	if (len >= 2 && rhost[0] == '[' && rhost[len - 1] == ']') {
		start = rhost + 1;
		len -= 2;
	}
	if (len == 0 || len >= sizeof text)
		return false;
	memcpy(text, start, len);
	text[len] = '\0';
	zone = strchr(text, '%');
	if (zone != NULL && strchr(text, ':') != NULL)
		*zone = '\0';
	if (!parse_address(text, out))
		return false;
	unmap_v4(out, NULL);
	return true;
}
