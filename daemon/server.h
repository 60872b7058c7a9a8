/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * apikeyd's connections: one event loop, non-blocking sockets, one
 * request per connection.  A client writes its request and shuts its side
 * down; the answer is the status byte and the response (protocol.h).
 *
 * MUST rules kept here:
 * - no client can hold up another: every socket is non-blocking, a request
 *   must be whole within REQUEST_DEADLINE_MS of the connection, it is capped
 *   at REQ_MAX bytes (more is refused, never cut), and one uid may hold at
 *   most CONNS_PER_UID connections at once (more are closed unread: the
 *   module then asks the helper, which counts against that uid's limits);
 * - the caller is who the kernel says (SO_PEERCRED, SO_PEERGROUPS at the
 *   request), never what the request says; the rules are the helper's
 *   (serve.c, caller.c);
 * - each request reads its own snapshot of the store: a delete that
 *   returned is refused on the next request;
 * - the answer never waits for a tracking row (queue.h);
 * - SIGTERM stops new connections and ends once the open ones are answered
 *   or past their deadline.
 */
#ifndef DAEMON_SERVER_H
#define DAEMON_SERVER_H

#include "queue.h"
#include "source.h"

#define MAX_CONNS	    1024
#define CONNS_PER_UID	    64
#define REQUEST_DEADLINE_MS 2000
#define ACCEPT_PAUSE_MS	    100
#define ACCEPT_BATCH	    32
/* descriptors beyond the connections: listener, epoll, signals, store,
 * pepper, the writer's pipe, syslog */
#define OWN_FDS 32

/* Serves on the listening socket until a signal arrives on signal_fd and
 * the open connections are done; returns 0, or 1 on a setup failure. */
int server_run(int listen_fd, int signal_fd, struct source *src,
	       struct queue *q);

#endif
