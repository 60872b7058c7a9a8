/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The API key string: "pak1_<id>_<secret><crc>".
 *
 * Compiled into the PAM module, the helper and apikeyctl (one copy, as
 * pam_unix shares passverify.c with unix_chkpwd).  This file must stay free
 * of libsodium and SQLite: the module lives inside sshd.
 *
 * - prefix "pak1_" names the format; a new format gets a new prefix;
 * - id: 12 base62 characters, the public handle (safe to show and log);
 * - secret: 32 base62 characters (> 190 bits);
 * - crc: CRC32 of everything before it, base62, zero-padded to 6 characters.
 *   It is no security control: it rejects typos and truncations before any
 *   lookup and lets secret scanners match without false positives.
 */
#ifndef APIKEY_KEYFMT_H
#define APIKEY_KEYFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEY_PREFIX     "pak1_"
#define KEY_PREFIX_LEN 5
#define KEY_ID_LEN     12
#define KEY_SECRET_LEN 32
#define KEY_CRC_LEN    6
#define KEY_LEN	       (KEY_PREFIX_LEN + KEY_ID_LEN + 1 + KEY_SECRET_LEN + KEY_CRC_LEN)

struct parsed_key {
	char id[KEY_ID_LEN + 1];
	char secret[KEY_SECRET_LEN + 1];
};

/* True when s starts with the key prefix: a password that does is meant
 * as a key, well-formed or not, and never another module's business. */
bool key_prefixed(const char *s);

/* true when c is one of the 62 characters 0-9A-Za-z */
bool base62_char(char c);

/* the i-th base62 digit (0 <= i < 62) */
char base62_digit(unsigned i);

/* true when s is exactly len base62 characters */
bool base62_string(const char *s, size_t len);

/*
 * Parses a key string of exactly KEY_LEN bytes (len is the caller's length,
 * so an embedded NUL or trailing junk is refused).  Checks prefix, charset,
 * separator and checksum.  On success fills *out (if not NULL) and returns
 * true.  Touches no store and does no I/O.
 */
bool key_parse(const char *s, size_t len, struct parsed_key *out);

/*
 * Assembles the key string from an id and a secret (both base62, exact
 * lengths) into out, which must hold KEY_LEN + 1 bytes.  Returns false on
 * bad input.
 */
bool key_assemble(const char *id, const char *secret, char *out, size_t outlen);

#endif
