/* SPDX-License-Identifier: BSD-2-Clause */
#include "login.h"

#include <errno.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int answer(int count, const struct pam_message **msgs,
		  struct pam_response **replies, void *data)
{
	struct pam_response *r = calloc((size_t)count, sizeof *r);

	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < count; i++)
		if (msgs[i]->msg_style == PAM_PROMPT_ECHO_OFF ||
		    msgs[i]->msg_style == PAM_PROMPT_ECHO_ON)
			r[i].resp = strdup(data);
	*replies = r;
	return PAM_SUCCESS;
}

static void no_delay(int status, unsigned int usec, void *data)
{
	(void)status;
	(void)usec;
	(void)data;
}

int whole_login(const struct login_target *t, const char *password)
{
	struct pam_conv conv = {answer, (void *)password};
	pam_handle_t *pamh = NULL;
	int rc =
	    pam_start_confdir(t->service, t->user, &conv, t->confdir, &pamh);

	if (rc != PAM_SUCCESS)
		return LOGIN_START_FAILED + rc;
	pam_set_item(pamh, PAM_FAIL_DELAY, (const void *)no_delay);
	pam_set_item(pamh, PAM_RHOST, "198.51.100.7");
	rc = pam_authenticate(pamh, 0);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(pamh, 0);
	pam_end(pamh, rc);
	return rc;
}

bool read_first_line(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	bool ok = f != NULL && fgets(buf, (int)cap, f) != NULL;

	if (f != NULL)
		fclose(f);
	if (!ok) {
		fprintf(stderr, "cannot read a line from %s\n", path);
		return false;
	}
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The whole buffer through read or write, across EINTR and short counts. */
static int transfer_all(int fd, char *c, size_t len, bool out)
{
	while (len > 0) {
		ssize_t n = out ? write(fd, c, len) : read(fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

int write_all(int fd, const void *p, size_t len)
{
	return transfer_all(fd, (char *)p, len, true);
}

int read_all(int fd, void *p, size_t len)
{
	return transfer_all(fd, p, len, false);
}
