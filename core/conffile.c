/* SPDX-License-Identifier: BSD-2-Clause */
#include "conffile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safefile.h"

static char *trim(char *s)
{
	char *end = s + strlen(s);

	while (*s == ' ' || *s == '\t')
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

/* A line's bytes: printable ASCII and tabs; a comment may also hold
 * other bytes (UTF-8 text), never control characters. */
static bool line_bytes_ok(const char *line, size_t len)
{
	size_t start = 0;
	bool comment;

	while (start < len && (line[start] == ' ' || line[start] == '\t'))
		start++;
	comment = start < len && line[start] == '#';

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f ||
		    (c >= 0x80 && !comment))
			return false;
	}
	return true;
}

static bool parse_line(char *line, int n, const char *path, conf_setting_fn fn,
		       void *ctx, char *err, size_t errlen)
{
	char *text = trim(line), *eq;

	if (text[0] == '\0' || text[0] == '#')
		return true;
	eq = strchr(text, '=');
	if (eq == NULL) {
		snprintf(err, errlen, "%s:%d: not 'setting = value'", path, n);
		return false;
	}
	*eq = '\0';
	return fn(trim(text), trim(eq + 1), n, ctx, err, errlen);
}

bool conf_parse(const char *text, size_t len, const char *path,
		conf_setting_fn fn, void *ctx, char *err, size_t errlen)
{
	char line[CONF_LINE_MAX + 1];
	size_t start = 0;
	int n = 0;

	while (start < len) {
		const char *nl = memchr(text + start, '\n', len - start);
		size_t end = nl != NULL ? (size_t)(nl - text) : len;
		size_t line_len = end - start;

		n++;
		if (line_len > CONF_LINE_MAX ||
		    !line_bytes_ok(text + start, line_len)) {
			snprintf(err, errlen, "%s:%d: %s", path, n,
				 line_len > CONF_LINE_MAX
				     ? "line longer than 255 bytes"
				     : "control character or non-ASCII byte "
				       "in the line");
			return false;
		}
		memcpy(line, text + start, line_len);
		line[line_len] = '\0';
		if (!parse_line(line, n, path, fn, ctx, err, errlen))
			return false;
		start = end + 1;
	}
	return true;
}

/* The file's bytes (at most size) into buf; -1 on error. */
static ssize_t read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;

	while (len < size) {
		ssize_t n = read(fd, buf + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return (ssize_t)len;
}

int conf_file_read(const char *path, mode_t forbidden, char *buf, size_t cap,
		   size_t *len, char *err, size_t errlen)
{
	char dir[4096], base[256];
	struct stat st;
	ssize_t n;
	int dirfd, fd;

	if (!split_path(path, dir, sizeof dir, base, sizeof base)) {
		snprintf(err, errlen,
			 "bad path %s (want an absolute file name)", path);
		return -1;
	}
	if (lstat(dir, &st) != 0 && errno == ENOENT)
		return 0; /* no directory, no file */
	dirfd = open_safe_dir(dir, false, err, errlen);
	if (dirfd < 0)
		return -1;
	fd = open_safe_file(dirfd, dir, base, forbidden | 0022, &st, err,
			    errlen);
	close(dirfd);
	if (fd == -2)
		return 0;
	if (fd < 0)
		return -1;
	n = read_all(fd, buf, cap - 1);
	if (n >= 0 && (size_t)n == cap - 1) {
		char extra;
		if (read_all(fd, &extra, 1) == 1)
			n = -2;
	}
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path,
			 n == -1 ? strerror(errno) : "file too large");
		return -1;
	}
	buf[n] = '\0';
	*len = (size_t)n;
	return 1;
}
