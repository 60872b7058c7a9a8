/* SPDX-License-Identifier: BSD-2-Clause */
/* Asking apikeyd over its unix socket, before the helper (DESIGN.md). */
#ifndef PAM_APIKEY_DAEMON_H
#define PAM_APIKEY_DAEMON_H

#include <security/pam_modules.h>
#include <stddef.h>

#include "spawn.h"

enum daemon_reply {
	DAEMON_ABSENT,	 /* nothing listens there: run the helper */
	DAEMON_ANSWERED, /* out holds the answer, or HELPER_DIED */
};

/*
 * Sends the encoded request to the daemon listening at path.  DAEMON_ABSENT
 * (run the helper) when no daemon takes the connection (no socket, refused,
 * its queue full) or one closes it without a byte of answer (killed, or
 * over its per-user limit): nothing was told, and the helper decides
 * afresh from the store.  Every other failure is a system error
 * (HELPER_DIED), not a second try: a peer that is not root (the key is not
 * sent: someone else holds the socket's name), no whole answer before
 * timeout_seconds, or an answer that does not decode.
 */
enum daemon_reply ask_daemon(pam_handle_t *pamh, const char *path,
			     const char *request, size_t request_len,
			     int timeout_seconds, struct helper_outcome *out);

#endif
