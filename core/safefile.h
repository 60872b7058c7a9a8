/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Opening root-owned files from a setuid process without being fooled.
 *
 * MUST rules kept here:
 * - never follow a symlink in the last component (O_NOFOLLOW);
 * - open with O_NONBLOCK so a planted FIFO cannot block us;
 * - judge owner, type and mode on the opened descriptor (fstat), not on
 *   the name;
 * - the directory holding the file must be root-owned and not writable by
 *   group or other, so nobody else can swap names inside it.
 */
#ifndef APIKEY_SAFEFILE_H
#define APIKEY_SAFEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Splits path into directory and last component; false if either is empty
 * or the path is too long. */
bool split_path(const char *path, char *dir, size_t dirlen, char *base,
		size_t baselen);

/* Opens a directory that must be root-owned and not group/other writable.
 * If create is true and it is missing, it is made with mode 0700.
 * Returns the fd or -1 (with err filled). */
int open_safe_dir(const char *dir, bool create, char *err, size_t errlen);

/*
 * Opens name inside dirfd for reading without following links or blocking,
 * and checks it is a regular root-owned file whose mode has none of the
 * bits in forbidden_mode.  Returns the fd, -1 on error (err filled), or -2
 * when the file does not exist (err filled too).
 */
int open_safe_file(int dirfd, const char *dir, const char *name,
		   mode_t forbidden_mode, struct stat *st, char *err,
		   size_t errlen);

/* Descriptors 0 to 2 open (on /dev/null when they were closed), so that
 * no file this process opens can become its standard input or output. */
bool std_fds_open(void);

/* Two (l)stat results name the same file, with the same owner and mode. */
bool stat_same_file(const struct stat *a, const struct stat *b);

/* ... and, by its size and times, the same contents. */
bool stat_same_contents(const struct stat *a, const struct stat *b);

#endif
