/* SPDX-License-Identifier: BSD-2-Clause */
#include "pg.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "central_schema.h"

/* libpq's default socket directory (pg_config_manual.h), when neither the
 * connection string nor the environment names a host */
#ifndef DEFAULT_PGSOCKET_DIR
#define DEFAULT_PGSOCKET_DIR "/var/run/postgresql"
#endif

/* The server's message, its first line, every byte that is not printable
 * ASCII shown as '?': it may echo what a client sent. */
static void pg_error(PGconn *pg, const PGresult *r, const char *what, char *err,
		     size_t errlen)
{
	char line[300];
	const char *msg = r != NULL ? PQresultErrorMessage(r) : "";
	size_t n = 0;

	if (msg == NULL || msg[0] == '\0')
		msg = PQerrorMessage(pg);
	if (msg == NULL || msg[0] == '\0')
		msg = "no message";
	for (; msg[n] != '\0' && msg[n] != '\n' && n + 1 < sizeof line; n++)
		line[n] = msg[n] >= 0x20 && msg[n] < 0x7f ? msg[n] : '?';
	line[n] = '\0';
	snprintf(err, errlen, "central store: %s: %s", what, line);
}

void central_error(PGconn *pg, const char *what, char *err, size_t errlen)
{
	pg_error(pg, NULL, what, err, errlen);
}

/* A unix socket directory only root or the server's user can write in:
 * no other local user can put a server of their own there. */
static bool socket_dir_safe(const char *dir)
{
	struct stat st;

	return dir[0] == '/' && stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	       (st.st_mode & S_IWOTH) == 0;
}

bool central_transport_safe(const char *host, const char *hostaddr,
			    const char *sslmode, bool ssl_in_use)
{
	if (ssl_in_use && sslmode != NULL &&
	    strcmp(sslmode, "verify-full") == 0)
		return true;
	/* TCP, loopback too (any local user may listen on a free port),
	 * and abstract sockets (anyone may bind one) need TLS */
	if (hostaddr != NULL && hostaddr[0] != '\0')
		return false;
	return host != NULL && socket_dir_safe(host);
}

/* Every host the connection string names (or, where it names none, the
 * environment or libpq's default) is a safe unix socket directory. */
static bool sockets_only(const char *conninfo)
{
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
	const char *host = NULL;
	char hosts[1024], *save = NULL;
	bool safe = opts != NULL;

	/* a hostaddr, or a service file's entry, may name TCP */
	if (getenv("PGHOSTADDR") != NULL || getenv("PGSERVICE") != NULL)
		safe = false;
	for (PQconninfoOption *o = opts; safe && o->keyword != NULL; o++) {
		if ((strcmp(o->keyword, "hostaddr") == 0 ||
		     strcmp(o->keyword, "service") == 0) &&
		    o->val != NULL && o->val[0] != '\0')
			safe = false;
		if (strcmp(o->keyword, "host") == 0 && o->val != NULL)
			host = o->val;
	}
	if (safe && host == NULL)
		host = getenv("PGHOST");
	if (safe && host == NULL)
		host = DEFAULT_PGSOCKET_DIR;
	snprintf(hosts, sizeof hosts, "%s", safe ? host : "");
	for (char *h = strtok_r(hosts, ",", &save); safe && h != NULL;
	     h = strtok_r(NULL, ",", &save))
		safe = socket_dir_safe(h);
	safe = safe && hosts[0] != '\0';
	PQconninfoFree(opts);
	return safe;
}

bool central_conninfo_without_password(const char *conninfo, char *err,
				       size_t errlen)
{
	char *why = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &why);
	bool ok = opts != NULL;

	if (opts == NULL)
		snprintf(err, errlen, "bad connection string: %s",
			 why != NULL ? why : "out of memory");
	for (PQconninfoOption *o = opts; ok && o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL &&
		    o->val[0] != '\0') {
			snprintf(err, errlen,
				 "a password in --central's connection string "
				 "is readable by every local user (ps): put "
				 "it in a root-only central.conf or passfile");
			ok = false;
		}
	PQconninfoFree(opts);
	PQfreemem(why);
	return ok;
}

/* The sslmode libpq used (the connection string's, or the environment's,
 * or the default). */
static const char *sslmode_of(PGconn *pg, char *out, size_t outlen)
{
	PQconninfoOption *opts = PQconninfo(pg);

	snprintf(out, outlen, "%s", "");
	for (PQconninfoOption *o = opts; o != NULL && o->keyword != NULL; o++)
		if (strcmp(o->keyword, "sslmode") == 0 && o->val != NULL)
			snprintf(out, outlen, "%s", o->val);
	PQconninfoFree(opts);
	return out;
}

PGconn *central_connect(const char *conninfo, const char *application,
			char *err, size_t errlen)
{
	const char *const keys[] = {"application_name",
				    "connect_timeout",
				    "keepalives",
				    "keepalives_idle",
				    "keepalives_interval",
				    "keepalives_count",
				    "tcp_user_timeout",
				    "dbname",
				    "sslmode",
				    NULL};
	const char *const values[] = {application,   "10", "1",	    "10",
				      "5",	     "3",  "30000", conninfo,
				      "verify-full", NULL};
	/* anything but a safe socket gets TLS that checks the server before
	 * a password is sent (sslmode after dbname wins over the string's);
	 * a socket ends the list before it */
	bool local = sockets_only(conninfo);
	const char *const *vals = values;
	const char *local_values[sizeof values / sizeof values[0]];
	PGconn *pg;

	memcpy(local_values, values, sizeof values);
	if (local) {
		local_values[8] = NULL;
		vals = local_values;
	}
	pg = PQconnectdbParams(keys, vals, 1);
	char sslmode[32];

	if (pg == NULL) {
		snprintf(err, errlen, "central store: out of memory");
		return NULL;
	}
	if (PQstatus(pg) != CONNECTION_OK) {
		pg_error(pg, NULL, "cannot connect", err, errlen);
	} else if (!central_transport_safe(
		       PQhost(pg), PQhostaddr(pg),
		       sslmode_of(pg, sslmode, sizeof sslmode),
		       PQsslInUse(pg) != 0)) {
		snprintf(err, errlen,
			 "central store: refused to use a connection to %s "
			 "without TLS that checks the server "
			 "(sslmode=verify-full): a server in the middle could "
			 "hand out keys",
			 PQhost(pg) != NULL ? PQhost(pg) : "?");
	} else if (central_run(pg, "SET statement_timeout = 30000", 0, NULL,
			       err, errlen) &&
		   central_run(pg, "SET lock_timeout = 10000", 0, NULL, err,
			       errlen)) {
		return pg;
	}
	PQfinish(pg);
	return NULL;
}

PGresult *central_exec(PGconn *pg, const char *sql, int nparams,
		       const char *const *params, ExecStatusType expect,
		       char *err, size_t errlen)
{
	PGresult *r =
	    PQexecParams(pg, sql, nparams, NULL, params, NULL, NULL, 0);

	if (r != NULL && PQresultStatus(r) == expect)
		return r;
	pg_error(pg, r, "statement failed", err, errlen);
	PQclear(r);
	return NULL;
}

bool central_run(PGconn *pg, const char *sql, int nparams,
		 const char *const *params, char *err, size_t errlen)
{
	PGresult *r =
	    PQexecParams(pg, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType status =
	    r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;

	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
		pg_error(pg, r, "statement failed", err, errlen);
	PQclear(r);
	return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

void central_rollback(PGconn *pg)
{
	if (PQtransactionStatus(pg) != PQTRANS_IDLE)
		PQclear(PQexec(pg, "ROLLBACK"));
}

bool central_int(const PGresult *r, int row, int col, long long min,
		 long long max, long long *out)
{
	const char *text;
	char *end;
	long long v;

	if (PQgetisnull(r, row, col))
		return false;
	text = PQgetvalue(r, row, col);
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* The schema version, 0 when there is none yet; -1 on error. */
static int schema_version_of(PGconn *pg, char *err, size_t errlen)
{
	PGresult *r =
	    central_exec(pg, "SELECT to_regclass('apikey.meta') IS NULL", 0,
			 NULL, PGRES_TUPLES_OK, err, errlen);
	bool none = r != NULL && PQntuples(r) == 1 &&
		    strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	long long v = -1;

	PQclear(r);
	if (r == NULL)
		return -1;
	if (none)
		return 0;
	r = central_exec(pg,
			 "SELECT schema_version FROM apikey.meta WHERE id = 1",
			 0, NULL, PGRES_TUPLES_OK, err, errlen);

	if (r != NULL &&
	    (PQntuples(r) != 1 || !central_int(r, 0, 0, 0, 1000000, &v))) {
		snprintf(err, errlen, "central store: apikey.meta is damaged");
		v = -1;
	}
	PQclear(r);
	return (int)v;
}

bool central_schema_current(PGconn *pg, char *err, size_t errlen)
{
	int v = schema_version_of(pg, err, errlen);

	if (v < 0)
		return false;
	if (v == central_schema_version)
		return true;
	if (v == 0)
		snprintf(err, errlen,
			 "the central store has no pam_apikey schema yet (run "
			 "'apikeyctl --central CONNINFO init')");
	else if (v < central_schema_version)
		snprintf(err, errlen,
			 "central schema version %d is out of date (run "
			 "'apikeyctl --central CONNINFO init' to upgrade it)",
			 v);
	else
		snprintf(err, errlen,
			 "central schema version %d is newer than this "
			 "program knows (%d)",
			 v, central_schema_version);
	return false;
}

bool central_migrate(PGconn *pg, int *from, int *to, char *err, size_t errlen)
{
	char version[16];
	const char *params[] = {version};
	int v;

	/* one init at a time: the lock waits for another to finish */
	if (!central_run(pg, "BEGIN", 0, NULL, err, errlen) ||
	    !central_run(pg, "SELECT pg_advisory_xact_lock(7048101)", 0, NULL,
			 err, errlen))
		goto fail;
	if ((v = schema_version_of(pg, err, errlen)) < 0)
		goto fail;
	*from = v;
	if (v > central_schema_version) {
		central_schema_current(pg, err, errlen);
		goto fail;
	}
	for (; v < central_schema_version; v++) {
		PGresult *r = PQexec(pg, central_schema_migrations[v]);
		bool ok = r != NULL && PQresultStatus(r) == PGRES_COMMAND_OK;

		if (!ok)
			pg_error(pg, r, "migration failed", err, errlen);
		PQclear(r);
		snprintf(version, sizeof version, "%d", v + 1);
		if (!ok || !central_run(pg,
					"UPDATE apikey.meta SET schema_version "
					"= $1::integer WHERE id = 1",
					1, params, err, errlen))
			goto fail;
	}
	*to = v;
	return central_run(pg, "COMMIT", 0, NULL, err, errlen);
fail:
	central_rollback(pg);
	return false;
}

void central_pepper_check(const unsigned char pepper[PEPPER_LEN],
			  unsigned char out[PEPPER_CHECK_LEN])
{
	static const char text[] = "pam_apikey fleet pepper check v1";

	crypto_generichash(out, PEPPER_CHECK_LEN, (const unsigned char *)text,
			   sizeof text - 1, pepper, PEPPER_LEN);
}

bool central_pepper_matches(PGconn *pg, const unsigned char pepper[PEPPER_LEN],
			    char *err, size_t errlen)
{
	unsigned char mine[PEPPER_CHECK_LEN], theirs[PEPPER_CHECK_LEN];
	PGresult *r = central_exec(pg,
				   "SELECT encode(pepper_check, 'hex') FROM "
				   "apikey.meta WHERE id = 1",
				   0, NULL, PGRES_TUPLES_OK, err, errlen);
	const char *hex;
	size_t len = 0;
	bool recorded, same;

	if (r == NULL)
		return false;
	central_pepper_check(pepper, mine);
	recorded = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0);
	hex = recorded ? PQgetvalue(r, 0, 0) : "";
	/* compared here: a server in the middle could answer "same" */
	same = recorded &&
	       sodium_hex2bin(theirs, sizeof theirs, hex, strlen(hex), NULL,
			      &len, NULL) == 0 &&
	       len == PEPPER_CHECK_LEN &&
	       sodium_memcmp(mine, theirs, PEPPER_CHECK_LEN) == 0;
	if (!same)
		snprintf(err, errlen,
			 !recorded ? "the central store records no pepper yet "
				     "(run 'apikeyctl --central CONNINFO init')"
				   : "this host's pepper is not the fleet's: "
				     "keys made centrally would never match "
				     "here (copy the fleet's pepper file)");
	PQclear(r);
	return same;
}
