#include "text.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

static bool char_allowed(wchar_t wc, bool allow_newlines)
{
	if (allow_newlines && (wc == L'\n' || wc == L'\t'))
		return true;
	return iswprint((wint_t)wc) != 0;
}

/* Walks s as UTF-8 in the C.UTF-8 locale; counts characters. */
static bool walk_utf8(const char *s, bool allow_newlines, size_t *chars)
{
	mbstate_t state;
	size_t len = strlen(s), pos = 0;

	memset(&state, 0, sizeof state);
	*chars = 0;
	while (pos < len) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s + pos, len - pos, &state);

		if (n == (size_t)-1 || n == (size_t)-2 || n == 0 ||
		    !char_allowed(wc, allow_newlines))
			return false;
		pos += n;
		(*chars)++;
	}
	return true;
}

bool text_valid(const char *what, const char *s, size_t max_chars,
		bool allow_newlines, bool allow_empty, char *err, size_t errlen)
{
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	locale_t old;
	size_t chars = 0;
	bool printable;

	if (utf8 == (locale_t)0) {
		snprintf(err, errlen, "cannot load the C.UTF-8 locale");
		return false;
	}
	old = uselocale(utf8);
	printable = walk_utf8(s, allow_newlines, &chars);
	uselocale(old);
	freelocale(utf8);
	if (!printable)
		snprintf(err, errlen, "%s must be printable UTF-8 text%s", what,
			 allow_newlines ? " (newlines and tabs allowed)"
					: " (no control characters)");
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
