/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * apikeyd: a root verifier on a unix socket, so that a login costs less
 * than a fork.  It keeps the store open and the pepper in memory, answers
 * each request from its own snapshot with the helper's rules and code
 * (core/serve.c), and writes tracking rows in batches from a process of
 * its own (queue.c).  Run with no arguments it serves in the foreground on
 * APIKEY_DAEMON_SOCKET, or on the socket systemd passes (apikeyd.socket).
 *
 * MUST rules kept here:
 * - root only; an empty environment, umask 077, no core dumps, not
 *   dumpable, no descriptors but its own;
 * - the socket's directory is root's and not writable by others (the
 *   module also checks that the listener is root's before it sends a key);
 *   a live daemon on the socket is never replaced, a stale socket is;
 * - a store or pepper it cannot use is answered as a system error, never
 *   an acceptance (source.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "refusal_log.h"
#include "safefile.h"
#include "secret.h"
#include "server.h"

#define PROGRAM_NAME "apikeyd"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: apikeyd [--socket PATH]\n"
		"Serves pam_apikey's verifications on a unix socket "
		"(default %s),\nor on the one systemd passes; runs in "
		"the foreground.\n",
		APIKEY_DAEMON_SOCKET);
}

static const char *parse_args(int argc, char **argv)
{
	if (argc == 1)
		return APIKEY_DAEMON_SOCKET;
	if (argc == 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		exit(0);
	}
	if (argc == 3 && strcmp(argv[1], "--socket") == 0 && argv[2][0] == '/')
		return argv[2];
	usage(stderr);
	exit(2);
}

/* Enough descriptors for every connection: the soft limit raised toward
 * MAX_CONNS (a limit it cannot raise is logged once accept fails). */
static void room_for_connections(void)
{
	struct rlimit files;

	if (getrlimit(RLIMIT_NOFILE, &files) != 0 ||
	    files.rlim_cur >= MAX_CONNS + OWN_FDS)
		return;
	files.rlim_cur = files.rlim_max < MAX_CONNS + OWN_FDS
			     ? files.rlim_max
			     : MAX_CONNS + OWN_FDS;
	setrlimit(RLIMIT_NOFILE, &files);
}

static void hygiene(void)
{
	struct rlimit no_core = {0, 0};

	if (!std_fds_open())
		exit(1);
	if (getuid() != 0 || geteuid() != 0) {
		fprintf(stderr, "apikeyd: must be run as root\n");
		exit(1);
	}
	umask(077);
	if (chdir("/") != 0)
		exit(1);
	prctl(PR_SET_DUMPABLE, 0);
	setrlimit(RLIMIT_CORE, &no_core);
	room_for_connections();
	signal(SIGPIPE, SIG_IGN);
	openlog(PROGRAM_NAME, LOG_PID, LOG_AUTHPRIV);
	refusal_log_limit(); /* any user can make it refuse at will */
}

/* SIGTERM and SIGINT, read from a descriptor in the event loop. */
static int signal_descriptor(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* The socket's directory: made root 0755 when missing, and refused when
 * anyone but root could change names in it. */
static bool socket_dir_safe(const char *path)
{
	char dir[sizeof((struct sockaddr_un *)0)->sun_path], base[256];
	char err[512];
	struct stat st;
	int fd;

	if (!split_path(path, dir, sizeof dir, base, sizeof base)) {
		syslog(LOG_ERR, "bad socket path %s", path);
		return false;
	}
	if (mkdir(dir, 0755) == 0)
		chmod(dir, 0755); /* past the umask */
	fd = open_safe_dir(dir, false, err, sizeof err);
	if (fd < 0) {
		syslog(LOG_ERR, "%s", err);
		return false;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & 0005) != 0005)
		syslog(LOG_WARNING,
		       "%s is not open to others (mode %04o): only root's "
		       "logins reach apikeyd, the others run the helper",
		       dir, (unsigned)(st.st_mode & 07777));
	close(fd);
	return true;
}

/* A stale socket (nothing answers) is removed; a live one is not ours. */
static bool path_free(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd;
	bool live;

	if (lstat(sa->sun_path, &st) != 0)
		return errno == ENOENT;
	if (!S_ISSOCK(st.st_mode)) {
		syslog(LOG_ERR, "%s exists and is not a socket", sa->sun_path);
		return false;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	live = fd >= 0 &&
	       connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0;
	if (fd >= 0)
		close(fd);
	if (live) {
		syslog(LOG_ERR, "another apikeyd serves on %s", sa->sun_path);
		return false;
	}
	return unlink(sa->sun_path) == 0;
}

/* Removes the socket this apikeyd bound, unless another has replaced it
 * since (a new apikeyd that found this one draining). */
static void unlink_if_ours(const char *path, const struct stat *bound)
{
	struct stat st;

	if (lstat(path, &st) == 0 && st.st_dev == bound->st_dev &&
	    st.st_ino == bound->st_ino)
		unlink(path);
}

static int listen_on(const char *path, struct stat *bound)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof sa.sun_path || !socket_dir_safe(path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (!path_free(&sa))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    lstat(path, bound) != 0 || chmod(path, 0666) != 0 ||
	    listen(fd, SOMAXCONN) != 0) {
		syslog(LOG_ERR, "cannot listen on %s: %m", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* The socket systemd passed (apikeyd.socket), -1 when it passed none, or
 * -2 when it passed something else. */
static int passed_socket(void)
{
	int n = sd_listen_fds(1);

	if (n == 0)
		return -1;
	if (n == 1 && sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1,
					NULL, 0) > 0) {
		int flags = fcntl(SD_LISTEN_FDS_START, F_GETFL);
		fcntl(SD_LISTEN_FDS_START, F_SETFL, flags | O_NONBLOCK);
		return SD_LISTEN_FDS_START;
	}
	syslog(LOG_ERR,
	       "systemd passed %d descriptors, not one listening "
	       "unix stream socket",
	       n);
	return -2;
}

/* An empty environment but systemd's NOTIFY_SOCKET, which sd_notify reads
 * (a path or an abstract name, nothing else). */
static bool clear_environment(void)
{
	static char notify[sizeof((struct sockaddr_un *)0)->sun_path];
	const char *value = getenv("NOTIFY_SOCKET");
	bool keep = value != NULL && (value[0] == '/' || value[0] == '@') &&
		    strlen(value) < sizeof notify;

	if (keep)
		memcpy(notify, value, strlen(value) + 1);
	if (clearenv() != 0)
		return false;
	return !keep || setenv("NOTIFY_SOCKET", notify, 1) == 0;
}

int main(int argc, char **argv)
{
	static struct source src;
	static struct queue q;
	struct stat bound;
	const char *path = parse_args(argc, argv);
	int listen_fd, signal_fd, status;
	bool own_socket;

	hygiene();
	/* no descriptor but systemd's socket (if any) and its own from here,
	 * and nothing of the environment */
	listen_fd = passed_socket();
	own_socket = listen_fd == -1;
	if (close_range(own_socket ? 3U : SD_LISTEN_FDS_START + 1U, ~0U, 0) !=
	    0)
		return 1;
	if (own_socket)
		listen_fd = listen_on(path, &bound);
	if (!clear_environment() || listen_fd < 0 || !secret_init() ||
	    (signal_fd = signal_descriptor()) < 0) {
		syslog(LOG_ERR, "cannot start");
		return 1;
	}
	source_init(&src, APIKEY_DB_PATH, APIKEY_PEPPER_PATH);
	queue_start(&q, APIKEY_DB_PATH);
	syslog(LOG_INFO, "serving on %s",
	       own_socket ? path : "systemd's socket");
	sd_notify(0, "READY=1");
	status = server_run(listen_fd, signal_fd, &src, &q);
	sd_notify(0, "STOPPING=1");
	queue_stop(&q);
	source_close(&src);
	if (own_socket)
		unlink_if_ours(path, &bound);
	syslog(LOG_INFO, "stopped");
	return status;
}
