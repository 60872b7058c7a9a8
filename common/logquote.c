/* SPDX-License-Identifier: BSD-2-Clause */
#include "logquote.h"

#include <stdio.h>
#include <string.h>

/* The escaped form of one byte into buf (at most 5 bytes with NUL). */
static size_t escape_byte(unsigned char c, char buf[5])
{
	if (c == '"' || c == '\\')
		return (size_t)snprintf(buf, 5, "\\%c", c);
	if (c <= ' ' || c == '=' || c > 0x7e)
		return (size_t)snprintf(buf, 5, "\\x%02x", c);
	buf[0] = (char)c;
	buf[1] = '\0';
	return 1;
}

const char *log_quote(const char *value, char *out, size_t outlen)
{
	static const char cut[] = "...\"";
	size_t used = 1;

	out[0] = '"';
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		char buf[5];
		size_t n = escape_byte(*p, buf);

		/* keep room for the cut mark (or the closing quote) and NUL */
		if (used + n + sizeof cut > outlen) {
			memcpy(out + used, cut, sizeof cut);
			return out;
		}
		memcpy(out + used, buf, n);
		used += n;
	}
	memcpy(out + used, "\"", 2);
	return out;
}
