/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Time and waiting against a deadline, on the monotonic clock: the module
 * (helper and daemon timeouts), the helper (its request's deadline) and
 * apikeyd (connection deadlines, once-a-second work) share it.
 */
#ifndef APIKEY_DEADLINE_H
#define APIKEY_DEADLINE_H

#include <stdbool.h>

/* CLOCK_MONOTONIC in milliseconds. */
long long monotonic_ms(void);

/* Waits until fd is ready for events (poll's) or the deadline (a
 * monotonic_ms time) passed; false then, or on an error. */
bool fd_ready(int fd, short events, long long deadline);

#endif
