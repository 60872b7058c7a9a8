/* SPDX-License-Identifier: BSD-2-Clause */
#include "text.h"

#include <stdio.h>
#include <string.h>
#include <unictype.h>
#include <unistr.h>

/*
 * Printable, and visible: Unicode format characters (category Cf: the
 * bidi overrides and isolates U+202A-U+202E and U+2066-U+2069, the
 * zero-width U+200B-U+200D and U+2060, U+FEFF, the soft hyphen) print as
 * nothing or reorder what follows, so two names that look the same could
 * coexist, or one could display as another.  libunistring classifies.
 */
static bool char_allowed(ucs4_t uc, bool allow_newlines)
{
	if (allow_newlines && (uc == '\n' || uc == '\t'))
		return true;
	return uc_is_print(uc) && !uc_is_general_category(uc, UC_CATEGORY_Cf) &&
	       !uc_is_property_bidi_control(uc);
}

/* Counts characters; on a refused one, names it in bad (U+XXXX). */
static bool walk(const char *s, bool allow_newlines, size_t *chars, char *bad,
		 size_t badlen)
{
	const uint8_t *p = (const uint8_t *)s;
	ucs4_t uc;

	*chars = 0;
	bad[0] = '\0';
	if (u8_check(p, strlen(s)) != NULL)
		return false;
	while ((p = u8_next(&uc, p)) != NULL) {
		if (!char_allowed(uc, allow_newlines)) {
			snprintf(bad, badlen, "U+%04X", (unsigned)uc);
			return false;
		}
		(*chars)++;
	}
	return true;
}

bool text_valid(const char *what, const char *s, size_t max_chars,
		bool allow_newlines, bool allow_empty, char *err, size_t errlen)
{
	char bad[16];
	size_t chars = 0;

	if (!walk(s, allow_newlines, &chars, bad, sizeof bad))
		snprintf(err, errlen, "%s must be printable UTF-8 text%s%s%s",
			 what,
			 allow_newlines
			     ? " (newlines and tabs allowed; no control, "
			       "format or direction characters)"
			     : " (no control, format or direction characters)",
			 bad[0] != '\0' ? "; it holds " : "", bad);
	else if (chars == 0 && !allow_empty)
		snprintf(err, errlen, "%s must not be empty", what);
	else if (chars > max_chars)
		snprintf(err, errlen, "%s is longer than %zu characters", what,
			 max_chars);
	else
		return true;
	return false;
}

size_t utf8_prefix_bytes(const char *s, size_t max_chars)
{
	size_t bytes = 0, chars = 0;

	while (s[bytes] != '\0') {
		/* a lead byte starts a character; 10xxxxxx continues one */
		if (((unsigned char)s[bytes] & 0xc0) != 0x80 &&
		    chars++ == max_chars)
			break;
		bytes++;
	}
	return bytes;
}
