/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pam-test: drives a real libpam stack from a service file in a test
 * directory (pam_start_confdir), answering password prompts with the first
 * line of stdin.  Prints "auth=<code name>", the PAM environment as
 * "env=NAME=VALUE" lines, info messages as "message=TEXT", and "acct=..."
 * with --acct.
 * Exit status: the pam_authenticate result (then acct's, if asked).
 *
 *   pam-test CONFDIR SERVICE USER [--rhost ADDR] [--acct] [--between CMD]
 *
 * --between runs a shell command after authentication and before the
 * account check (to change the store in between).  --ignore-sigchld and
 * --reap-sigchld make the host ignore SIGCHLD or reap every child in a
 * handler, as some daemons do; --close-stdin closes fd 0 just before
 * pam_authenticate.
 */
#include <security/pam_appl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char password[4096];

static int answer(int count, const struct pam_message **msgs,
		  struct pam_response **replies, void *data)
{
	struct pam_response *r = calloc((size_t)count, sizeof *r);

	(void)data;
	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < count; i++) {
		if (msgs[i]->msg_style == PAM_PROMPT_ECHO_OFF ||
		    msgs[i]->msg_style == PAM_PROMPT_ECHO_ON) {
			printf("prompt=%s\n", msgs[i]->msg);
			r[i].resp = strdup(password);
		} else
			printf("message=%s\n", msgs[i]->msg);
	}
	*replies = r;
	return PAM_SUCCESS;
}

/* no 2 s pause after a failure: the tests check results, not delays */
static void no_delay(int status, unsigned int usec, void *data)
{
	(void)status;
	(void)usec;
	(void)data;
}

static const char *code_name(int rc)
{
	switch (rc) {
	case PAM_SUCCESS: return "PAM_SUCCESS";
	case PAM_AUTH_ERR: return "PAM_AUTH_ERR";
	case PAM_USER_UNKNOWN: return "PAM_USER_UNKNOWN";
	case PAM_AUTHINFO_UNAVAIL: return "PAM_AUTHINFO_UNAVAIL";
	case PAM_IGNORE: return "PAM_IGNORE";
	case PAM_PERM_DENIED: return "PAM_PERM_DENIED";
	case PAM_ACCT_EXPIRED: return "PAM_ACCT_EXPIRED";
	case PAM_ABORT: return "PAM_ABORT";
	case PAM_SYSTEM_ERR: return "PAM_SYSTEM_ERR";
	case PAM_MAXTRIES: return "PAM_MAXTRIES";
	default: return "PAM_OTHER";
	}
}

static void print_env(pam_handle_t *pamh)
{
	char **env = pam_getenvlist(pamh);

	for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
		printf("env=%s\n", env[i]);
		free(env[i]);
	}
	free(env);
}

static void reap_all(int sig)
{
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int main(int argc, char **argv)
{
	struct pam_conv conv = {answer, NULL};
	pam_handle_t *pamh = NULL;
	const char *rhost = NULL, *between = NULL;
	int acct = 0, rc;

	if (argc < 4) {
		fprintf(stderr, "usage: pam-test CONFDIR SERVICE USER "
				"[--rhost ADDR] [--acct]\n");
		return 99;
	}
	for (int i = 4; i < argc; i++) {
		if (strcmp(argv[i], "--rhost") == 0 && i + 1 < argc)
			rhost = argv[++i];
		else if (strcmp(argv[i], "--acct") == 0)
			acct = 1;
		else if (strcmp(argv[i], "--between") == 0 && i + 1 < argc)
			between = argv[++i];
		else if (strcmp(argv[i], "--ignore-sigchld") == 0)
			signal(SIGCHLD, SIG_IGN);
		else if (strcmp(argv[i], "--reap-sigchld") == 0)
			signal(SIGCHLD, reap_all);
	}
	if (fgets(password, sizeof password, stdin) != NULL)
		password[strcspn(password, "\n")] = '\0';

	rc = pam_start_confdir(argv[2], argv[3], &conv, argv[1], &pamh);
	if (rc != PAM_SUCCESS) {
		printf("start=%s\n", code_name(rc));
		return 98;
	}
	pam_set_item(pamh, PAM_FAIL_DELAY, (const void *)no_delay);
	if (rhost != NULL)
		pam_set_item(pamh, PAM_RHOST, rhost);
	for (int i = 4; i < argc; i++)
		if (strcmp(argv[i], "--close-stdin") == 0)
			close(0); /* a host (a daemon) without fd 0 */
	rc = pam_authenticate(pamh, 0);
	printf("auth=%s\n", code_name(rc));
	print_env(pamh);
	if (rc == PAM_SUCCESS && between != NULL && system(between) != 0)
		printf("between=failed\n");
	if (rc == PAM_SUCCESS && acct) {
		rc = pam_acct_mgmt(pamh, 0);
		printf("acct=%s\n", code_name(rc));
	}
	pam_end(pamh, rc);
	return rc;
}
