#include "cidr.h"

#include <arpa/inet.h>
#include <libcidr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char V4MAPPED_PREFIX[12] = {0, 0, 0, 0, 0,    0,
						  0, 0, 0, 0, 0xff, 0xff};

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

static int max_prefix(int family)
{
	return family == AF_INET ? 32 : 128;
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

static CIDR *to_libcidr(const struct ip_addr *addr)
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

/*
 * The block of prefix bits around addr, built by libcidr from the host
 * address by widening it one bit at a time (cidr_net_supernet).  Text never
 * goes through cidr_from_str: besides its leniency, libcidr 1.2.3 reads a
 * byte before the start of short IPv6 strings such as "::1/128" (found by
 * tests/fuzz/fuzz_cidr.c).
 */
static CIDR *make_block(const struct ip_addr *addr, int prefix)
{
	CIDR *block = to_libcidr(addr);

	for (int len = max_prefix(addr->family); block != NULL && len > prefix;
	     len--) {
		CIDR *wider = cidr_net_supernet(block);
		cidr_free(block);
		block = wider;
	}
	return block;
}

/* The block's network address, computed by libcidr. */
static bool network_of(const struct ip_addr *addr, int prefix,
		       struct ip_addr *net)
{
	CIDR *block = make_block(addr, prefix);
	struct in_addr v4;
	struct in6_addr v6;
	bool ok = false;

	*net = *addr;
	if (block != NULL && addr->family == AF_INET &&
	    cidr_to_inaddr(block, &v4) != NULL) {
		memcpy(net->bytes, &v4, sizeof v4);
		ok = true;
	} else if (block != NULL && addr->family == AF_INET6 &&
		   cidr_to_in6addr(block, &v6) != NULL) {
		memcpy(net->bytes, &v6, sizeof v6);
		ok = true;
	}
	cidr_free(block);
	return ok;
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

	if (!parse_block(text, &addr, &prefix, err, errlen))
		return false;
	if (!network_of(&addr, prefix, &net)) {
		snprintf(err, errlen, "'%s' could not be read as a block",
			 text);
		return false;
	}
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

int cidr_contains_addr(const char *canon, const struct ip_addr *addr)
{
	char err[128], check[CIDR_TEXT_MAX];
	struct ip_addr block_addr;
	int prefix, result;
	CIDR *block, *host;

	/* stored text goes through the strict parser again before libcidr */
	if (!cidr_canonical(canon, check, sizeof check, err, sizeof err) ||
	    strcmp(check, canon) != 0 ||
	    !parse_block(canon, &block_addr, &prefix, err, sizeof err))
		return -1;
	if (block_addr.family != addr->family)
		return 0;
	block = make_block(&block_addr, prefix);
	host = to_libcidr(addr);
	if (block == NULL || host == NULL)
		result = -1;
	else /* libcidr: 0 means contained */
		result = cidr_contains(block, host) == 0 ? 1 : 0;
	cidr_free(host);
	cidr_free(block);
	return result;
}
