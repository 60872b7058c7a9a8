/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The central PostgreSQL store, through libpq: connecting, and running
 * statements with bound parameters (never text pasted into SQL).  Every
 * table lives in the schema "apikey", named in full in every statement,
 * so no search_path can put another table in its place.
 */
#ifndef APIKEY_CENTRAL_PG_H
#define APIKEY_CENTRAL_PG_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "secret.h"

/* the channel apikeyctl notifies, after each change, with the revision */
#define CENTRAL_CHANNEL "apikey_changes"

/* How a connection reaches the server is safe for keys: a unix socket in
 * a directory no other user may write in, or TLS that checked the
 * server's certificate and name (sslmode=verify-full).  Anything else --
 * TCP, loopback too, or an abstract socket -- could be a server in the
 * middle (or a local user's) feeding hosts keys, or withholding deletes
 * while they look in contact.  host and hostaddr as libpq says the
 * connection went (PQhost, PQhostaddr; NULL or "" when none).
 * central_connect asks for verify-full before connecting to anything but
 * such a socket, so no password goes to an unchecked server. */
bool central_transport_safe(const char *host, const char *hostaddr,
			    const char *sslmode, bool ssl_in_use);

/* A connection string given on a command line must hold no password: the
 * command line is readable by every local user (ps).  False with the
 * reason (a parse error too). */
bool central_conninfo_without_password(const char *conninfo, char *err,
				       size_t errlen);

/* Connects (application_name and keepalive defaults first, so the
 * connection string can override them), then refuses a connection that
 * is not central_transport_safe and sets a statement timeout; NULL with
 * the reason in err. */
PGconn *central_connect(const char *conninfo, const char *application,
			char *err, size_t errlen);

/* Runs sql with text parameters; the result when its status is the one
 * expected (PGRES_COMMAND_OK or PGRES_TUPLES_OK), else NULL with the
 * server's message in err.  PQclear the result. */
PGresult *central_exec(PGconn *pg, const char *sql, int nparams,
		       const char *const *params, ExecStatusType expect,
		       char *err, size_t errlen);

/* A statement whose result is not needed: true when it ran. */
bool central_run(PGconn *pg, const char *sql, int nparams,
		 const char *const *params, char *err, size_t errlen);

/* The connection's last error, as err's text: "central store: WHAT: ..."
 * (its first line, only printable ASCII). */
void central_error(PGconn *pg, const char *what, char *err, size_t errlen);

/* ROLLBACK when a transaction is open (after a failure). */
void central_rollback(PGconn *pg);

/* The central store's schema is the one this program knows; false with
 * the reason (none yet, older: run init; newer: upgrade). */
bool central_schema_current(PGconn *pg, char *err, size_t errlen);

/* Creates or migrates the schema (apikeyctl --central init), one
 * transaction; the numbered migrations of schema/central/. */
bool central_migrate(PGconn *pg, int *from, int *to, char *err, size_t errlen);

/* The fingerprint of a pepper the central store records, so a host or an
 * administrator with another pepper is told, not left with keys that
 * never match: BLAKE2b keyed with the pepper, of a fixed text. */
#define PEPPER_CHECK_LEN 32
void central_pepper_check(const unsigned char pepper[PEPPER_LEN],
			  unsigned char out[PEPPER_CHECK_LEN]);

/* Compares the local pepper with the central store's record of the fleet's
 * (set by the first init); false with the reason. */
bool central_pepper_matches(PGconn *pg, const unsigned char pepper[PEPPER_LEN],
			    char *err, size_t errlen);

/* A 64-bit integer column that is not NULL, within [min, max]. */
bool central_int(const PGresult *r, int row, int col, long long min,
		 long long max, long long *out);

#endif
