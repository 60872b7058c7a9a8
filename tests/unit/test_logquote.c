/* SPDX-License-Identifier: BSD-2-Clause */
#include <string.h>

#include "logquote.h"
#include "unit.h"

static bool quoted_as(const char *value, const char *want)
{
	char out[LOG_QUOTED_SIZE(64)];

	return strcmp(log_quote(value, out, sizeof out), want) == 0;
}

void test_logquote(void)
{
	char small[16], full[LOG_QUOTED_SIZE(4)];

	CHECK("a plain value is quoted", quoted_as("alice", "\"alice\""));
	CHECK("an empty value is an empty quoted string",
	      quoted_as("", "\"\""));
	CHECK("a planted field stays inside one token",
	      quoted_as("bob rhost=198.51.100.7 reason=accepted",
			"\"bob\\x20rhost\\x3d198.51.100.7\\x20reason\\x3d"
			"accepted\""));
	CHECK("quotes and backslashes are escaped",
	      quoted_as("a\"b\\c", "\"a\\\"b\\\\c\""));
	CHECK("C1 CSI (U+009B) is escaped byte by byte",
	      quoted_as("x\xc2\x9b"
			"2J",
			"\"x\\xc2\\x9b2J\""));
	CHECK("invalid UTF-8 and controls are escaped",
	      quoted_as("\xff\n\x1b", "\"\\xff\\x0a\\x1b\""));
	CHECK(
	    "a value that does not fit is cut inside the quotes",
	    strcmp(log_quote("abcdefghijklmnopqrstuvwxyz", small, sizeof small),
		   "\"abcdefghij...\"") == 0);
	CHECK("LOG_QUOTED_SIZE holds a value of escaped bytes in full",
	      strcmp(log_quote("\x01\x02\x03\x04", full, sizeof full),
		     "\"\\x01\\x02\\x03\\x04\"") == 0);
}
