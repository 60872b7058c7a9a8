/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Checking names and descriptions before they reach the store, and so the
 * terminals and logs of administrators.
 *
 * Both are valid UTF-8 of printable characters that show: no control
 * characters (a description may hold newlines and tabs), no Unicode format
 * or direction characters (right-to-left overrides and isolates, zero-width
 * spaces and joiners, U+FEFF), no default-ignorable ones (Hangul fillers,
 * the combining grapheme joiner, variation selectors) and no braille blank:
 * they print as nothing or reorder what follows.  A name must also be in
 * Unicode NFC, hold no space but U+0020, and neither start nor end with
 * one: two names that look the same must not coexist.  (Letters of other
 * scripts that look alike, such as Cyrillic and Latin "a", stay allowed.)
 */
#ifndef APIKEY_TEXT_H
#define APIKEY_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* 1..max_chars characters; on error err names the problem (and the
 * character, as U+XXXX). */
bool name_valid(const char *s, size_t max_chars, char *err, size_t errlen);

/* 0..max_chars characters; newlines and tabs allowed. */
bool description_valid(const char *s, size_t max_chars, char *err,
		       size_t errlen);

/* The byte length of the longest prefix of the UTF-8 text s holding at
 * most max_chars characters (never splitting a character). */
size_t utf8_prefix_bytes(const char *s, size_t max_chars);

#endif
