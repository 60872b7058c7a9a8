/* SPDX-License-Identifier: BSD-2-Clause */
#include <string.h>

#include "record.h"
#include "text.h"
#include "unit.h"

static bool name_ok(const char *s)
{
	char err[256];
	return name_valid(s, NAME_MAX_CHARS, err, sizeof err);
}

static bool description_ok(const char *s)
{
	char err[256];
	return description_valid(s, DESC_MAX_CHARS, err, sizeof err);
}

void test_text(void)
{
	char long_name[NAME_MAX_CHARS + 2];

	CHECK("ordinary name is accepted", name_ok("ci deploy"));
	CHECK("quotes and SQL in a name are accepted as text",
	      name_ok("it's \"x\"; DROP TABLE keys; --"));
	CHECK("UTF-8 name is accepted", name_ok("na\xc3\xafve"));
	CHECK("empty name is refused", !name_ok(""));
	CHECK("newline in a name is refused", !name_ok("a\nb"));
	CHECK("escape character in a name is refused", !name_ok("a\x1b[31m"));
	CHECK("invalid UTF-8 in a name is refused", !name_ok("a\xff"));
	CHECK("C1 control in a name is refused", !name_ok("a\xc2\x9b"));
	CHECK("right-to-left override (U+202E) in a name is refused",
	      !name_ok("invoice\xe2\x80\xaegpj.exe"));
	CHECK("zero-width space (U+200B) in a name is refused",
	      !name_ok("ci\xe2\x80\x8b"));
	CHECK("zero-width non-joiner (U+200C) in a name is refused",
	      !name_ok("c\xe2\x80\x8ci"));
	CHECK("zero-width joiner (U+200D) in a name is refused",
	      !name_ok("c\xe2\x80\x8di"));
	CHECK("word joiner (U+2060) in a name is refused",
	      !name_ok("c\xe2\x81\xa0i"));
	CHECK("byte order mark (U+FEFF) in a name is refused",
	      !name_ok("\xef\xbb\xbf"
		       "ci"));
	CHECK("left-to-right isolate (U+2066) in a name is refused",
	      !name_ok("a\xe2\x81\xa6"
		       "b"));
	CHECK("soft hyphen (U+00AD) in a name is refused",
	      !name_ok("de\xc2\xadploy"));
	CHECK("line separator (U+2028) in a name is refused",
	      !name_ok("a\xe2\x80\xa8"
		       "b"));
	CHECK("bidi override in a description is refused",
	      !description_ok("line\n\xe2\x80\xae"
			      "evil"));
	CHECK("zero-width space in a description is refused",
	      !description_ok("a\xe2\x80\x8b"));
	CHECK("a trailing or leading space in a name is refused",
	      !name_ok("bobopen ") && !name_ok(" bobopen") && !name_ok(" "));
	CHECK("a no-break space (U+00A0) or ideographic space in a name is "
	      "refused",
	      !name_ok("bob\xc2\xa0open") && !name_ok("bob\xe3\x80\x80open"));
	CHECK("Hangul fillers (U+3164, U+115F, U+FFA0) are refused",
	      !name_ok("\xe3\x85\xa4") && !name_ok("bob\xe3\x85\xa4open") &&
		  !name_ok("\xe1\x85\x9f") && !name_ok("\xef\xbe\xa0"));
	CHECK("a combining grapheme joiner (U+034F) is refused",
	      !name_ok("bobopen\xcd\x8f"));
	CHECK("a variation selector (U+FE0F) is refused",
	      !name_ok("deploy \xe2\x9d\xa4\xef\xb8\x8f"));
	CHECK("the braille blank (U+2800) is refused",
	      !name_ok("bob\xe2\xa0\x80open"));
	CHECK("a name not in NFC (e + combining acute) is refused",
	      !name_ok("cafe\xcc\x81"));
	CHECK("the same name in NFC (U+00E9) is accepted",
	      name_ok("caf\xc3\xa9"));
	CHECK("spaces inside a name are fine", name_ok("ci deploy key"));
	CHECK("an emoji in a name is accepted",
	      name_ok("deploy \xf0\x9f\x9a\x80"));
	CHECK("CJK text in a name is accepted",
	      name_ok("\xe9\x83\xa8\xe7\xbd\xb2"));
	memset(long_name, 'n', NAME_MAX_CHARS);
	long_name[NAME_MAX_CHARS] = '\0';
	CHECK("128-character name is accepted", name_ok(long_name));
	long_name[NAME_MAX_CHARS] = 'n';
	long_name[NAME_MAX_CHARS + 1] = '\0';
	CHECK("129-character name is refused", !name_ok(long_name));
	CHECK("description may hold newlines and tabs",
	      description_ok("line one\n\tline two"));
	CHECK("description may be empty", description_ok(""));
	CHECK("description refuses other control characters",
	      !description_ok("bell\a"));
	CHECK("utf8 prefix counts characters, not bytes",
	      utf8_prefix_bytes("na\xc3\xafve", 3) == 4);
	CHECK("utf8 prefix of a short text is all of it",
	      utf8_prefix_bytes("abc", 10) == 3);
}
