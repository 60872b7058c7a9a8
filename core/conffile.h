/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Root-owned settings files of 'name = value' lines (policy.conf,
 * central.conf): read safely (safefile.h) and split into lines, with the
 * path and line number in every error.  Each file's settings are its own.
 */
#ifndef APIKEY_CONFFILE_H
#define APIKEY_CONFFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CONF_FILE_MAX 65536
#define CONF_LINE_MAX 255

/* Reads path, a regular root-owned file in a safe directory whose mode has
 * none of the bits in forbidden, into buf (cap bytes, NUL-terminated).
 * 1: read (*len bytes); 0: no such file (nor directory); -1: error. */
int conf_file_read(const char *path, mode_t forbidden, char *buf, size_t cap,
		   size_t *len, char *err, size_t errlen);

/* Called for each setting, in order: false (with err) stops the parse.
 * The value has its surrounding blanks removed. */
typedef bool (*conf_setting_fn)(const char *name, char *value, int line,
				void *ctx, char *err, size_t errlen);

/* Splits text into lines (printable ASCII and tabs; a comment line may
 * hold UTF-8) of at most CONF_LINE_MAX bytes; blank and '#' lines are
 * skipped, any other must be 'name = value'. */
bool conf_parse(const char *text, size_t len, const char *path,
		conf_setting_fn fn, void *ctx, char *err, size_t errlen);

#endif
