/* SPDX-License-Identifier: BSD-2-Clause */
#include "queue.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

/* One transaction for the whole batch: a failure loses the batch, logged. */
static void write_batch(const char *db_path, const struct outcome *rows,
			size_t count)
{
	char err[512];
	struct store *s = store_open(db_path, STORE_TRACK, err, sizeof err);

	if (s == NULL) {
		outcome_not_recorded("", err);
		return;
	}
	if (store_begin(s) != STORE_OK) {
		outcome_not_recorded("", store_error(s));
	} else {
		for (size_t i = 0; i < count; i++)
			outcome_record(s, &rows[i]);
		if (store_commit(s) != STORE_OK) {
			outcome_not_recorded("", store_error(s));
			store_rollback(s);
		}
	}
	store_close(s);
}

/* The rows waiting in the pipe (non-blocking), at most QUEUE_BATCH_MAX;
 * *eof once apikeyd has closed it.  Each row came in one write, so reads
 * are whole (PIPE_BUF).  A failed read is not EOF: the rows stay in the
 * pipe for the next round. */
static size_t read_batch(int fd, struct outcome *rows, bool *eof)
{
	size_t count = 0;

	while (count < QUEUE_BATCH_MAX) {
		ssize_t n = read(fd, &rows[count], sizeof rows[count]);

		if (n == (ssize_t)sizeof rows[count]) {
			count++;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else {
			*eof = n == 0;
			if (n < 0 && errno != EAGAIN)
				syslog(LOG_ERR, "tracking writer: read: %m");
			break;
		}
	}
	return count;
}

/* The writer process: batches until apikeyd closes the pipe. */
static noreturn void writer(int fd, const char *db_path)
{
	static struct outcome rows[QUEUE_BATCH_MAX];
	struct timespec gather = {0, QUEUE_FLUSH_MS * 1000000L};
	struct pollfd pfd = {fd, POLLIN, 0};
	size_t count;
	bool eof = false;

	/* it ends at EOF, once apikeyd has gone: never with rows unread */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	if (fd > 3)
		close_range(3, (unsigned)fd - 1, 0);
	close_range((unsigned)fd + 1, ~0U, 0);
	for (;;) {
		while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
			;
		nanosleep(&gather, NULL); /* the rest of the batch */
		count = read_batch(fd, rows, &eof);
		if (count > 0)
			write_batch(db_path, rows, count);
		else if (eof)
			_exit(0);
	}
}

static bool start_writer(struct queue *q)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) != 0)
		return false;
	/* room for a burst while a batch is written */
	fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
	q->pid = fork();
	if (q->pid == 0) {
		close(fds[1]);
		fcntl(fds[0], F_SETFL, O_NONBLOCK);
		writer(fds[0], q->db_path);
	}
	close(fds[0]);
	if (q->pid < 0) {
		close(fds[1]);
		return false;
	}
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	q->fd = fds[1];
	return true;
}

bool queue_start(struct queue *q, const char *db_path)
{
	q->db_path = db_path;
	q->dropped = q->dropping = 0;
	q->fd = -1;
	if (start_writer(q))
		return true;
	syslog(LOG_ERR, "no tracking writer: rows will be dropped");
	return false;
}

void queue_restart(struct queue *q)
{
	syslog(LOG_ERR, "the tracking writer went away; starting another");
	close(q->fd);
	q->fd = -1;
	while (waitpid(q->pid, NULL, 0) < 0 && errno == EINTR)
		;
	start_writer(q);
}

/* Each episode of dropping is logged when it starts and when it ends. */
static void count_drop(struct queue *q, bool dropped)
{
	if (dropped && q->dropping++ == 0)
		syslog(LOG_WARNING, "dropping tracking rows: %s",
		       q->fd < 0 ? "no writer"
				 : "the writer is behind or gone");
	if (!dropped && q->dropping > 0) {
		syslog(LOG_WARNING,
		       "recording tracking rows again, %lu dropped",
		       q->dropping);
		q->dropped += q->dropping;
		q->dropping = 0;
	}
}

bool queue_push(struct queue *q, const struct outcome *o)
{
	ssize_t n;

	if (!o->record)
		return true;
	if (q->fd < 0) {
		count_drop(q, true);
		return true; /* no writer to replace */
	}
	n = write(q->fd, o, sizeof *o);
	count_drop(q, n != (ssize_t)sizeof *o);
	return !(n < 0 && errno == EPIPE);
}

void queue_stop(struct queue *q)
{
	q->dropped += q->dropping;
	if (q->dropped > 0)
		syslog(LOG_WARNING, "dropped %lu tracking rows in all",
		       q->dropped);
	if (q->fd < 0)
		return;
	close(q->fd);
	q->fd = -1;
	while (waitpid(q->pid, NULL, 0) < 0 && errno == EINTR)
		;
}
