/* SPDX-License-Identifier: BSD-2-Clause */
/* Recording a login's outcome in a child, after the helper has answered. */
#ifndef APIKEY_TRACK_H
#define APIKEY_TRACK_H

#include <stdbool.h>
#include <sys/types.h>

#include "outcome.h"
#include "protocol.h"
#include "verify.h"

/* The helper's end of its tracking child. */
struct tracker {
	pid_t pid; /* -1: no child */
	int fd;	   /* where the outcome goes; open until the helper exits */
};

/*
 * Forks the tracking child while the helper is still the caller's
 * process, and with the effective uid set aside for the caller's, so that
 * the child counts against the caller's process limit.  In the child it
 * never returns.  Without a pipe or a child, t->pid is -1: the helper goes
 * on, and the row is dropped (track_finish logs it).
 */
void track_start(struct tracker *t, const char *db, struct request *req,
		 uid_t caller);

/* After the answer: hands the row to write (outcome.h) to the child. */
void track_finish(const struct tracker *t, const struct outcome *o);

#endif
