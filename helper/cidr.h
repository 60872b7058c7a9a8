/*
 * IP addresses and CIDR blocks: a strict parser in front of libcidr.
 *
 * libcidr 1.2.3 alone reads "1.2.3" as 1.2.0.3, "010.1.1.1" as octal,
 * "10.0.0.0/" as /0 and "x1.2.3.4" as 1.2.3.4 (DESIGN.md).  So every string
 * is checked with inet_pton and a strict decimal prefix length first, and
 * libcidr only ever sees text this file produced.
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
 * Normalises a PAM_RHOST: strips "[...]" and a "%zone", reads it with
 * inet_pton and maps ::ffff:a.b.c.d to a.b.c.d.  False when rhost is not a
 * numeric address (a hostname must never match a rule).
 */
bool rhost_address(const char *rhost, struct ip_addr *out);

/*
 * 1 when addr lies in the block given as canonical text, 0 when it does
 * not, -1 when the block text is not valid (a damaged store).
 */
int cidr_contains_addr(const char *canon, const struct ip_addr *addr);

#endif
