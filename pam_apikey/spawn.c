/* SPDX-License-Identifier: BSD-2-Clause */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <security/pam_ext.h>
#include <security/pam_modutil.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "log.h"

/*
 * In the child: stderr to /dev/null, every descriptor from 3 up closed.
 * close_range is one system call; libpam's pam_modutil_sanitize_helper_fds
 * closes every number up to the hard limit one at a time (5 ms at 20000,
 * more under systemd's 524288: bench/README.md), so it is only the
 * fallback where close_range is missing.
 */
static bool sanitize_fds(pam_handle_t *pamh)
{
	int null = open("/dev/null", O_WRONLY);

	if (null >= 0 && dup2(null, STDERR_FILENO) == STDERR_FILENO &&
	    (null <= STDERR_FILENO || close(null) == 0) &&
	    close_range(3, ~0U, 0) == 0)
		return true;
	return pam_modutil_sanitize_helper_fds(pamh, PAM_MODUTIL_IGNORE_FD,
					       PAM_MODUTIL_IGNORE_FD,
					       PAM_MODUTIL_NULL_FD) == 0;
}

/* In the child: stdin and stdout are the pipes, stderr /dev/null, every
 * other descriptor closed, an empty environment. */
static void exec_helper(pam_handle_t *pamh, const char *helper, int in_fd,
			int out_fd)
{
	char *const argv[] = {(char *)"apikey-helper", NULL};
	char *const envp[] = {NULL};

	if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
	    !sanitize_fds(pamh))
		_exit(127);
	execve(helper, argv, envp);
	_exit(127);
}

/* Reads the response until EOF; false when the deadline passed first. */
static bool read_response(int fd, long long deadline, char *buf, size_t cap,
			  size_t *len)
{
	*len = 0;
	for (;;) {
		struct pollfd pfd = {fd, POLLIN, 0};
		long long left = deadline - monotonic_ms();
		ssize_t n;
		int ready;

		if (left <= 0)
			return false;
		ready = poll(&pfd, 1, (int)left);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0)
			return ready == 0 ? false : true;
		n = read(fd, buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (*len += (size_t)n) == cap)
			return true;
	}
}

static void kill_and_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Waits for the helper's exit until the deadline; then kills it. */
static int wait_helper(pid_t pid, long long deadline)
{
	struct timespec pause = {0, 50000};
	int wstatus;

	for (;;) {
		pid_t done = waitpid(pid, &wstatus, WNOHANG);

		if (done == pid)
			return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus)
						  : HELPER_DIED;
		if (done < 0 && errno != EINTR)
			return HELPER_DIED;
		if (monotonic_ms() >= deadline) {
			kill_and_reap(pid);
			return HELPER_DIED;
		}
		nanosleep(&pause, NULL);
		if (pause.tv_nsec < 10000000)
			pause.tv_nsec *= 2;
	}
}

/*
 * A pipe whose ends are both at 3 or above: a host with fd 0, 1 or 2
 * closed would otherwise get a pipe end there, which dup2 onto itself in
 * the child would leave close-on-exec (or the other end would overwrite).
 */
static bool high_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) != 0)
		return false;
	for (int i = 0; i < 2; i++) {
		if (fds[i] > STDERR_FILENO)
			continue;
		int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
		close(fds[i]);
		fds[i] = moved;
	}
	if (fds[0] >= 0 && fds[1] >= 0)
		return true;
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return false;
}

/* The request goes into the pipe before the fork: it fits the pipe's
 * buffer, so no write can block or raise SIGPIPE in the host. */
static bool request_pipe(const char *request, size_t len, int fds[2])
{
	bool written;

	if (!high_pipe(fds))
		return false;
	written = write(fds[1], request, len) == (ssize_t)len;
	if (close(fds[1]) == 0 && written)
		return true;
	close(fds[0]);
	return false;
}

static void collect(pam_handle_t *pamh, pid_t pid, int resp_fd,
		    int timeout_seconds, struct helper_outcome *out)
{
	long long deadline = monotonic_ms() + (long long)timeout_seconds * 1000;
	char buf[RESP_MAX];
	size_t len;

	if (!read_response(resp_fd, deadline, buf, sizeof buf, &len)) {
		module_log(pamh, LOG_ERR, "helper timed out after %d s; killed",
			   timeout_seconds);
		kill_and_reap(pid);
		out->status = HELPER_DIED;
		return;
	}
	out->has_response = response_decode(buf, len, &out->response);
	out->status = wait_helper(pid, deadline);
}

void run_helper(pam_handle_t *pamh, const char *helper, const char *request,
		size_t request_len, int timeout_seconds,
		struct helper_outcome *out)
{
	struct sigaction dfl, saved;
	int req[2], resp[2];
	pid_t pid;

	memset(out, 0, sizeof *out);
	out->status = HELPER_DIED;
	out->via = "helper";
	if (!request_pipe(request, request_len, req))
		return;
	if (!high_pipe(resp)) {
		close(req[0]);
		return;
	}
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGCHLD, &dfl, &saved);
	pid = fork();
	if (pid == 0)
		exec_helper(pamh, helper, req[0], resp[1]);
	close(req[0]);
	close(resp[1]);
	if (pid < 0)
		module_log(pamh, LOG_ERR, "fork failed: %m");
	else
		collect(pamh, pid, resp[0], timeout_seconds, out);
	close(resp[0]);
	sigaction(SIGCHLD, &saved, NULL);
}
