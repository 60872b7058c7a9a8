/*
 * The .pak file ("protected API key"): the key and what it is for, in a
 * small text format, written once by 'apikeyctl create --save FILE'.
 *
 *   # pam_apikey key file: keep it secret (mode 0600)
 *   format: pak1
 *   id: <key id>
 *   user: <user>
 *   name: <key name>
 *   expires: <YYYY-MM-DDTHH:MM:SSZ or never>
 *   key: <the key string>
 *
 * Lines are "field: value"; '#' lines are comments; unknown fields are
 * ignored by readers; "key" must appear exactly once.
 */
#ifndef APIKEY_PAK_H
#define APIKEY_PAK_H

#include <stdbool.h>
#include <stddef.h>

#include "keyfmt.h"
#include "record.h"

#define PAK_MAX_SIZE 8192

/* Creates path with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600; -1 on error. */
int pak_create(const char *path, char *err, size_t errlen);

/* Writes and syncs the file's content; false on any write error. */
bool pak_write(int fd, const char *key, const struct key_record *rec);

/* Finds the key in a .pak file's text (len bytes); false if the text is
 * malformed or the key line is missing, repeated or not a valid key. */
bool pak_parse_key(const char *text, size_t len, char key[KEY_LEN + 1]);

#endif
