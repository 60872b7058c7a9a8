/* SPDX-License-Identifier: BSD-2-Clause */
/* The --expires (WHEN) and --grace (DURATION) parsers. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "when.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const time_t now = 1795000000;
	char text[128], err[256], iso[ISO_TIME_LEN];
	long long seconds;
	time_t t;

	if (size >= sizeof text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (when_parse(text, now, &t, err, sizeof err)) {
		if (t <= now)
			__builtin_trap();
		iso_time(t, iso);
	}
	if (duration_parse(text, &seconds) && seconds < 0)
		__builtin_trap();
	return 0;
}
