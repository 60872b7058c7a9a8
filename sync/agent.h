/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * apikey-sync's work: keep the host's store a mirror of the central keys
 * meant for this host, and report their use back.
 *
 * MUST rules kept here:
 * - a change from the central store is applied in one local transaction,
 *   read from one snapshot of the central store (REPEATABLE READ);
 * - a (re)connection resynchronises fully before anything else;
 * - the last contact is recorded only after a successful exchange with the
 *   central store whose pepper is this host's: past max_stale without one,
 *   central keys are refused at login (core/verify.c);
 * - local keys are never touched (core/mirror.c).
 */
#ifndef APIKEY_SYNC_AGENT_H
#define APIKEY_SYNC_AGENT_H

#include <signal.h>
#include <stdbool.h>

#include "conf.h"

struct agent_options {
	struct central_conf conf; /* conninfo, max_stale, host groups */
	const char *db, *pepper;
	bool once; /* one full synchronisation, then exit */
};

/* Set by SIGTERM or SIGINT: the agent finishes what it applies and ends. */
extern volatile sig_atomic_t agent_stop;

/* Runs until agent_stop (or, with once, one synchronisation); the exit
 * status. */
int agent_run(const struct agent_options *opt);

#endif
