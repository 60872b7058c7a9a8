/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pam_floor.so: the cost floor of a helper-based PAM module.  It does what
 * pam_apikey does around its helper and nothing else: reads the password
 * (pam_get_authtok) and runs the helper through pam_apikey's own
 * run_helper() (pam_apikey/spawn.c, linked in unchanged: pipe2, fork,
 * sanitised fds, execve with an empty environment, waitpid with a
 * deadline).  The helper is bench/noop.c, setuid root, which exits 0.
 *
 *   auth required pam_floor.so helper=/abs/path/noop
 */
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <string.h>

#include "spawn.h"

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
				   const char **argv)
{
	const char *helper = NULL, *authtok = NULL;
	struct helper_outcome out;
	static const char request[] = "PAK1";

	(void)flags;
	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], "helper=", 7) == 0)
			helper = argv[i] + 7;
	if (helper == NULL)
		return PAM_AUTHINFO_UNAVAIL;
	if (pam_get_authtok(pamh, PAM_AUTHTOK, &authtok, NULL) != PAM_SUCCESS)
		return PAM_AUTH_ERR;
	run_helper(pamh, helper, request, sizeof request, 10, &out);
	return out.status == HELPER_OK ? PAM_SUCCESS : PAM_AUTH_ERR;
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc,
			      const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
