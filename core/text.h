/* SPDX-License-Identifier: BSD-2-Clause */
/* Checking names and descriptions before they reach the store. */
#ifndef APIKEY_TEXT_H
#define APIKEY_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when s is valid UTF-8 of 1..max_chars printable characters.  With
 * allow_newlines, '\n' and '\t' are accepted too (descriptions).  Control
 * characters are refused: they would reach terminals and logs.  On error
 * err names the problem, prefixed with what ("name", "description").
 */
bool text_valid(const char *what, const char *s, size_t max_chars,
		bool allow_newlines, bool allow_empty, char *err,
		size_t errlen);

/* The byte length of the longest prefix of the UTF-8 text s holding at
 * most max_chars characters (never splitting a character). */
size_t utf8_prefix_bytes(const char *s, size_t max_chars);

#endif
