/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One whole login through libpam, as sshd and nginx's auth_pam make it:
 * pam_start_confdir -> pam_authenticate -> pam_acct_mgmt (only after a
 * successful authentication) -> pam_end.  The password answers every
 * prompt; the PAM fail delay is a no-op; PAM_RHOST is 198.51.100.7.
 * Shared by authbench and deleteload.
 */
#ifndef BENCH_LOGIN_H
#define BENCH_LOGIN_H

#include <stdbool.h>
#include <stddef.h>

/* pam_start_confdir failed with code c: the login's result is
 * LOGIN_START_FAILED + c (never a PAM code) */
#define LOGIN_START_FAILED 1000

struct login_target {
	const char *confdir;
	const char *service;
	const char *user;
};

/* The result of the first stage that did not succeed, or PAM_SUCCESS. */
int whole_login(const struct login_target *t, const char *password);

/* The first line of path, without its newline, into buf; false (and a
 * message) when there is none. */
bool read_first_line(const char *path, char *buf, size_t cap);

/* All of len bytes written to (read from) fd, or -1. */
int write_all(int fd, const void *p, size_t len);
int read_all(int fd, void *p, size_t len);

/* CLOCK_MONOTONIC in seconds: the same clock in every process. */
double now_s(void);

#endif
