/* SPDX-License-Identifier: BSD-2-Clause */
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#define BRAILLE_BLANK 0x2800

/* Shows as itself: libunistring classifies. */
static bool char_visible(ucs4_t uc)
{
	return uc_is_print(uc) && !uc_is_general_category(uc, UC_CATEGORY_Cf) &&
	       !uc_is_property_bidi_control(uc) &&
	       !uc_is_property_default_ignorable_code_point(uc) &&
	       uc != BRAILLE_BLANK;
}

static bool char_allowed(ucs4_t uc, bool is_name)
{
	if (is_name && uc_is_general_category(uc, UC_CATEGORY_Zs))
		return uc == ' ';
	if (!is_name && (uc == '\n' || uc == '\t'))
		return true;
	return char_visible(uc);
}

/* Counts characters; on a refused one, names it in bad (U+XXXX). */
static bool walk(const char *s, bool is_name, size_t *chars, char *bad,
		 size_t badlen)
{
	const uint8_t *p = (const uint8_t *)s;
	ucs4_t uc;

	*chars = 0;
	bad[0] = '\0';
	if (u8_check(p, strlen(s)) != NULL)
		return false;
	while ((p = u8_next(&uc, p)) != NULL) {
		if (!char_allowed(uc, is_name)) {
			snprintf(bad, badlen, "; it holds U+%04X",
				 (unsigned)uc);
			return false;
		}
		(*chars)++;
	}
	return true;
}

/* True when s is already in Unicode NFC (a name that looks the same must
 * be the same bytes). */
static bool in_nfc(const char *s)
{
	size_t len = 0;
	uint8_t *nfc = u8_normalize(UNINORM_NFC, (const uint8_t *)s, strlen(s),
				    NULL, &len);
	bool same = nfc != NULL && len == strlen(s) && memcmp(nfc, s, len) == 0;

	free(nfc);
	return same;
}

static bool length_ok(const char *what, size_t chars, size_t max_chars,
		      bool allow_empty, char *err, size_t errlen)
{
	if (chars == 0 && !allow_empty)
		snprintf(err, errlen, "%s must not be empty", what);
	else if (chars > max_chars)
		snprintf(err, errlen, "%s is longer than %zu characters", what,
			 max_chars);
	else
		return true;
	return false;
}

bool name_valid(const char *s, size_t max_chars, char *err, size_t errlen)
{
	char bad[32];
	size_t chars, len = strlen(s);

	if (!walk(s, true, &chars, bad, sizeof bad)) {
		snprintf(err, errlen,
			 "name must be printable UTF-8 text (no control, "
			 "format, direction or invisible characters, no space "
			 "but U+0020)%s",
			 bad);
		return false;
	}
	if (len > 0 && (s[0] == ' ' || s[len - 1] == ' ')) {
		snprintf(err, errlen,
			 "name must not start or end with a space");
		return false;
	}
	if (!in_nfc(s)) {
		snprintf(err, errlen,
			 "name must be in Unicode NFC (composed characters, "
			 "as most keyboards type them)");
		return false;
	}
	return length_ok("name", chars, max_chars, false, err, errlen);
}

bool description_valid(const char *s, size_t max_chars, char *err,
		       size_t errlen)
{
	char bad[32];
	size_t chars;

	if (!walk(s, false, &chars, bad, sizeof bad)) {
		snprintf(err, errlen,
			 "description must be printable UTF-8 text (newlines "
			 "and tabs allowed; no control, format, direction or "
			 "invisible characters)%s",
			 bad);
		return false;
	}
	return length_ok("description", chars, max_chars, true, err, errlen);
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
