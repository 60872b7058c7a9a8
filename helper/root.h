/* SPDX-License-Identifier: BSD-2-Clause */
/* Becoming root through and through: for the helper, to serve a request it
 * has read, and for its tracking child, to write the store. */
#ifndef APIKEY_ROOT_H
#define APIKEY_ROOT_H

#include <stdbool.h>
#include <sys/types.h>

/* Seconds after which the helper (or its tracking child) gives up; the
 * module's timeout is shorter. */
#define HELPER_MAX_SECONDS 20

/*
 * A setuid process keeps its caller's real uid, and the caller may send it
 * SIGSTOP while it holds the store: root in all three uids, no caller
 * groups, no inherited file size limit.  Without a setuid bit there is
 * nothing to do (the store will refuse us).  Exits on failure.
 */
void become_root(void);

/*
 * Sets the effective uid aside for uid, and takes it back: the kernel
 * checks RLIMIT_NPROC at fork only for a process without root's effective
 * capabilities, so a child forked as the caller must be forked like this
 * to count against the caller's limit.  act_as is false when the uid
 * could not be set (nothing changed); act_as_root_again exits when root
 * cannot be taken back.
 */
bool act_as(uid_t uid);
void act_as_root_again(void);

#endif
