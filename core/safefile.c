/* SPDX-License-Identifier: BSD-2-Clause */
#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool split_path(const char *path, char *dir, size_t dirlen, char *base,
		size_t baselen)
{
	const char *slash = strrchr(path, '/');
	size_t dir_n, base_n;

	if (slash == NULL || path[0] != '/')
		return false;
	dir_n = slash == path ? 1 : (size_t)(slash - path);
	base_n = strlen(slash + 1);
	if (base_n == 0 || dir_n >= dirlen || base_n >= baselen ||
	    strcmp(slash + 1, ".") == 0 || strcmp(slash + 1, "..") == 0)
		return false;
	memcpy(dir, path, dir_n);
	dir[dir_n] = '\0';
	memcpy(base, slash + 1, base_n + 1);
	return true;
}

static bool owner_and_mode_ok(const struct stat *st, mode_t forbidden_mode)
{
	return st->st_uid == 0 && (st->st_mode & forbidden_mode) == 0;
}

int open_safe_dir(const char *dir, bool create, char *err, size_t errlen)
{
	int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	struct stat st;
	int fd = open(dir, flags);

	if (fd < 0 && errno == ENOENT && create) {
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create directory %s: %s",
				 dir, strerror(errno));
			return -1;
		}
		fd = open(dir, flags);
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot open directory %s: %s", dir,
			 errno == ENOTDIR || errno == ELOOP
			     ? "not a directory (or a symlink)"
			     : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !owner_and_mode_ok(&st, S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen,
			 "unsafe directory %s: must be owned by root and not "
			 "writable by group or others",
			 dir);
		close(fd);
		return -1;
	}
	return fd;
}

int open_safe_file(int dirfd, const char *dir, const char *name,
		   mode_t forbidden_mode, struct stat *st, char *err,
		   size_t errlen)
{
	int fd =
	    openat(dirfd, name,
		   O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		int saved = errno;
		snprintf(err, errlen, "cannot open %s/%s: %s", dir, name,
			 saved == ELOOP ? "it is a symlink" : strerror(saved));
		return saved == ENOENT ? -2 : -1;
	}
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "unsafe file %s/%s: not a regular file",
			 dir, name);
		close(fd);
		return -1;
	}
	if (!owner_and_mode_ok(st, forbidden_mode)) {
		snprintf(err, errlen,
			 "unsafe file %s/%s: must be owned by root with mode "
			 "%04o at most",
			 dir, name, (unsigned)(07777 & ~forbidden_mode & 0777));
		close(fd);
		return -1;
	}
	return fd;
}

bool std_fds_open(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF &&
		    open("/dev/null", O_RDWR) != fd)
			return false;
	}
	return true;
}

bool stat_same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_mode == b->st_mode && a->st_uid == b->st_uid &&
	       a->st_gid == b->st_gid;
}

bool stat_same_contents(const struct stat *a, const struct stat *b)
{
	return stat_same_file(a, b) && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}
