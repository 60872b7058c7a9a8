/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pam_floor.so: the cost floor of any helper-per-login PAM module.  It
 * reads the password (pam_get_authtok, as pam_apikey does), posix_spawns
 * the helper -- bench/noop.c, setuid root, which exits 0 -- with an empty
 * environment, and waits for it: once per login, in the auth stage (its
 * stack's account stage is pam_permit).
 *
 *   auth required pam_floor.so helper=/abs/path/noop
 */
#include <errno.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>

/* The helper's exit status, or -1 when it did not run or exit. */
static int spawn_and_wait(const char *helper)
{
	char *const argv[] = {(char *)"noop", NULL};
	char *const envp[] = {NULL};
	pid_t pid;
	int status;

	if (posix_spawn(&pid, helper, NULL, NULL, argv, envp) != 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
				   const char **argv)
{
	const char *helper = NULL, *authtok = NULL;

	(void)flags;
	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], "helper=", 7) == 0)
			helper = argv[i] + 7;
	if (helper == NULL || helper[0] != '/')
		return PAM_AUTHINFO_UNAVAIL;
	if (pam_get_authtok(pamh, PAM_AUTHTOK, &authtok, NULL) != PAM_SUCCESS)
		return PAM_AUTH_ERR;
	return spawn_and_wait(helper) == 0 ? PAM_SUCCESS : PAM_AUTH_ERR;
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
