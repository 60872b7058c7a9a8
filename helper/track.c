/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Why a child: the module's wait ends when the helper exits, and the write
 * (a transaction ending in fsync) takes milliseconds.  A right secret from
 * a refused address records a denial, a wrong secret records nothing; done
 * inline, the caller's timing would tell a stolen key is valid even where
 * the address is refused.  So every verification forks the same way,
 * whether there is anything to record or not, and the parent exits with the
 * decision at once.  The child is root in all uids (helper.c's
 * become_root), so the caller cannot stop it while it holds the write lock,
 * and a failed write is only logged: it never changes a decision.
 */
#include "track.h"

#include <errno.h>
#include <fcntl.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "logquote.h"
#include "store.h"

static void not_recorded(const struct verify_result *res, const char *why)
{
	char quoted[LOG_QUOTED_SIZE(512)];

	syslog(LOG_WARNING, "could not record use of key %s: %s", res->rec.id,
	       log_quote(why, quoted, sizeof quoted));
}

static void record(const char *db, const struct request *req,
		   const struct verify_result *res, time_t now)
{
	char err[512];
	struct store *s;
	enum store_result r;

	if (!res->secret_matched || req->op != REQ_OP_AUTH)
		return;
	s = store_open(db, STORE_TRACK, err, sizeof err);
	if (s == NULL) {
		not_recorded(res, err);
		return;
	}
	if (res->verdict == VERDICT_ACCEPT)
		r = store_record_use(s, res->rec.id, now, req->rhost);
	else
		r = store_record_denial(s, res->rec.id, now, req->rhost,
					res->reason);
	if (r == STORE_ERROR)
		not_recorded(res, store_error(s));
	store_close(s);
}

/* Without a child (no pipe, no fork) the row is dropped and logged, never
 * written inline: inline, the write would be the very timing difference
 * the child exists to hide (a caller can make fork fail by filling its
 * own cgroup's pids.max, or pipe2 by its descriptor limit). */
static void lost(const struct verify_result *res)
{
	if (res->secret_matched)
		not_recorded(res, "no process for it");
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

/* In the child: blocks until the parent is exiting (the pipe's write end
 * closes with it), then lets the caller reap it and go on, so that the
 * child's work never competes for the CPU with what the caller times. */
static void wait_for_parent(int fds[2])
{
	struct timespec settle = {0, 100 * 1000 * 1000};
	char byte;

	close(fds[1]);
	while (read(fds[0], &byte, 1) < 0 && errno == EINTR)
		;
	close(fds[0]);
	nanosleep(&settle, NULL);
}

void track_in_background(const char *db, const struct request *req,
			 const struct verify_result *res)
{
	time_t now = time(NULL);
	int parent_alive[2];
	pid_t pid;

	release_caller();
	if (pipe2(parent_alive, O_CLOEXEC) != 0) {
		lost(res);
		return;
	}
	pid = fork();
	if (pid > 0) {
		close(parent_alive[0]);
		return; /* parent_alive[1] closes when the helper exits */
	}
	if (pid == 0) {
		alarm(HELPER_MAX_SECONDS);
		wait_for_parent(parent_alive);
		record(db, req, res, now);
		_exit(0);
	}
	close(parent_alive[0]);
	close(parent_alive[1]);
	lost(res);
}
