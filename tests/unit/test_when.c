/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "when.h"

static const time_t NOW = 1795000000; /* 2026-11-18T... */

static bool parsed_as(const char *text, time_t want)
{
	char err[256];
	time_t t;

	return when_parse(text, NOW, &t, err, sizeof err) && t == want;
}

static bool refused_with(const char *text, const char *part)
{
	char err[256] = "";
	time_t t;

	return !when_parse(text, NOW, &t, err, sizeof err) &&
	       strstr(err, part) != NULL;
}

static time_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = {.tm_year = y - 1900,
			.tm_mon = mo - 1,
			.tm_mday = d,
			.tm_hour = h,
			.tm_min = mi,
			.tm_sec = s};
	return timegm(&tm);
}

void test_when(void)
{
	char iso[ISO_TIME_LEN];
	const char *bad[] = {"2030-02-30",
			     "2030-13-01",
			     "2030-1-1",
			     "+0d",
			     "+5y",
			     "+d",
			     "30d",
			     "2030-01-15T25:00Z",
			     "2030-01-15T10:20",
			     "+99999999d",
			     "tomorrow",
			     "",
			     "2030-01-15 ",
			     "2030-01-15T10:60Z",
			     "+1000000d"};

	CHECK("+30d is thirty days from now",
	      parsed_as("+30d", NOW + 30 * 86400));
	CHECK("+12h is twelve hours from now",
	      parsed_as("+12h", NOW + 12 * 3600));
	CHECK("+2w is two weeks from now", parsed_as("+2w", NOW + 14 * 86400));
	CHECK("+90s and +5m are seconds and minutes",
	      parsed_as("+90s", NOW + 90) && parsed_as("+5m", NOW + 300));
	CHECK("a date is valid through that whole day (UTC)",
	      parsed_as("2030-01-15", utc(2030, 1, 16, 0, 0, 0)));
	CHECK("a date-time without seconds",
	      parsed_as("2030-01-15T10:20Z", utc(2030, 1, 15, 10, 20, 0)));
	CHECK("a date-time with seconds",
	      parsed_as("2030-01-15T10:20:30Z", utc(2030, 1, 15, 10, 20, 30)));
	CHECK("leap day is accepted in a leap year",
	      parsed_as("2028-02-29", utc(2028, 3, 1, 0, 0, 0)));
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char name[128];
		snprintf(name, sizeof name, "bad expiry '%s' is refused",
			 bad[i]);
		CHECK(name, refused_with(bad[i], "bad expiry"));
	}
	CHECK("a past date is refused as past",
	      refused_with("2020-01-01", "past"));
	CHECK("today's start is in the past, but today itself is valid",
	      refused_with("2026-11-18T00:00Z", "past") &&
		  parsed_as("2026-11-18", utc(2026, 11, 19, 0, 0, 0)));
	long long secs = -1;
	CHECK("duration 0 is zero", duration_parse("0", &secs) && secs == 0);
	CHECK("duration 24h", duration_parse("24h", &secs) && secs == 86400);
	CHECK("duration without a unit is refused",
	      !duration_parse("24", &secs));
	CHECK("duration with a sign is refused", !duration_parse("-1h", &secs));
	iso_time(utc(2026, 11, 29, 16, 49, 34), iso);
	CHECK("iso_time writes ISO 8601 UTC",
	      strcmp(iso, "2026-11-29T16:49:34Z") == 0);
}
