/* SPDX-License-Identifier: BSD-2-Clause */
/* pam_apikey's module options (see pam_apikey(8) and README). */
#ifndef PAM_APIKEY_OPTIONS_H
#define PAM_APIKEY_OPTIONS_H

#include <security/pam_modules.h>
#include <stdbool.h>

#define DEFAULT_TIMEOUT_SECONDS 10
#define DEFAULT_WARN_DAYS	7
#define MAX_WARN_DAYS		3650
#define MAX_TIMEOUT_SECONDS	60

/* sun_path's size, less its NUL */
#define DAEMON_PATH_MAX 107

struct module_options {
	const char *helper; /* absolute path of apikey-helper */
	const char *daemon; /* apikeyd's socket; "" with nodaemon (and db=) */
	const char *db;	    /* store override, forwarded; the helper honours
			       it for root callers only */
	bool debug;
	bool nodelay;	     /* no pam_fail_delay on failure */
	int timeout_seconds; /* the helper is killed after this */
	int warn_days;	     /* warn when the key expires this soon; 0: never */
};

/* Reads argv; unknown or malformed options are logged and ignored.
 * use_first_pass and try_first_pass are left to pam_get_authtok(). */
void parse_options(pam_handle_t *pamh, int argc, const char **argv,
		   struct module_options *opts);

#endif
