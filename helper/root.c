/* SPDX-License-Identifier: BSD-2-Clause */
#include "root.h"

#include <grp.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <unistd.h>

#include "protocol.h"

void become_root(void)
{
	struct rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};
	uid_t real, effective, saved;

	if (getresuid(&real, &effective, &saved) != 0 ||
	    (effective != 0 && saved != 0))
		return;
	/* the effective uid first: it may have been set aside (track.c) */
	if (seteuid(0) != 0 || setgroups(0, NULL) != 0 ||
	    setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0 ||
	    setrlimit(RLIMIT_FSIZE, &unlimited) != 0)
		_exit(HELPER_SYSTEM_ERROR);
}

bool act_as(uid_t uid)
{
	return geteuid() != 0 || uid == 0 || seteuid(uid) == 0;
}

void act_as_root_again(void)
{
	uid_t real, effective, saved;

	if (getresuid(&real, &effective, &saved) != 0 ||
	    (saved == 0 && effective != 0 && seteuid(0) != 0))
		_exit(HELPER_SYSTEM_ERROR);
}
