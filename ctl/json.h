/* SPDX-License-Identifier: BSD-2-Clause */
/* JSON writing for apikeyctl's --json output. */
#ifndef APIKEY_JSON_H
#define APIKEY_JSON_H

#include <stdio.h>
#include <time.h>

#include "record.h"

/* Writes s as a JSON string literal: quotes, backslashes and control
 * characters escaped; valid UTF-8 passes through. */
void json_string(FILE *out, const char *s);

/* A string, or null when s is empty. */
void json_string_or_null(FILE *out, const char *s);

/* An ISO 8601 UTC string, or null when t is 0. */
void json_time(FILE *out, time_t t);

/* A key's record as one JSON object, with "key" when key is not NULL
 * (create and rotate show it once); list, show, create and rotate print
 * it. */
void print_key_json(FILE *out, const struct key_record *rec, const char *key);

#endif
