/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IP addresses and CIDR blocks: a strict parser in front of libcidr.
 *
 * libcidr 1.2.3 alone reads "1.2.3" as 1.2.0.3, "010.1.1.1" as octal,
 * "10.0.0.0/" as /0 and "x1.2.3.4" as 1.2.3.4, and reads a byte before
 * short IPv6 strings (DESIGN.md).  So no text ever reaches libcidr: every
 * string is read with inet_pton and a strict decimal prefix length, and
 * libcidr computes the netmask of each prefix length (once per process).
 * A block then matches an address by one masked comparison: the same,
 * small work for every entry, whatever its prefix (verification time must
 * not grow with the prefixes of a key's entries).
 */
#ifndef APIKEY_CIDR_H
#define APIKEY_CIDR_H

#include <stdbool.h>
#include <stddef.h>

/* "ffff:...:ffff/128" plus NUL fits */
#define CIDR_TEXT_MAX 64

struct ip_addr {
	int family; /* AF_INET or AF_INET6 */
	unsigned char bytes[16];
};

/* A parsed block: its network address (host bits zero) and prefix. */
struct ip_block {
	struct ip_addr net;
	int prefix;
};

/*
 * Computes the netmasks with libcidr; false if it cannot (out of memory).
 * Every function below calls it; verification calls it up front so that
 * its cost is the same whether or not a key has entries.
 */
bool cidr_ready(void);

/*
 * Parses "ADDR" or "ADDR/LEN" strictly into its canonical text
 * ("192.0.2.0/24", "2001:db8::/32"; a bare address becomes /32 or /128;
 * an IPv4-mapped IPv6 block of /96 or longer becomes the IPv4 block).
 * A block with host bits set is refused with the right block as a hint.
 * On error returns false and writes a message naming the problem to err.
 */
bool cidr_canonical(const char *text, char *canon, size_t canonlen, char *err,
		    size_t errlen);

/*
 * Reads a stored entry (canonical text as cidr_canonical wrote it) into a
 * block; false when it does not parse strictly or has host bits set (a
 * damaged store).
 */
bool cidr_block_parse(const char *canon, struct ip_block *out);

/* True when addr lies in block (families differ: never). */
bool cidr_block_contains(const struct ip_block *block,
			 const struct ip_addr *addr);

/*
 * Normalises a PAM_RHOST: strips "[...]" and a "%zone", reads it with
 * inet_pton and maps ::ffff:a.b.c.d to a.b.c.d.  False when rhost is not a
 * numeric address (a hostname must never match a rule).
 */
bool rhost_address(const char *rhost, struct ip_addr *out);

#endif
