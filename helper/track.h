/* SPDX-License-Identifier: BSD-2-Clause */
/* Recording a key's last use or last denial, after the answer is out. */
#ifndef APIKEY_TRACK_H
#define APIKEY_TRACK_H

#include "protocol.h"
#include "verify.h"

/* Seconds after which the helper (or its tracking child) gives up; the
 * module's timeout is shorter. */
#define HELPER_MAX_SECONDS 20

/*
 * Detaches from the caller's descriptors and records the outcome of the
 * verification in res in a child process, so the caller's wait ends now.
 * Returns in the parent.  Without a child the row is dropped and logged,
 * never written inline (track.c says why).
 */
void track_in_background(const char *db, const struct request *req,
			 const struct verify_result *res);

#endif
