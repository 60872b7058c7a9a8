/* SPDX-License-Identifier: BSD-2-Clause */
#include "when.h"

#include <stdio.h>
#include <string.h>

#define MAX_RELATIVE 100000 /* units; about 270 years of days */

static bool all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int number_at(const char *s, size_t len)
{
	int v = 0;

	for (size_t i = 0; i < len; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* Digits where the pattern has 'D', the literal character elsewhere. */
static bool matches_pattern(const char *text, const char *pattern)
{
	size_t len = strlen(pattern);

	if (strlen(text) != len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (pattern[i] == 'D' ? !all_digits(text + i, 1)
				      : text[i] != pattern[i])
			return false;
	}
	return true;
}

/* timegm, then a round trip so 2026-02-30 or 25:00 is refused */
static bool utc_time(int year, int mon, int day, int hour, int min, int sec,
		     time_t *out)
{
	struct tm tm = {.tm_year = year - 1900,
			.tm_mon = mon - 1,
			.tm_mday = day,
			.tm_hour = hour,
			.tm_min = min,
			.tm_sec = sec};
	struct tm back;
	time_t t = timegm(&tm);

	if (year < 1970 || gmtime_r(&t, &back) == NULL ||
	    back.tm_year != year - 1900 || back.tm_mon != mon - 1 ||
	    back.tm_mday != day || back.tm_hour != hour || back.tm_min != min ||
	    back.tm_sec != sec)
		return false;
	*out = t;
	return true;
}

static bool parse_date(const char *t, time_t *out)
{
	time_t start;

	if (!matches_pattern(t, "DDDD-DD-DD"))
		return false;
	if (!utc_time(number_at(t, 4), number_at(t + 5, 2), number_at(t + 8, 2),
		      0, 0, 0, &start))
		return false;
	*out = start + 86400; /* valid through the whole day */
	return true;
}

static bool parse_datetime(const char *t, time_t *out)
{
	int sec = 0;

	if (matches_pattern(t, "DDDD-DD-DDTDD:DD:DDZ"))
		sec = number_at(t + 17, 2);
	else if (!matches_pattern(t, "DDDD-DD-DDTDD:DDZ"))
		return false;
	return utc_time(number_at(t, 4), number_at(t + 5, 2),
			number_at(t + 8, 2), number_at(t + 11, 2),
			number_at(t + 14, 2), sec, out);
}

bool duration_parse(const char *text, long long *seconds)
{
	size_t len = strlen(text);
	long long unit, count;

	if (strcmp(text, "0") == 0) {
		*seconds = 0;
		return true;
	}
	if (len < 2 || len > 8 || !all_digits(text, len - 1))
		return false;
	switch (text[len - 1]) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'w': unit = 7 * 86400; break;
	default: return false;
	}
	count = number_at(text, len - 1);
	if (count < 1 || count > MAX_RELATIVE)
		return false;
	*seconds = count * unit;
	return true;
}

static bool parse_relative(const char *t, time_t now, time_t *out)
{
	long long seconds;

	if (t[0] != '+' || strcmp(t, "+0") == 0 ||
	    !duration_parse(t + 1, &seconds))
		return false;
	*out = now + (time_t)seconds;
	return true;
}

bool when_parse(const char *text, time_t now, time_t *out, char *err,
		size_t errlen)
{
	time_t t;

	if (!parse_relative(text, now, &t) && !parse_date(text, &t) &&
	    !parse_datetime(text, &t)) {
		snprintf(err, errlen,
			 "bad expiry '%s' (want YYYY-MM-DD, "
			 "YYYY-MM-DDTHH:MM[:SS]Z, or +N with s, m, h, d or w)",
			 text);
		return false;
	}
	if (t <= now) {
		snprintf(err, errlen, "expiry '%s' is in the past", text);
		return false;
	}
	*out = t;
	return true;
}

void iso_time(time_t t, char out[ISO_TIME_LEN])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, ISO_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, ISO_TIME_LEN, "invalid-time");
}
