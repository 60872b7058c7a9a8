/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Values in log lines.  What a caller chooses (a user name, PAM_RHOST, a
 * service name) or what the store holds (a key name) is written quoted,
 * with '"' and '\' escaped (\", \\), and space, '=' and every byte that
 * is not printable ASCII as \xHH (as OpenSSH's logging escapes what does
 * not print, strnvis).  A value is then one token: it cannot end its field
 * or plant another ("user=bob rhost=198.51.100.7" reads as
 * user="bob\x20rhost\x3d198.51.100.7" to a quote-aware parser and to a
 * regular expression alike), nor carry terminal controls (C1 CSI, invalid
 * UTF-8) to an administrator.
 *
 * Compiled into the PAM module and the helper (one copy).
 */
#ifndef APIKEY_LOGQUOTE_H
#define APIKEY_LOGQUOTE_H

#include <stddef.h>

/* Room for n bytes quoted in full: four per byte, the quotes, a NUL and
 * the room log_quote keeps for a cut mark. */
#define LOG_QUOTED_SIZE(n) (4 * (n) + 6)

/* Writes value quoted into out and returns out; a value that does not fit
 * ends in '...' inside the quotes.  outlen must be at least 8. */
const char *log_quote(const char *value, char *out, size_t outlen);

#endif
