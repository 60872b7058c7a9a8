/* SPDX-License-Identifier: BSD-2-Clause */
#include "account.h"

#include <errno.h>
#include <pwd.h>
#include <string.h>

/* room for one passwd entry's strings (glibc suggests 1024) */
#define PW_BUF 16384

/* getpw*_r's result: not found is 0 with no entry (glibc), or one of the
 * codes POSIX lists for it; every other error is a failed lookup. */
static enum lookup outcome(int rc, const struct passwd *found)
{
	if (rc == 0)
		return found != NULL ? LOOKUP_FOUND : LOOKUP_NONE;
	return rc == ENOENT || rc == ESRCH ? LOOKUP_NONE : LOOKUP_FAILED;
}

enum lookup account_uid(const char *user, uid_t *uid)
{
	char buf[PW_BUF];
	struct passwd pw, *found = NULL;
	int rc = getpwnam_r(user, &pw, buf, sizeof buf, &found);
	enum lookup r = outcome(rc, found);

	if (r == LOOKUP_FOUND)
		*uid = pw.pw_uid;
	return r;
}

enum lookup account_name(uid_t uid, char *name, size_t cap)
{
	char buf[PW_BUF];
	struct passwd pw, *found = NULL;
	int rc = getpwuid_r(uid, &pw, buf, sizeof buf, &found);
	enum lookup r = outcome(rc, found);

	if (r != LOOKUP_FOUND)
		return r;
	if (strlen(pw.pw_name) >= cap)
		return LOOKUP_FAILED;
	memcpy(name, pw.pw_name, strlen(pw.pw_name) + 1);
	return LOOKUP_FOUND;
}
