/* SPDX-License-Identifier: BSD-2-Clause */
#include "refusal_log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <syslog.h>

#include "deadline.h"

static struct {
	bool limited;
	long long second;     /* the second being counted */
	unsigned logged;      /* lines logged in it */
	unsigned long unsaid; /* lines left out since the last summary */
} state;

void refusal_log_limit(void)
{
	state.limited = true;
}

void refusal_log_flush(void)
{
	if (state.unsaid == 0)
		return;
	syslog(LOG_WARNING,
	       "%lu more refused requests were not logged (at most %d "
	       "lines a second)",
	       state.unsaid, REFUSAL_LOG_PER_SECOND);
	state.unsaid = 0;
}

void refusal_log_tick(void)
{
	long long now = monotonic_ms() / 1000;

	if (now == state.second)
		return;
	refusal_log_flush();
	state.second = now;
	state.logged = 0;
}

void refusal_log(int priority, const char *fmt, ...)
{
	va_list ap;

	refusal_log_tick();
	if (state.limited && state.logged >= REFUSAL_LOG_PER_SECOND) {
		state.unsaid++;
		return;
	}
	state.logged++;
	va_start(ap, fmt);
	vsyslog(priority, fmt, ap);
	va_end(ap);
}
