/* SPDX-License-Identifier: BSD-2-Clause */
/* Running apikey-helper the way pam_unix runs unix_chkpwd, minus its
 * slips (DESIGN.md). */
#ifndef PAM_APIKEY_SPAWN_H
#define PAM_APIKEY_SPAWN_H

#include <security/pam_modules.h>
#include <stdbool.h>
#include <stddef.h>

#include "protocol.h"

#define HELPER_DIED (-1) /* killed, crashed, timed out or could not run */

struct helper_outcome {
	const char *via; /* "helper" or "apikeyd", for the log */
	int status;	 /* the helper's exit status, or HELPER_DIED */
	bool has_response;
	struct response response;
};

/*
 * Runs the helper at the absolute path helper with the encoded request on
 * its stdin, an empty environment and no other descriptors, and waits at
 * most timeout_seconds for it (then kills it).  SIGCHLD is set to default
 * for the call and restored, so a host that ignores or reaps children
 * still gets our exit status.
 */
void run_helper(pam_handle_t *pamh, const char *helper, const char *request,
		size_t request_len, int timeout_seconds,
		struct helper_outcome *out);

#endif
