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

#include "logquote.h"
#include "root.h"
#include "store.h"

/* What the helper hands its child: this same program, over a pipe. */
struct outcome {
	bool record; /* an authentication whose store could be read */
	bool matched, accepted;
	char id[KEY_ID_LEN + 1];
	char reason[REASON_MAX + 1];
	time_t now;
};

static void not_recorded(const char *id, const char *why)
{
	char quoted[LOG_QUOTED_SIZE(512)];

	syslog(LOG_WARNING, "could not record use of key %s: %s",
	       id[0] != '\0' ? id : "(none matched)",
	       log_quote(why, quoted, sizeof quoted));
}

/* One UPDATE of one row, whatever the outcome. */
static void record(const char *db, const char *rhost, const struct outcome *o)
{
	char err[512];
	struct store *s = store_open(db, STORE_TRACK, err, sizeof err);
	enum store_result r;

	if (s == NULL) {
		not_recorded(o->id, err);
		return;
	}
	if (!o->matched)
		r = store_record_unmatched(s, o->now);
	else if (o->accepted)
		r = store_record_use(s, o->id, o->now, rhost);
	else
		r = store_record_denial(s, o->id, o->now, rhost, o->reason);
	if (r == STORE_ERROR)
		not_recorded(o->id, store_error(s));
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
	char rhost[sizeof req->rhost], path[sizeof req->db];

	memset(req->key, 0, sizeof req->key);
	release_caller();
	alarm(HELPER_MAX_SECONDS);
	memcpy(rhost, req->rhost, sizeof rhost);
	snprintf(path, sizeof path, "%s", db);
	if (!await_outcome(fd, &o) || !o.record)
		_exit(0);
	/* let the caller reap the helper and go on: this work never
	 * competes for the CPU with what the caller times */
	nanosleep(&settle, NULL);
	become_root();
	record(path, rhost, &o);
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

void track_finish(const struct tracker *t, const struct request *req,
		  const struct verify_result *res, bool store_read)
{
	struct outcome o;

	if (t->pid < 0) {
		not_recorded(res->secret_matched ? res->rec.id : "",
			     "no process for it");
		return;
	}
	memset(&o, 0, sizeof o);
	o.record = store_read && req->op == REQ_OP_AUTH;
	o.matched = res->secret_matched;
	o.accepted = res->verdict == VERDICT_ACCEPT;
	o.now = time(NULL);
	if (o.matched)
		memcpy(o.id, res->rec.id, sizeof o.id);
	snprintf(o.reason, sizeof o.reason, "%s", res->reason);
	if (write(t->fd, &o, sizeof o) != (ssize_t)sizeof o)
		not_recorded(o.id, "the tracking child went away");
}
