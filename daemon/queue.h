/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * apikeyd's tracking rows: the request path only writes the outcome into
 * a pipe (non-blocking, one atomic write), so an answer's timing never
 * depends on what is recorded; a writer process of its own reads what has
 * gathered and writes it in one transaction, at the latest QUEUE_FLUSH_MS
 * after the first row came.  kill -9 loses the rows not yet written; a
 * full pipe drops rows (counted and logged), never blocks an answer.
 *
 * A process, not a thread: SQLite's locks are POSIX record locks, which a
 * process loses on every descriptor of the file when it closes any one of
 * them, and opening the store safely (store_open) opens and closes it.
 */
#ifndef DAEMON_QUEUE_H
#define DAEMON_QUEUE_H

#include <stdbool.h>
#include <sys/types.h>

#include "outcome.h"

#define QUEUE_FLUSH_MS	20
#define QUEUE_BATCH_MAX 512

struct queue {
	const char *db_path;
	int fd;	   /* the pipe's write end, non-blocking; -1: none */
	pid_t pid; /* the writer */
	unsigned long dropped;	/* in earlier episodes */
	unsigned long dropping; /* in this one */
};

/* Forks the writer.  Only while this process has no store open: a child
 * forked with one inherits SQLite's lock bookkeeping for descriptors it
 * closes, and could never lock the store.  False (logged) when there is
 * none: rows are then dropped. */
bool queue_start(struct queue *q, const char *db_path);

/* Hands o to the writer, or drops it (counted) when the pipe is full.
 * False when the writer is gone: close the store, then queue_restart. */
bool queue_push(struct queue *q, const struct outcome *o);

/* Reaps the writer that went away and forks another (as queue_start). */
void queue_restart(struct queue *q);

/* Closes the pipe and waits until the writer has written what it had. */
void queue_stop(struct queue *q);

#endif
