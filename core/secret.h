/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Key secrets: generation, the peppered hash, and the pepper file.
 * libsodium does the randomness, hashing, comparing and wiping.
 */
#ifndef APIKEY_SECRET_H
#define APIKEY_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "keyfmt.h"

#define PEPPER_LEN   32
#define KEY_HASH_LEN 32

/* sodium_init(); false if libsodium cannot start. */
bool secret_init(void);

/* Fills out (len chars + NUL) with uniform base62 (randombytes_uniform). */
void random_base62(char *out, size_t len);

/* A fresh key: a random id and secret assembled with its checksum. */
void key_generate(char key[KEY_LEN + 1], struct parsed_key *parts);

/* BLAKE2b-256 keyed with the pepper over "v1" || id || secret. */
void key_hash(const unsigned char pepper[PEPPER_LEN], const char *id,
	      const char *secret, unsigned char out[KEY_HASH_LEN]);

/* Constant-time compare of two hashes. */
bool key_hash_equal(const unsigned char a[KEY_HASH_LEN],
		    const unsigned char b[KEY_HASH_LEN]);

/* Wipes memory the compiler may not optimise the wipe away from. */
void secret_wipe(void *p, size_t len);

/* Reads the pepper: a root-owned regular file of exactly PEPPER_LEN bytes,
 * no access for group or others, not a symlink. */
bool pepper_load(const char *path, unsigned char out[PEPPER_LEN], char *err,
		 size_t errlen);

/* Creates a new pepper file (O_EXCL, mode 0400) with random bytes; false
 * if it exists or cannot be written. */
bool pepper_create(const char *path, char *err, size_t errlen);

/* true when path exists (as anything). */
bool pepper_exists(const char *path);

#endif
