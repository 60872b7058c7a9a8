/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Log lines any local user can cause at will (a refused or malformed
 * request).  The helper logs each: a user pays a process for it.  apikeyd
 * answers such requests by the ten thousand a second, and a flood of them
 * would spend its share of the journal (journald's per-service limit) and
 * drown the lines that matter, such as the verifier group's checks: there
 * at most REFUSAL_LOG_PER_SECOND are logged each second and the rest are
 * counted, then summed up in one line.
 */
#ifndef APIKEY_REFUSAL_LOG_H
#define APIKEY_REFUSAL_LOG_H

#define REFUSAL_LOG_PER_SECOND 20

/* Turns the limit on (apikeyd); off, every line is logged. */
void refusal_log_limit(void);

/* syslog(priority, fmt, ...), within the limit. */
void refusal_log(int priority, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Once a second has passed: logs how many lines it left out, if any
 * (apikeyd calls it from its loop). */
void refusal_log_tick(void);

/* Logs how many lines were left out, now (apikeyd, when it stops). */
void refusal_log_flush(void);

#endif
