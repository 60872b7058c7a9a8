/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The .pak file ("protected API key"): the key and what it is for, in a
 * small text format, written once by 'apikeyctl create --save FILE' and
 * read by apikey-askpass: one file-format source compiled into both.
 *
 *   # pam_apikey key file: keep it secret (mode 0600)
 *   format: pak1
 *   id: <key id>
 *   user: <user>
 *   name: <key name>
 *   expires: <YYYY-MM-DDTHH:MM:SSZ or never>
 *   hosts: <host patterns>          (only when given: --save-hosts)
 *   key: <the key string>
 *
 * Lines are "field: value"; '#' lines are comments; unknown fields are
 * ignored by readers; "key" and "user" must appear exactly once, "hosts"
 * at most once.  apikey-askpass answers only prompts for that user, and
 * with a host list only for hosts matching one of its glob patterns.
 */
#ifndef APIKEY_PAK_H
#define APIKEY_PAK_H

#include <stdbool.h>
#include <stddef.h>

#include "keyfmt.h"
#include "protocol.h"

#define PAK_MAX_SIZE  8192
#define PAK_HOSTS_MAX 1024

/* What a client needs from a .pak file. */
struct pak {
	char key[KEY_LEN + 1];
	char user[REQ_USER_MAX + 1];
	char hosts[PAK_HOSTS_MAX + 1]; /* "" when the file names none */
};

/* Creates path with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600; -1 on error. */
int pak_create(const char *path, char *err, size_t errlen);

/* What apikeyctl writes: every field as text (hosts may be NULL). */
struct pak_fields {
	const char *id, *user, *name, *expires, *hosts, *key;
};

/* Writes and syncs the file's content; false on any write error. */
bool pak_write(int fd, const struct pak_fields *f);

/* True when hosts is a usable host list: glob patterns of host-name and
 * address characters, separated by commas or spaces, at least one. */
bool pak_hosts_valid(const char *hosts);

/* Reads a .pak file's text (len bytes) into out; false if the text is
 * malformed, a required field is missing or repeated, or the key is not a
 * valid key. */
bool pak_parse(const char *text, size_t len, struct pak *out);

#endif
