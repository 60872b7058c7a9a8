/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The module's log lines.  libpam's pam_syslog writes the prefix
 * "pam_apikey(SERVICE:TYPE): " with the service as the application set it,
 * and any program a local user runs chooses that (pam_start, PAM_SERVICE):
 * "sshd:auth): accepted key for user=..." would plant a whole line.  So a
 * service that is not a plain name (letters, digits, ".", "_", "-") is not
 * handed to pam_syslog: the line says service="..." quoted instead.
 */
#ifndef APIKEY_LOG_H
#define APIKEY_LOG_H

#include <security/pam_modules.h>

void module_log(pam_handle_t *pamh, int priority, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
