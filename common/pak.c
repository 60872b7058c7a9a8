/* SPDX-License-Identifier: BSD-2-Clause */
#include "pak.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int pak_create(const char *path, char *err, size_t errlen)
{
	int fd = open(
	    path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", path,
			 errno == EEXIST
			     ? "it already exists (never overwritten)"
			     : strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0600) != 0) {
		snprintf(err, errlen, "cannot set mode of %s: %s", path,
			 strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

bool pak_write(int fd, const struct pak_fields *f)
{
	FILE *out = fdopen(dup(fd), "w");
	bool ok;

	if (out == NULL)
		return false;
	fprintf(out,
		"# pam_apikey key file: keep it secret (mode 0600)\n"
		"format: pak1\nid: %s\nuser: %s\nname: %s\nexpires: %s\n",
		f->id, f->user, f->name, f->expires);
	if (f->hosts != NULL)
		fprintf(out, "hosts: %s\n", f->hosts);
	fprintf(out, "key: %s\n", f->key);
	ok = fflush(out) == 0 && fsync(fd) == 0;
	return fclose(out) == 0 && ok;
}

bool pak_hosts_valid(const char *hosts)
{
	static const char allowed[] = "abcdefghijklmnopqrstuvwxyz"
				      "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "0123456789.-_:*?[]!, ";
	size_t len = strlen(hosts);

	return len > 0 && len <= PAK_HOSTS_MAX &&
	       hosts[strspn(hosts, allowed)] == '\0' &&
	       hosts[strspn(hosts, ", ")] != '\0';
}

/* The value of "name: value" into out; false when repeated, too long or
 * holding a byte that is not printable ASCII. */
static bool take_field(const char *value, size_t n, char *out, size_t outlen,
		       size_t *seen)
{
	if (++*seen > 1 || n >= outlen)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)value[i] < 0x20 ||
		    (unsigned char)value[i] > 0x7e)
			return false;
	memcpy(out, value, n);
	out[n] = '\0';
	return true;
}

/* One line; false when it makes the file malformed. */
static bool parse_line(const char *line, size_t n, struct pak *out,
		       size_t seen[3])
{
	static const char *const fields[3] = {"key: ", "user: ", "hosts: "};
	char *const targets[3] = {out->key, out->user, out->hosts};
	const size_t sizes[3] = {sizeof out->key, sizeof out->user,
				 sizeof out->hosts};

	for (size_t f = 0; f < 3; f++) {
		size_t flen = strlen(fields[f]);

		if (n >= flen && memcmp(line, fields[f], flen) == 0)
			return take_field(line + flen, n - flen, targets[f],
					  sizes[f], &seen[f]);
	}
	return true; /* a comment or a field readers ignore */
}

bool pak_parse(const char *text, size_t len, struct pak *out)
{
	size_t pos = 0, seen[3] = {0, 0, 0};

	memset(out, 0, sizeof *out);
	if (len > PAK_MAX_SIZE || memchr(text, '\0', len) != NULL)
		return false;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t line =
		    nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;

		if (!parse_line(text + pos, line, out, seen))
			return false;
		pos += line + 1;
	}
	return seen[0] == 1 && seen[1] == 1 && out->user[0] != '\0' &&
	       key_parse(out->key, strlen(out->key), NULL) &&
	       (seen[2] == 0 || pak_hosts_valid(out->hosts));
}
