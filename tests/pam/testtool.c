/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * testtool: small things the shell tests cannot do themselves.
 *   testtool key ID SECRET          print the key string for id and secret
 *                                   (a well-formed key with a wrong secret)
 *   testtool request OP USER RHOST SERVICE DB KEY
 *                                   write a helper request (request.h) made
 *                                   by the real encoder; OP is A or C
 *   testtool noargv PROGRAM [VAR=VALUE]...
 *                                   exec PROGRAM with argc == 0 and only the
 *                                   given environment (pkexec CVE-2021-4034)
 *   testtool track-cpu ROUNDS PROGRAM FILE...
 *                                   as time, but print each file's median
 *                                   CPU time (user + system, microseconds)
 *                                   of the tracking child each run leaves
 *                                   behind (a subreaper: the orphaned child
 *                                   comes back here and wait4 reports it)
 *   testtool time ROUNDS PROGRAM FILE...
 *                                   run PROGRAM (as the module does: empty
 *                                   environment) with each FILE on stdin,
 *                                   ROUNDS times, interleaved; print each
 *                                   file's median wall time in microseconds
 *
 * Clients and listeners of apikeyd's socket (tests/daemon.sh).  An answer
 * is printed as one line "RESULT STATUS LENGTH MS WROTE TEXT": RESULT is
 * answer (bytes came), closed (EOF, none came), reset (ECONNRESET, none
 * came), timeout (nothing within 10 s) or refused (no connection); STATUS
 * the first byte as a number; MS from connect to the end; WROTE the bytes
 * sent; TEXT the rest, NULs shown as '|', spaces as '_', other bytes that
 * are not printable as '?' ("-" for none).
 *   testtool ask PATH [SPLIT PAUSE_MS]
 *                                   send stdin (SPLIT bytes, a pause, the
 *                                   rest), shut the writing side, read
 *   testtool stall PATH N BYTES TRICKLE_MS
 *                                   N connections, each sent BYTES of stdin
 *                                   and (TRICKLE_MS > 0) a byte more every
 *                                   TRICKLE_MS, never all of it; once the
 *                                   peer closed each (at most 10 s), print
 *                                   "CLOSED RECEIVED FIRST_MS LAST_MS"
 *   testtool hog PATH N REQUEST-FILE
 *                                   N idle connections; then one more that
 *                                   sends REQUEST-FILE (its answer line);
 *                                   then "holding", reopening each one the
 *                                   peer closes, until killed
 *   testtool noread PATH N HOLD_MS  N connections in turn, each sent stdin
 *                                   and shut for writing, never read (the
 *                                   next once an answer waits); print
 *                                   "sent N", hold them HOLD_MS, print
 *                                   "answered A"
 *   testtool storm PATH PROCS SECONDS
 *                                   PROCS processes connecting and closing
 *                                   as fast as they can for SECONDS; print
 *                                   "connected N"
 *   testtool listen PATH LOG [HEX]  a listener at PATH (mode 0666): per
 *                                   connection it reads to EOF (at most
 *                                   3 s), appends "got BYTES" to LOG,
 *                                   answers the bytes HEX spells, closes
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "keyfmt.h"
#include "protocol.h"

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Starts program as the module does (an empty environment), file on
 * stdin; its pid, or -1. */
static pid_t start(const char *program, const char *file)
{
	pid_t pid = fork();

	if (pid == 0) {
		char *argv[] = {(char *)"apikey-helper", NULL};
		char *envp[] = {NULL};
		int in = open(file, O_RDONLY),
		    out = open("/dev/null", O_WRONLY);

		if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0)
			_exit(127);
		execve(program, argv, envp);
		_exit(127);
	}
	return pid;
}

/* One run of program with file on stdin; its wall time in microseconds. */
static long long run_once(const char *program, const char *file)
{
	long long start_us = now_us();
	pid_t pid = start(program, file);

	if (pid < 0 || waitpid(pid, NULL, 0) < 0)
		return -1;
	return now_us() - start_us;
}

/* One run; the CPU time in microseconds of the tracking child it left,
 * reaped here (we are a subreaper), or -1 when none came within 5 s. */
static long long child_cpu(const char *program, const char *file)
{
	pid_t pid = start(program, file);
	long long deadline = now_us() + 5000000;
	struct rusage ru;

	if (pid < 0 || waitpid(pid, NULL, 0) < 0)
		return -1;
	while (now_us() < deadline) {
		pid_t done = wait4(-1, NULL, WNOHANG, &ru);

		if (done > 0)
			return (long long)(ru.ru_utime.tv_sec +
					   ru.ru_stime.tv_sec) *
				   1000000 +
			       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
		if (done < 0 && errno != EINTR)
			return -1;
		usleep(2000);
	}
	return -1;
}

static int by_value(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

static int time_runs(int rounds, const char *program, int files, char **names,
		     long long (*measure)(const char *, const char *))
{
	long long *t = calloc((size_t)(rounds * files), sizeof *t);

	if (t == NULL || rounds < 1)
		return 1;
	for (int r = 0; r < rounds; r++)
		for (int f = 0; f < files; f++)
			if ((t[f * rounds + r] = measure(program, names[f])) <
			    0)
				return 1;
	for (int f = 0; f < files; f++) {
		qsort(t + f * rounds, (size_t)rounds, sizeof *t, by_value);
		printf("%s %lld\n", names[f], t[f * rounds + rounds / 2]);
	}
	free(t);
	return 0;
}

/* Fields longer than the protocol allows are refused by the encoder; the
 * tests that need oversized or malformed bytes write them themselves. */
static int write_request(char **field)
{
	static struct request req;
	char buf[REQ_MAX];
	const char *values[5] = {field[1], field[2], field[3], field[4],
				 field[5]};
	char *targets[5] = {req.user, req.rhost, req.service, req.db, req.key};
	size_t sizes[5] = {sizeof req.user, sizeof req.rhost,
			   sizeof req.service, sizeof req.db, sizeof req.key};
	size_t len;

	req.op = field[0][0];
	for (int i = 0; i < 5; i++) {
		if (strlen(values[i]) >= sizes[i])
			return 1;
		memcpy(targets[i], values[i], strlen(values[i]) + 1);
	}
	len = request_encode(&req, buf, sizeof buf);
	return len > 0 && fwrite(buf, 1, len, stdout) == len ? 0 : 1;
}

/* ---- apikeyd's socket ------------------------------------------------- */

#define MAX_SOCKETS 1024

static long long now_ms(void)
{
	return now_us() / 1000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* A blocking connection (sends give up after 10 s), or -1. */
static int unix_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval limit = {10, 0};
	int fd;

	if (strlen(path) >= sizeof sa.sun_path)
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
	return fd;
}

/* All of a file (stdin: "-"), at most cap bytes. */
static size_t slurp(const char *file, char *buf, size_t cap)
{
	int fd = strcmp(file, "-") == 0 ? 0 : open(file, O_RDONLY);
	size_t len = 0;
	ssize_t n;

	while (fd >= 0 && len < cap &&
	       ((n = read(fd, buf + len, cap - len)) > 0 ||
		(n < 0 && errno == EINTR)))
		if (n > 0)
			len += (size_t)n;
	if (fd > 0)
		close(fd);
	return len;
}

/* Sends until all is sent or a send fails; the bytes sent. */
static size_t send_some(int fd, const char *buf, size_t len)
{
	size_t sent = 0;

	while (sent < len) {
		ssize_t n = send(fd, buf + sent, len - sent, MSG_NOSIGNAL);

		if (n > 0)
			sent += (size_t)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else
			break;
	}
	return sent;
}

/* A byte of an answer as its line shows it. */
static char shown(char c)
{
	if (c == '\0')
		return '|';
	if (c == ' ')
		return '_';
	return c > ' ' && c < 0x7f ? c : '?';
}

/* Reads fd until EOF, an error or 10 s after start; prints the answer
 * line (see the top of this file). */
static void print_answer(int fd, long long start, size_t wrote)
{
	char buf[8192], text[sizeof buf * 2];
	const char *result = "closed";
	size_t len = 0, t = 0;

	for (;;) {
		struct pollfd pfd = {fd, POLLIN, 0};
		long long left = start + 10000 - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
			result = "timeout";
			break;
		}
		n = read(fd, buf + len, sizeof buf - len);
		if (n > 0 && (len += (size_t)n) < sizeof buf)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			result = errno == ECONNRESET ? "reset" : "error";
		break;
	}
	for (size_t i = 1; i < len; i++)
		text[t++] = shown(buf[i]);
	text[t] = '\0';
	if (len > 0 && strcmp(result, "timeout") != 0)
		result = "answer";
	if (len > 0)
		printf("%s %u %zu %lld %zu %s\n", result,
		       (unsigned)(unsigned char)buf[0], len, now_ms() - start,
		       wrote, t > 0 ? text : "-");
	else
		printf("%s - 0 %lld %zu -\n", result, now_ms() - start, wrote);
	fflush(stdout);
}

/* One request (from a file or stdin), its answer line. */
static int ask(const char *path, const char *file, long split, long pause_ms)
{
	static char req[4 << 20];
	size_t len = slurp(file, req, sizeof req), wrote;
	long long start = now_ms();
	int fd = unix_connect(path);

	if (fd < 0) {
		printf("refused - 0 0 0 -\n");
		fflush(stdout);
		return 0;
	}
	if (split < 0 || (size_t)split > len)
		split = (long)len;
	wrote = send_some(fd, req, (size_t)split);
	if (wrote == (size_t)split && wrote < len) {
		sleep_ms(pause_ms);
		wrote += send_some(fd, req + split, len - (size_t)split);
	}
	shutdown(fd, SHUT_WR);
	print_answer(fd, start, wrote);
	close(fd);
	return 0;
}

/* True when the peer has closed fd (EOF or an error); counts what came. */
static bool peer_closed(int fd, size_t *received)
{
	char buf[4096];
	ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);

	if (n > 0) {
		*received += (size_t)n;
		return false;
	}
	return n == 0 || (errno != EAGAIN && errno != EINTR);
}

static int stall(const char *path, int count, long bytes, long trickle_ms)
{
	static char req[REQ_MAX * 2];
	static int fds[MAX_SOCKETS];
	static long long closed_at[MAX_SOCKETS];
	size_t len = slurp("-", req, sizeof req), received = 0;
	long long start = now_ms(), next = start + trickle_ms, first = -1,
		  last = -1;
	long sent = bytes;
	int open_count = 0, closed = 0;

	if (count < 1 || count > MAX_SOCKETS || bytes < 0 ||
	    (size_t)bytes > len)
		return 2;
	for (int i = 0; i < count; i++) {
		fds[i] = unix_connect(path);
		closed_at[i] = -1;
		if (fds[i] >= 0 &&
		    send_some(fds[i], req, (size_t)bytes) == (size_t)bytes)
			open_count++;
	}
	while (closed < open_count && now_ms() < start + 10000) {
		sleep_ms(10);
		for (int i = 0; i < count; i++) {
			if (fds[i] < 0 || closed_at[i] >= 0 ||
			    !peer_closed(fds[i], &received))
				continue;
			closed_at[i] = now_ms() - start;
			closed++;
		}
		if (trickle_ms <= 0 || now_ms() < next)
			continue;
		/* one byte more, never the last one (nor the shutdown) */
		for (int i = 0; i < count && (size_t)sent + 1 < len; i++)
			if (fds[i] >= 0 && closed_at[i] < 0)
				send(fds[i], req + sent, 1,
				     MSG_NOSIGNAL | MSG_DONTWAIT);
		sent++;
		next += trickle_ms;
	}
	for (int i = 0; i < count; i++) {
		if (closed_at[i] >= 0 && (first < 0 || closed_at[i] < first))
			first = closed_at[i];
		if (closed_at[i] > last)
			last = closed_at[i];
		if (fds[i] >= 0)
			close(fds[i]);
	}
	printf("%d %zu %lld %lld\n", closed, received, first, last);
	return 0;
}

static int hog(const char *path, int count, const char *request_file)
{
	static int fds[MAX_SOCKETS];
	size_t received = 0;
	int alive = 0;

	if (count < 1 || count > MAX_SOCKETS)
		return 2;
	for (int i = 0; i < count; i++)
		fds[i] = unix_connect(path);
	sleep_ms(200);
	for (int i = 0; i < count; i++)
		if (fds[i] >= 0 && !peer_closed(fds[i], &received))
			alive++;
	printf("alive %d\n", alive);
	fflush(stdout);
	ask(path, request_file, -1, 0);
	printf("holding\n");
	fflush(stdout);
	for (;;) {
		sleep_ms(20);
		for (int i = 0; i < count; i++) {
			if (fds[i] >= 0 && !peer_closed(fds[i], &received))
				continue;
			if (fds[i] >= 0)
				close(fds[i]);
			fds[i] = unix_connect(path);
		}
	}
}

static int noread(const char *path, int count, long hold_ms)
{
	static char req[REQ_MAX * 2];
	static int fds[MAX_SOCKETS];
	size_t len = slurp("-", req, sizeof req);
	int answered = 0;

	if (count < 1 || count > MAX_SOCKETS)
		return 2;
	for (int i = 0; i < count; i++) {
		struct pollfd pfd;

		fds[i] = unix_connect(path);
		if (fds[i] < 0)
			continue;
		send_some(fds[i], req, len);
		shutdown(fds[i], SHUT_WR);
		/* an answer waits (or the peer closed): never read it */
		pfd = (struct pollfd){fds[i], POLLIN, 0};
		poll(&pfd, 1, 5000);
	}
	printf("sent %d\n", count);
	fflush(stdout);
	sleep_ms(hold_ms);
	for (int i = 0; i < count; i++) {
		char c;

		if (fds[i] >= 0 &&
		    recv(fds[i], &c, 1, MSG_PEEK | MSG_DONTWAIT) == 1)
			answered++;
	}
	printf("answered %d\n", answered);
	return 0;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

static int listener(const char *path, const char *log, const char *hex)
{
	static char reply[65536];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t reply_len = 0, hex_len = strlen(hex);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (hex_len % 2 != 0 || hex_len / 2 > sizeof reply ||
	    strlen(path) >= sizeof sa.sun_path || fd < 0)
		return 2;
	for (size_t i = 0; i < hex_len; i += 2) {
		int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
		if (hi < 0 || lo < 0)
			return 2;
		reply[reply_len++] = (char)(hi * 16 + lo);
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    chmod(path, 0666) != 0 || listen(fd, 16) != 0) {
		perror("listen");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		long long start = now_ms();
		size_t got = 0;
		char line[64];
		int out;

		if (c < 0)
			continue;
		for (;;) {
			struct pollfd pfd = {c, POLLIN, 0};
			char buf[4096];
			ssize_t n;

			if (poll(&pfd, 1, (int)(start + 3000 - now_ms())) <= 0)
				break;
			n = read(c, buf, sizeof buf);
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		snprintf(line, sizeof line, "got %zu\n", got);
		out =
		    open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (out >= 0) {
			if (write(out, line, strlen(line)) < 0)
				perror("log");
			close(out);
		}
		send_some(c, reply, reply_len);
		close(c);
	}
}

/* Connects and closes in a loop until the deadline; the count. */
static long storm_one(const char *path, time_t until)
{
	long n = 0;

	while (time(NULL) < until) {
		int fd = unix_connect(path);

		if (fd >= 0) {
			close(fd);
			n++;
		}
	}
	return n;
}

static int storm(const char *path, int procs, int seconds)
{
	time_t until = time(NULL) + seconds;
	long total = 0;
	int fds[2];

	if (procs < 1 || procs > 64 || pipe(fds) != 0)
		return 2;
	for (int i = 0; i < procs; i++) {
		if (fork() == 0) {
			long n = storm_one(path, until);

			_exit(write(fds[1], &n, sizeof n) == (ssize_t)sizeof n
				  ? 0
				  : 1);
		}
	}
	close(fds[1]);
	for (long n; read(fds[0], &n, sizeof n) == (ssize_t)sizeof n;)
		total += n;
	while (wait(NULL) > 0)
		;
	printf("connected %ld\n", total);
	return 0;
}

int main(int argc, char **argv)
{
	char key[KEY_LEN + 1];

	if (argc == 8 && strcmp(argv[1], "request") == 0)
		return write_request(argv + 2);
	if (argc == 4 && strcmp(argv[1], "key") == 0) {
		if (!key_assemble(argv[2], argv[3], key, sizeof key))
			return 1;
		puts(key);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "noargv") == 0) {
		char *empty[] = {NULL};
		execve(argv[2], empty, argv + 3);
		perror("execve");
		return 127;
	}
	if (argc >= 5 && strcmp(argv[1], "time") == 0)
		return time_runs(atoi(argv[2]), argv[3], argc - 4, argv + 4,
				 run_once);
	if (argc >= 5 && strcmp(argv[1], "track-cpu") == 0 &&
	    prctl(PR_SET_CHILD_SUBREAPER, 1) == 0)
		return time_runs(atoi(argv[2]), argv[3], argc - 4, argv + 4,
				 child_cpu);
	if ((argc == 3 || argc == 5) && strcmp(argv[1], "ask") == 0)
		return ask(argv[2], "-", argc == 5 ? atol(argv[3]) : -1,
			   argc == 5 ? atol(argv[4]) : 0);
	if (argc == 6 && strcmp(argv[1], "stall") == 0)
		return stall(argv[2], atoi(argv[3]), atol(argv[4]),
			     atol(argv[5]));
	if (argc == 5 && strcmp(argv[1], "hog") == 0)
		return hog(argv[2], atoi(argv[3]), argv[4]);
	if (argc == 5 && strcmp(argv[1], "noread") == 0)
		return noread(argv[2], atoi(argv[3]), atol(argv[4]));
	if (argc == 5 && strcmp(argv[1], "storm") == 0)
		return storm(argv[2], atoi(argv[3]), atoi(argv[4]));
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "listen") == 0)
		return listener(argv[2], argv[3], argc == 5 ? argv[4] : "");
	fprintf(stderr,
		"usage: testtool key ID SECRET | request OP USER RHOST "
		"SERVICE DB KEY | noargv PROGRAM [ENV]... | time|track-cpu "
		"ROUNDS PROGRAM FILE... | ask PATH [SPLIT PAUSE_MS] | stall "
		"PATH N BYTES TRICKLE_MS | hog PATH N FILE | noread PATH N "
		"HOLD_MS | storm PATH PROCS SECONDS | listen PATH LOG [HEX]\n");
	return 2;
}
