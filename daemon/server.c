/* SPDX-License-Identifier: BSD-2-Clause */
#include "server.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "deadline.h"
#include "refusal_log.h"
#include "serve.h"

struct conn {
	int fd; /* -1: a free slot */
	uid_t uid;
	gid_t gid;
	size_t len;
	long long deadline;
	struct conn *prev, *next; /* the open ones, oldest first */
	char *buf;		  /* REQ_BUF bytes of its own */
};

/* one more than a request may hold */
#define REQ_BUF (REQ_MAX + 1)

struct uid_count {
	uid_t uid;
	int count;
};

struct server {
	int epfd, listen_fd, signal_fd;
	bool draining;
	long long drain_deadline;
	long long accept_resume; /* > 0: accepting paused until then */
	struct source *src;
	struct queue *q;
	struct conn conns[MAX_CONNS];
	/* apart from conns: a buffer's pages are touched only once it is
	 * used, and the free slots are taken newest first */
	char bufs[MAX_CONNS][REQ_BUF];
	struct conn *free_slots[MAX_CONNS];
	size_t free_count;
	struct conn *oldest, *newest;
	size_t open;
	struct uid_count uids[MAX_CONNS];
	size_t uid_count;
	struct served served; /* the request being served */
	unsigned long requests;
};

/* epoll's tags for the two descriptors that are not connections */
static char listen_tag, signal_tag;

/* ---- how many connections each uid holds ------------------------------ */

static bool uid_take(struct server *sv, uid_t uid)
{
	for (size_t i = 0; i < sv->uid_count; i++) {
		if (sv->uids[i].uid != uid)
			continue;
		if (sv->uids[i].count >= CONNS_PER_UID)
			return false;
		sv->uids[i].count++;
		return true;
	}
	sv->uids[sv->uid_count++] = (struct uid_count){uid, 1};
	return true;
}

static void uid_give(struct server *sv, uid_t uid)
{
	for (size_t i = 0; i < sv->uid_count; i++) {
		if (sv->uids[i].uid != uid)
			continue;
		if (--sv->uids[i].count == 0)
			sv->uids[i] = sv->uids[--sv->uid_count];
		return;
	}
}

/* ---- connections --------------------------------------------------------- */

static void close_conn(struct server *sv, struct conn *c)
{
	epoll_ctl(sv->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	explicit_bzero(c->buf, c->len);
	c->fd = -1;
	uid_give(sv, c->uid);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		sv->oldest = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		sv->newest = c->prev;
	sv->free_slots[sv->free_count++] = c;
	sv->open--;
}

/* A new connection, or false when its uid (or everyone) holds too many. */
static bool open_conn(struct server *sv, int fd, const struct ucred *cred)
{
	struct epoll_event ev = {.events = EPOLLIN};
	struct conn *c;

	if (sv->free_count == 0 || !uid_take(sv, cred->uid))
		return false;
	c = sv->free_slots[--sv->free_count];
	c->fd = fd;
	c->uid = cred->uid;
	c->gid = cred->gid;
	c->len = 0;
	c->deadline = monotonic_ms() + REQUEST_DEADLINE_MS;
	c->next = NULL;
	c->prev = sv->newest;
	if (sv->newest != NULL)
		sv->newest->next = c;
	else
		sv->oldest = c;
	sv->newest = c;
	sv->open++;
	ev.data.ptr = c;
	if (epoll_ctl(sv->epfd, EPOLL_CTL_ADD, fd, &ev) == 0)
		return true;
	close_conn(sv, c); /* closes fd too */
	return true;
}

/* accept failing (out of descriptors or memory): the listening socket
 * stays readable, so it leaves the loop for a while instead of spinning;
 * its clients wait in the backlog meanwhile */
static void pause_accepting(struct server *sv)
{
	syslog(LOG_WARNING, "accept: %m; accepting again in %d ms",
	       ACCEPT_PAUSE_MS);
	epoll_ctl(sv->epfd, EPOLL_CTL_DEL, sv->listen_fd, NULL);
	sv->accept_resume = monotonic_ms() + ACCEPT_PAUSE_MS;
}

static void resume_accepting(struct server *sv, long long now)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &listen_tag};

	if (sv->accept_resume == 0 || now < sv->accept_resume ||
	    sv->listen_fd < 0)
		return;
	sv->accept_resume = 0;
	epoll_ctl(sv->epfd, EPOLL_CTL_ADD, sv->listen_fd, &ev);
}

/* At most ACCEPT_BATCH connections per wake-up: a user who connects and
 * closes as fast as it can must not keep the loop from reading the
 * others' requests (the listener is level-triggered: the rest wait). */
static void accept_some(struct server *sv)
{
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		int fd = accept4(sv->listen_fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ucred cred;
		socklen_t len = sizeof cred;

		if (fd < 0 && errno == EINTR)
			continue; /* (counted: at most ACCEPT_BATCH tries) */
		if (fd < 0) {
			if (errno != EAGAIN && errno != ECONNABORTED)
				pause_accepting(sv);
			return;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
		    len != sizeof cred || !open_conn(sv, fd, &cred))
			close(fd); /* unread: the module asks the helper */
	}
}

/* The peer's supplementary groups as the kernel keeps them. */
static size_t peer_groups(int fd, gid_t *groups, size_t cap)
{
	socklen_t len = (socklen_t)(cap * sizeof *groups);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) != 0)
		return 0; /* fewer rights, never more */
	return len / sizeof *groups;
}

static void answer(int fd, int status, const struct response *resp)
{
	char buf[ANSWER_MAX];
	size_t len = answer_encode(status, resp, buf, sizeof buf);

	if (len == 0 ||
	    send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)len)
		refusal_log(LOG_DEBUG, "a client went away before its answer");
}

/* The whole request is in: decide and answer it. */
static void serve_conn(struct server *sv, struct conn *c)
{
	static const struct response none;
	static gid_t groups[NGROUPS_MAX];
	static struct request req;
	struct caller caller;
	struct backing b;
	int status;

	sv->requests++;
	if (!request_decode(c->buf, c->len, &req)) {
		refusal_log(LOG_ERR, "refused: malformed request from uid %u",
			    (unsigned)c->uid);
		answer(c->fd, HELPER_BAD_REQUEST, &none);
		return;
	}
	caller_identify(&caller, c->uid, c->gid, groups,
			peer_groups(c->fd, groups, NGROUPS_MAX));
	if (req.db[0] != '\0') {
		/* its own store only: another is the helper's (for root) */
		refusal_log(LOG_ERR,
			    "refused: a request naming another store from "
			    "uid %u",
			    (unsigned)c->uid);
		answer(c->fd, HELPER_BAD_REQUEST, &none);
	} else if ((status = serve_admissible(&caller, &req)) != HELPER_OK) {
		answer(c->fd, status, &none);
	} else {
		source_refresh(sv->src, &b);
		serve_decide(&b, &req, &caller, &sv->served);
		source_settle(sv->src);
		answer(c->fd, sv->served.status, &sv->served.response);
		if (!queue_push(sv->q, &sv->served.outcome)) {
			/* the next request opens the store again */
			source_close(sv->src);
			queue_restart(sv->q);
		}
	}
	explicit_bzero(&req, sizeof req);
}

static void on_readable(struct server *sv, struct conn *c)
{
	for (;;) {
		ssize_t n = read(c->fd, c->buf + c->len, REQ_BUF - c->len);

		if (n > 0) {
			c->len += (size_t)n;
			if (c->len <= REQ_MAX)
				continue;
			refusal_log(LOG_ERR,
				    "refused: a request over %zu bytes from "
				    "uid %u",
				    (size_t)REQ_MAX, (unsigned)c->uid);
			answer(c->fd, HELPER_BAD_REQUEST,
			       &(const struct response){0});
		} else if (n == 0 && c->len > 0) {
			serve_conn(sv, c);
		} else if (n == 0) {
			/* a connection without a request: nothing to say */
		} else if (errno == EINTR) {
			continue;
		} else if (errno == EAGAIN) {
			return;
		}
		close_conn(sv, c);
		return;
	}
}

/* Connections past their deadline are closed unanswered. */
static void expire(struct server *sv, long long now)
{
	while (sv->oldest != NULL && sv->oldest->deadline <= now)
		close_conn(sv, sv->oldest);
}

/* ---- the loop ------------------------------------------------------------ */

static void start_draining(struct server *sv)
{
	struct signalfd_siginfo si;

	while (read(sv->signal_fd, &si, sizeof si) > 0)
		;
	if (sv->draining)
		return;
	syslog(LOG_INFO,
	       "stopping after %lu requests: answering the %zu open "
	       "connections",
	       sv->requests, sv->open);
	sv->draining = true;
	sv->drain_deadline = monotonic_ms() + REQUEST_DEADLINE_MS;
	epoll_ctl(sv->epfd, EPOLL_CTL_DEL, sv->listen_fd, NULL);
	close(sv->listen_fd); /* new connections: refused, the helper's */
	sv->listen_fd = -1;
}

static int wait_ms(const struct server *sv, long long now)
{
	long long until = sv->oldest != NULL ? sv->oldest->deadline : -1;

	if (sv->draining && (until < 0 || sv->drain_deadline < until))
		until = sv->drain_deadline;
	if (sv->accept_resume > 0 && (until < 0 || sv->accept_resume < until))
		until = sv->accept_resume;
	if (until < 0)
		return 1000; /* at least once a second: refusal_log_tick */
	return until <= now ? 0 : (int)(until - now);
}

static void dispatch(struct server *sv, const struct epoll_event *ev)
{
	if (ev->data.ptr == &listen_tag)
		accept_some(sv);
	else if (ev->data.ptr == &signal_tag)
		start_draining(sv);
	else if (((struct conn *)ev->data.ptr)->fd >= 0)
		on_readable(sv, ev->data.ptr);
}

static bool watch(struct server *sv, int fd, void *tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = tag};

	return epoll_ctl(sv->epfd, EPOLL_CTL_ADD, fd, &ev) == 0;
}

static void loop(struct server *sv)
{
	struct epoll_event events[64];

	while (!sv->draining ||
	       (sv->open > 0 && monotonic_ms() < sv->drain_deadline)) {
		int n = epoll_wait(sv->epfd, events, 64,
				   wait_ms(sv, monotonic_ms()));

		if (n < 0 && errno != EINTR) {
			syslog(LOG_ERR, "epoll_wait: %m");
			return;
		}
		for (int i = 0; i < n; i++)
			dispatch(sv, &events[i]);
		expire(sv, monotonic_ms());
		resume_accepting(sv, monotonic_ms());
		refusal_log_tick();
	}
}

int server_run(int listen_fd, int signal_fd, struct source *src,
	       struct queue *q)
{
	static struct server sv;

	sv.listen_fd = listen_fd;
	sv.signal_fd = signal_fd;
	sv.src = src;
	sv.q = q;
	for (size_t i = 0; i < MAX_CONNS; i++) {
		sv.conns[i].fd = -1;
		sv.conns[i].buf = sv.bufs[i];
		sv.free_slots[i] = &sv.conns[MAX_CONNS - 1 - i];
	}
	sv.free_count = MAX_CONNS;
	sv.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sv.epfd < 0 || !watch(&sv, listen_fd, &listen_tag) ||
	    !watch(&sv, signal_fd, &signal_tag)) {
		syslog(LOG_ERR, "epoll: %m");
		return 1;
	}
	loop(&sv);
	refusal_log_flush();
	while (sv.oldest != NULL)
		close_conn(&sv, sv.oldest);
	if (sv.listen_fd >= 0)
		close(sv.listen_fd);
	close(sv.epfd);
	return 0;
}
