/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Why a child: the module's wait ends when the helper exits, and the write
 * (a transaction) takes milliseconds.  Done inline, a right secret from a
 * refused address would write a denial and a wrong secret nothing, so the
 * caller's timing would tell a stolen key is valid.  So the helper answers
 * and exits, and a child writes the row once it is gone.
 *
 * MUST rules kept here:
 * - the child's own work is the same whatever the outcome, because every
 *   local user can read its CPU time in /proc: for every authentication it
 *   opens the store and updates one row -- the key's last use or last
 *   denial when the secret matched, otherwise the store's count of logins
 *   that matched no key (attributed to no key: nothing is recorded on a key
 *   whose secret was not presented);
 * - it is forked before the helper becomes root, so it counts against the
 *   caller's process limit; it becomes root only once the helper has
 *   answered and gone, right before it touches the store, so the caller can
 *   stop it only while it holds nothing;
 * - it holds none of the caller's descriptors, and wipes the key it
 *   inherited at once;
 * - without a child the row is dropped and logged, never written inline;
 *   a failed write is only logged: it never changes a decision.
 */
#include "track.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "outcome.h"
#include "root.h"
#include "store.h"

/* One row, whatever the outcome (outcome.c decides which). */
static void record(const char *db, const struct outcome *o)
{
	char err[512];
	struct store *s = store_open(db, STORE_TRACK, err, sizeof err);

	if (s == NULL) {
		outcome_not_recorded(o->id, err);
		return;
	}
	outcome_record(s, o);
	store_close(s);
}

/* The child must hold none of the caller's pipes, or the caller would
 * wait for it after all. */
static void release_caller(void)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	for (int fd = 0; fd <= 2; fd++)
		if (null < 0 || dup2(null, fd) < 0)
			close(fd);
	if (null > 2)
		close(null);
}

/* The outcome, then EOF once the helper has exited (its end of the pipe
 * closes with it); false when no whole outcome came. */
static bool await_outcome(int fd, struct outcome *o)
{
	size_t got = 0;
	char byte;
	ssize_t n;

	while (got < sizeof *o) {
		n = read(fd, (char *)o + got, sizeof *o - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	while ((n = read(fd, &byte, 1)) < 0 && errno == EINTR)
		;
	return n == 0;
}

static void child(int fd, const char *db, struct request *req)
{
	struct timespec settle = {0, 100 * 1000 * 1000};
	struct outcome o;
	char path[sizeof req->db];

	memset(req->key, 0, sizeof req->key);
	release_caller();
	alarm(HELPER_MAX_SECONDS);
	snprintf(path, sizeof path, "%s", db);
	if (!await_outcome(fd, &o) || !o.record)
		_exit(0);
	/* let the caller reap the helper and go on: this work never
	 * competes for the CPU with what the caller times */
	nanosleep(&settle, NULL);
	become_root();
	record(path, &o);
	_exit(0);
}

void track_start(struct tracker *t, const char *db, struct request *req,
		 uid_t caller)
{
	int fds[2];

	t->pid = -1;
	t->fd = -1;
	if (pipe2(fds, O_CLOEXEC) != 0)
		return;
	if (act_as(caller)) {
		t->pid = fork();
		if (t->pid == 0) {
			close(fds[1]);
			child(fds[0], db, req);
		}
		act_as_root_again();
	}
	close(fds[0]);
	if (t->pid < 0)
		close(fds[1]);
	else
		t->fd = fds[1];
}

void track_finish(const struct tracker *t, const struct outcome *o)
{
	if (t->pid < 0)
		outcome_not_recorded(o->id, "no process for it");
	else if (write(t->fd, o, sizeof *o) != (ssize_t)sizeof *o)
		outcome_not_recorded(o->id, "the tracking child went away");
}
