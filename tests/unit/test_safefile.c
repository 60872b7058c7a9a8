/* SPDX-License-Identifier: BSD-2-Clause */
/* Opening root-owned files without being fooled (core/safefile.c).  The
 * cases that need a file of root's own are made only when running as root;
 * the rest run for any user. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safefile.h"
#include "unit.h"

static bool opens(int dirfd, const char *name, mode_t forbidden)
{
	char err[256];
	struct stat st;
	int fd =
	    open_safe_file(dirfd, "d", name, forbidden, &st, err, sizeof err);

	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

static bool refused_with(int dirfd, const char *name, mode_t forbidden,
			 const char *part)
{
	char err[256] = "";
	struct stat st;
	int fd =
	    open_safe_file(dirfd, "d", name, forbidden, &st, err, sizeof err);

	if (fd >= 0)
		close(fd);
	return fd < 0 && strstr(err, part) != NULL;
}

static void test_split(void)
{
	char dir[64], base[64];

	CHECK("split_path splits directory and name",
	      split_path("/var/lib/x/keys.db", dir, sizeof dir, base,
			 sizeof base) &&
		  strcmp(dir, "/var/lib/x") == 0 &&
		  strcmp(base, "keys.db") == 0);
	CHECK("split_path keeps / as the directory of /name",
	      split_path("/keys.db", dir, sizeof dir, base, sizeof base) &&
		  strcmp(dir, "/") == 0);
	CHECK(
	    "split_path refuses relative paths, a trailing slash, . and ..",
	    !split_path("keys.db", dir, sizeof dir, base, sizeof base) &&
		!split_path("/var/lib/", dir, sizeof dir, base, sizeof base) &&
		!split_path("/var/..", dir, sizeof dir, base, sizeof base) &&
		!split_path("/var/.", dir, sizeof dir, base, sizeof base));
}

static void test_system_files(void)
{
	char err[256];
	int etc = open_safe_dir("/etc", false, err, sizeof err);

	CHECK("a root-owned directory nobody else may write opens", etc >= 0);
	CHECK("a root-owned file opens when its mode is allowed",
	      opens(etc, "passwd", S_IWGRP | S_IWOTH));
	CHECK("a root-owned file with a forbidden mode bit is refused",
	      refused_with(etc, "passwd", S_IROTH, "must be owned by root"));
	CHECK("a missing file is told apart (-2)",
	      open_safe_file(etc, "d", "no-such-file-here", 0,
			     &(struct stat){0}, err, sizeof err) == -2);
	CHECK("a world-writable directory is refused",
	      open_safe_dir("/tmp", false, err, sizeof err) < 0 &&
		  strstr(err, "unsafe directory") != NULL);
	if (etc >= 0)
		close(etc);
}

static void test_planted_files(void)
{
	char dir[] = "/tmp/safefile-unit.XXXXXX", path[128];
	int dirfd;

	if (mkdtemp(dir) == NULL)
		return;
	dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	snprintf(path, sizeof path, "%s/file", dir);
	close(open(path, O_WRONLY | O_CREAT, 0600));
	snprintf(path, sizeof path, "%s/link", dir);
	(void)!symlink("/etc/passwd", path);
	snprintf(path, sizeof path, "%s/fifo", dir);
	mkfifo(path, 0600);
	CHECK("a symlink is never followed",
	      refused_with(dirfd, "link", 0, "it is a symlink"));
	CHECK("a FIFO is refused without blocking",
	      refused_with(dirfd, "fifo", 0, "not a regular file"));
	if (geteuid() == 0) {
		CHECK("a root-owned 0600 file opens",
		      opens(dirfd, "file", 077));
		(void)!fchownat(dirfd, "file", 65534, 0, 0);
	}
	CHECK("a file that is not root's is refused",
	      refused_with(dirfd, "file", 077, "must be owned by root"));
	unlinkat(dirfd, "file", 0);
	unlinkat(dirfd, "link", 0);
	unlinkat(dirfd, "fifo", 0);
	close(dirfd);
	rmdir(dir);
}

void test_safefile(void)
{
	test_split();
	test_system_files();
	test_planted_files();
}
