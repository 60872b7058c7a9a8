/* Minimal JSON writing for apikeyctl's --json output. */
#ifndef APIKEY_JSON_H
#define APIKEY_JSON_H

#include <stdio.h>
#include <time.h>

/* Writes s as a JSON string literal: quotes, backslashes and control
 * characters escaped; valid UTF-8 passes through. */
void json_string(FILE *out, const char *s);

/* A string, or null when s is empty. */
void json_string_or_null(FILE *out, const char *s);

/* An ISO 8601 UTC string, or null when t is 0. */
void json_time(FILE *out, time_t t);

#endif
