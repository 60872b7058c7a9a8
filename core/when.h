/* SPDX-License-Identifier: BSD-2-Clause */
/* Times: parsing --expires values and printing ISO 8601 UTC. */
#ifndef APIKEY_WHEN_H
#define APIKEY_WHEN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* "2026-11-29T16:49:34Z" plus NUL */
#define ISO_TIME_LEN 21

/*
 * Parses an expiry given relative to now:
 *   YYYY-MM-DD            valid through that whole day (UTC): the key
 *                         expires at the next midnight UTC;
 *   YYYY-MM-DDTHH:MM[:SS]Z
 *   +Nd, +Nh, +Nw         N days, hours, weeks from now (N >= 1; also
 *                         +Ns and +Nm, seconds and minutes).
 * The result must lie after now.  On error returns false and writes a
 * message naming the problem to err.
 */
bool when_parse(const char *text, time_t now, time_t *out, char *err,
		size_t errlen);

/* A duration: "0", or N (1..100000) followed by s, m, h, d or w. */
bool duration_parse(const char *text, long long *seconds);

/* Writes t as "YYYY-MM-DDTHH:MM:SSZ" (UTC). */
void iso_time(time_t t, char out[ISO_TIME_LEN]);

#endif
