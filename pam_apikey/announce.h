/* SPDX-License-Identifier: BSD-2-Clause */
/* What a successful key login tells the session and the user. */
#ifndef PAM_APIKEY_ANNOUNCE_H
#define PAM_APIKEY_ANNOUNCE_H

#include <security/pam_modules.h>

#include "spawn.h"

/*
 * Sets PAM_APIKEY_ID and PAM_APIKEY_NAME in the PAM environment (sshd
 * passes it to the session), and when the key expires within warn_days
 * days, sends a PAM_TEXT_INFO warning as password ageing does.
 */
void announce_key(pam_handle_t *pamh, int warn_days, const char *key_id,
		  const struct helper_outcome *out);

#endif
