/* SPDX-License-Identifier: BSD-2-Clause */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safefile.h"

static const unsigned char HASH_VERSION[2] = {'v', '1'};

bool secret_init(void)
{
	return sodium_init() >= 0;
}

void random_base62(char *out, size_t len)
{
	for (size_t i = 0; i < len; i++)
		out[i] = base62_digit(randombytes_uniform(62));
	out[len] = '\0';
}

void key_generate(char key[KEY_LEN + 1], struct parsed_key *parts)
{
	random_base62(parts->id, KEY_ID_LEN);
	random_base62(parts->secret, KEY_SECRET_LEN);
	key_assemble(parts->id, parts->secret, key, KEY_LEN + 1);
}

void key_hash(const unsigned char pepper[PEPPER_LEN], const char *id,
	      const char *secret, unsigned char out[KEY_HASH_LEN])
{
	crypto_generichash_state state;

	crypto_generichash_init(&state, pepper, PEPPER_LEN, KEY_HASH_LEN);
	crypto_generichash_update(&state, HASH_VERSION, sizeof HASH_VERSION);
	crypto_generichash_update(&state, (const unsigned char *)id,
				  strlen(id));
	crypto_generichash_update(&state, (const unsigned char *)secret,
				  strlen(secret));
	crypto_generichash_final(&state, out, KEY_HASH_LEN);
	sodium_memzero(&state, sizeof state);
}

bool key_hash_equal(const unsigned char a[KEY_HASH_LEN],
		    const unsigned char b[KEY_HASH_LEN])
{
	return crypto_verify_32(a, b) == 0;
}

void secret_wipe(void *p, size_t len)
{
	sodium_memzero(p, len);
}

static bool read_exact(int fd, unsigned char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

bool pepper_load(const char *path, unsigned char out[PEPPER_LEN], char *err,
		 size_t errlen)
{
	char dir[4096], base[256];
	struct stat st;
	unsigned char extra;
	int dirfd, fd;
	bool ok = false;

	if (!split_path(path, dir, sizeof dir, base, sizeof base)) {
		snprintf(err, errlen, "bad pepper path %s", path);
		return false;
	}
	dirfd = open_safe_dir(dir, false, err, errlen);
	if (dirfd < 0)
		return false;
	fd = open_safe_file(dirfd, dir, base, 0077, &st, err, errlen);
	close(dirfd);
	if (fd < 0)
		return false;
	if (st.st_size == PEPPER_LEN && read_exact(fd, out, PEPPER_LEN) &&
	    read(fd, &extra, 1) == 0)
		ok = true;
	else
		snprintf(err, errlen, "pepper %s is not exactly %d bytes", path,
			 PEPPER_LEN);
	close(fd);
	return ok;
}

static bool write_exact(int fd, const unsigned char *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		done += (size_t)n;
	}
	return true;
}

bool pepper_create(const char *path, char *err, size_t errlen)
{
	unsigned char pepper[PEPPER_LEN];
	int fd = open(
	    path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
	bool ok;

	if (fd < 0) {
		snprintf(err, errlen, "cannot create pepper %s: %s", path,
			 strerror(errno));
		return false;
	}
	randombytes_buf(pepper, sizeof pepper);
	ok = fchmod(fd, 0400) == 0 && write_exact(fd, pepper, sizeof pepper) &&
	     fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	sodium_memzero(pepper, sizeof pepper);
	if (!ok) {
		snprintf(err, errlen, "cannot write pepper %s: %s", path,
			 strerror(errno));
		unlink(path);
	}
	return ok;
}

bool pepper_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}
