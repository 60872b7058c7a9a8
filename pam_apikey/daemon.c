/* SPDX-License-Identifier: BSD-2-Clause */
#include "daemon.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "deadline.h"
#include "log.h"

/* A connected socket, or -1 when nothing listens at path. */
static int connect_daemon(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof sa.sun_path)
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool peer_is_root(pam_handle_t *pamh, int fd, const char *path)
{
	struct ucred cred;
	socklen_t len = sizeof cred;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
	    len == sizeof cred && cred.uid == 0)
		return true;
	module_log(pamh, LOG_ERR,
		   "the process listening at %s is not root's (uid %d): the "
		   "key was not sent",
		   path, len == sizeof cred ? (int)cred.uid : -1);
	return false;
}

static bool send_all(int fd, const char *buf, size_t len, long long deadline)
{
	size_t sent = 0;

	while (sent < len) {
		ssize_t n = send(fd, buf + sent, len - sent, MSG_NOSIGNAL);

		if (n > 0)
			sent += (size_t)n;
		else if (n < 0 && errno == EAGAIN &&
			 fd_ready(fd, POLLOUT, deadline))
			continue;
		else if (n < 0 && errno == EINTR)
			continue;
		else
			return false;
	}
	return shutdown(fd, SHUT_WR) == 0;
}

/* The answer until EOF: its length, or -1 on a timeout, an error or more
 * than an answer can hold.  A connection reset before a byte came is 0:
 * the kernel resets it when the daemon closes (or dies) with the request
 * unread, as past its connection caps or killed before it read it. */
static ssize_t read_answer(int fd, char *buf, size_t cap, long long deadline)
{
	size_t len = 0;

	for (;;) {
		ssize_t n = read(fd, buf + len, cap - len);

		if (n == 0 || (n < 0 && errno == ECONNRESET && len == 0))
			return (ssize_t)len;
		if (n > 0 && (len += (size_t)n) == cap)
			return -1;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n < 0 && errno == EAGAIN && !fd_ready(fd, POLLIN, deadline))
			return -1;
	}
}

enum daemon_reply ask_daemon(pam_handle_t *pamh, const char *path,
			     const char *request, size_t request_len,
			     int timeout_seconds, struct helper_outcome *out)
{
	long long deadline = monotonic_ms() + (long long)timeout_seconds * 1000;
	char buf[ANSWER_MAX + 1];
	ssize_t len = -1;
	int fd = connect_daemon(path);

	memset(out, 0, sizeof *out);
	out->status = HELPER_DIED;
	out->via = "apikeyd";
	if (fd < 0)
		return DAEMON_ABSENT;
	if (!peer_is_root(pamh, fd, path)) {
		close(fd);
		return DAEMON_ANSWERED;
	}
	/* a daemon that closed before taking the request told nothing */
	len = send_all(fd, request, request_len, deadline)
		  ? read_answer(fd, buf, sizeof buf, deadline)
		  : 0;
	close(fd);
	if (len == 0) {
		module_log(pamh, LOG_WARNING,
			   "apikeyd closed the connection without an answer; "
			   "asking the helper");
		return DAEMON_ABSENT;
	}
	if (len > 0 &&
	    answer_decode(buf, (size_t)len, &out->status, &out->response))
		out->has_response = true;
	else
		out->status = HELPER_DIED;
	explicit_bzero(buf, sizeof buf);
	return DAEMON_ANSWERED;
}
