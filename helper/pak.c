#include "pak.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "when.h"

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

bool pak_write(int fd, const char *key, const struct key_record *rec)
{
	char expires[ISO_TIME_LEN] = "never";
	FILE *out = fdopen(dup(fd), "w");
	bool ok;

	if (out == NULL)
		return false;
	if (rec->expires_at != 0)
		iso_time(rec->expires_at, expires);
	fprintf(out,
		"# pam_apikey key file: keep it secret (mode 0600)\n"
		"format: pak1\nid: %s\nuser: %s\nname: %s\nexpires: %s\n"
		"key: %s\n",
		rec->id, rec->user, rec->name, expires, key);
	ok = fflush(out) == 0 && fsync(fd) == 0;
	return fclose(out) == 0 && ok;
}

bool pak_parse_key(const char *text, size_t len, char key[KEY_LEN + 1])
{
	static const char field[] = "key: ";
	size_t pos = 0, found = 0;

	if (len > PAK_MAX_SIZE || memchr(text, '\0', len) != NULL)
		return false;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t line =
		    nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;

		if (line >= sizeof field - 1 &&
		    memcmp(text + pos, field, sizeof field - 1) == 0) {
			size_t n = line - (sizeof field - 1);
			const char *value = text + pos + sizeof field - 1;

			if (!key_parse(value, n, NULL))
				return false;
			memcpy(key, value, KEY_LEN);
			key[KEY_LEN] = '\0';
			found++;
		}
		pos += line + 1;
	}
	return found == 1;
}
