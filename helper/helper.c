/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * apikey-helper: the setuid-root program that alone reads the key store for
 * logins.  One request per exec, read from stdin; the exit status is the
 * decision (protocol.h).  It never execs anything; it forks once, before it
 * serves the request, a child that records the outcome after the answer
 * (track.c).
 *
 * MUST rules kept here (in this order):
 * - hygiene before anything else: fds 0-2 valid, every fd >= 3 closed,
 *   empty environment (SQLite reads TMPDIR), umask 077, cwd "/", catchable
 *   signals blocked, no core dumps;
 * - argc must be exactly 1 and argv[0] non-empty (pkexec CVE-2021-4034);
 * - the request is read first, under the caller's uid and limits, with a
 *   short deadline: a helper that has no request yet is the caller's
 *   process, and counts against its limits;
 * - the request is framed and capped; anything odd is refused, not cut;
 * - only then fork the tracking child (track.c: it, too, counts against
 *   the caller's limits) and, to serve the request, become root through
 *   and through, so the caller can no longer stop the helper while it
 *   holds the store;
 * - who asks decides what may be asked (caller.c): root anything; the
 *   verifier group, through a service the store lists for it, the keys
 *   scoped to that service, and hears only yes or no; anyone else its own
 *   account; a key out of the caller's scope is answered as a wrong key;
 * - never log or keep the key; wipe it; quote what is logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "logquote.h"
#include "protocol.h"
#include "root.h"
#include "safefile.h"
#include "secret.h"
#include "serve.h"
#include "store.h"
#include "track.h"
#include "verify.h"

#define PROGRAM_NAME "apikey-helper"
/* the module writes the whole request before the helper starts */
#define REQUEST_DEADLINE_MS 2000

/* Everything but faults is blocked; SIGALRM (default: terminate) bounds
 * the run.  A kill -9 leaves SQLite's journal to undo any open write. */
static void block_signals(void)
{
	static const int keep[] = {SIGSEGV, SIGBUS,  SIGFPE, SIGILL,
				   SIGABRT, SIGTRAP, SIGALRM};
	sigset_t set;

	sigfillset(&set);
	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
		sigdelset(&set, keep[i]);
	sigprocmask(SIG_SETMASK, &set, NULL);
	signal(SIGALRM, SIG_DFL);
	alarm(HELPER_MAX_SECONDS);
}

static void hygiene(int argc, char **argv)
{
	struct rlimit no_core = {0, 0};

	if (!std_fds_open())
		_exit(HELPER_SYSTEM_ERROR);
	if (close_range(3, ~0U, 0) != 0)
		_exit(HELPER_SYSTEM_ERROR);
	if (clearenv() != 0)
		_exit(HELPER_SYSTEM_ERROR);
	umask(077);
	if (chdir("/") != 0)
		_exit(HELPER_SYSTEM_ERROR);
	block_signals();
	prctl(PR_SET_DUMPABLE, 0);
	setrlimit(RLIMIT_CORE, &no_core);
	openlog(PROGRAM_NAME, LOG_PID, LOG_AUTHPRIV);
	/* Linux >= 5.18 turns argc == 0 into argv[0] == "" */
	if (argc != 1 || argv[0] == NULL || argv[0][0] == '\0') {
		syslog(LOG_ERR, "refused: called with %d arguments", argc);
		_exit(HELPER_BAD_REQUEST);
	}
}

/* Reads all of stdin, at most REQ_MAX bytes (more is an error), before
 * the deadline. */
static bool read_request(struct request *req)
{
	char buf[REQ_MAX + 1];
	long long deadline = monotonic_ms() + REQUEST_DEADLINE_MS;
	size_t len = 0;
	bool ok = false;

	if (isatty(STDIN_FILENO))
		return false;
	while (len < sizeof buf && fd_ready(STDIN_FILENO, POLLIN, deadline)) {
		ssize_t n = read(STDIN_FILENO, buf + len, sizeof buf - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n == 0) {
			ok = len <= REQ_MAX && request_decode(buf, len, req);
			break;
		}
		len += (size_t)n;
	}
	secret_wipe(buf, sizeof buf);
	return ok;
}

/* What the module hears (caller_response). */
static void respond(const struct response *resp)
{
	char buf[RESP_MAX];
	size_t len = response_encode(resp, buf, sizeof buf);

	if (len > 0 && write(STDOUT_FILENO, buf, len) < 0)
		syslog(LOG_DEBUG, "module went away before the response");
}

/* The store and, for an authentication, the pepper; on failure b->store
 * is NULL and err says why. */
static void open_backing(const char *db, const struct request *req,
			 struct backing *b, char *err, size_t errlen)
{
	b->unavailable = err;
	b->store = store_open(db, STORE_READ, err, errlen);
	if (b->store != NULL && req->op == REQ_OP_AUTH &&
	    !pepper_load(APIKEY_PEPPER_PATH, (unsigned char *)b->pepper, err,
			 errlen)) {
		store_close(b->store);
		b->store = NULL;
	}
}

/* As root: decides, answers, and hands the outcome to the tracking child. */
static int serve(struct request *req, const struct caller *c,
		 const struct tracker *tracker)
{
	static struct served out;
	unsigned char pepper[PEPPER_LEN];
	char err[512];
	struct backing b = {NULL, pepper, "libsodium could not start"};

	if (secret_init())
		open_backing(req->db[0] != '\0' ? req->db : APIKEY_DB_PATH, req,
			     &b, err, sizeof err);
	serve_decide(&b, req, c, &out);
	secret_wipe(pepper, sizeof pepper);
	store_close(b.store);
	respond(&out.response);
	track_finish(tracker, &out.outcome);
	return out.status;
}

int main(int argc, char **argv)
{
	static struct request req;
	struct tracker tracker;
	struct caller caller;
	int status = HELPER_BAD_REQUEST;

	hygiene(argc, argv);
	caller_identify_self(&caller);
	if (!read_request(&req)) {
		syslog(LOG_ERR,
		       "refused: malformed or missing request from "
		       "uid %u",
		       (unsigned)caller.uid);
	} else if ((status = serve_admissible(&caller, &req)) != HELPER_OK) {
		/* refused or undecidable: the store is not read */
	} else {
		const char *db = req.db[0] != '\0' ? req.db : APIKEY_DB_PATH;

		/* still the caller's process: so is the child */
		track_start(&tracker, db, &req, caller.uid);
		become_root();
		status = serve(&req, &caller, &tracker);
	}
	secret_wipe(&req, sizeof req);
	return status;
}
