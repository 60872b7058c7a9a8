/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "unit.h"

static bool json_is(const char *in, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	bool same;

	json_string(out, in);
	fclose(out);
	same = strcmp(buf, want) == 0;
	free(buf);
	return same;
}

void test_json(void)
{
	CHECK("plain text is quoted", json_is("ci deploy", "\"ci deploy\""));
	CHECK("quotes and backslashes are escaped",
	      json_is("a\"b\\c", "\"a\\\"b\\\\c\""));
	CHECK("newline and tab are escaped",
	      json_is("a\nb\tc", "\"a\\nb\\tc\""));
	CHECK("other control characters become \\u escapes",
	      json_is("a\x01z\x1f\x7f", "\"a\\u0001z\\u001f\\u007f\""));
	CHECK("UTF-8 passes through",
	      json_is("na\xc3\xafve", "\"na\xc3\xafve\""));
	CHECK("SQL-looking text is just text",
	      json_is("'; DROP TABLE keys; --", "\"'; DROP TABLE keys; --\""));
}
