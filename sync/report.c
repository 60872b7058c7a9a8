/* SPDX-License-Identifier: BSD-2-Clause */
#include "report.h"

#include <stdio.h>
#include <string.h>

#include "mirror.h"
#include "pg.h"

/* rows read and sent at a time, in one central transaction */
#define BATCH 200
#define COLS  7
/* the longest address or reason apikey.usage takes */
#define REPORT_TEXT_MAX 255
/* the only way the agent's role may write: apikey.report_usage names the
 * host after the role, and takes reports of existing keys only */
#define REPORT_SQL                                                             \
	"SELECT apikey.report_usage($1, $2::bigint, $3::bigint, $4, "          \
	"$5::bigint, $6, $7)"

struct batch {
	struct mirror_usage rows[BATCH];
	char numbers[BATCH][3][24];
	const char *params[BATCH * COLS];
};

static const char *time_or_null(time_t t, char *out)
{
	if (t == 0)
		return NULL;
	snprintf(out, 24, "%lld", (long long)t);
	return out;
}

/* A text the store recorded, sent only when it is plain printable ASCII
 * the central store's column takes (a host name as PAM_RHOST, say, can be
 * anything up to 255 bytes). */
static const char *text_or_null(const char *text)
{
	size_t len = strlen(text);

	return len > 0 && len <= REPORT_TEXT_MAX && plain_ascii(text, true)
		   ? text
		   : NULL;
}

/* One row's parameters: a use is sent with its time and address, a new
 * denial with its own. */
static void row_params(struct batch *b, long i)
{
	const struct mirror_usage *u = &b->rows[i];
	const char **p = &b->params[i * COLS];
	bool used = u->uses > 0;

	snprintf(b->numbers[i][0], 24, "%lld", u->uses);
	p[0] = u->id;
	p[1] = b->numbers[i][0];
	p[2] = used ? time_or_null(u->last_used_at, b->numbers[i][1]) : NULL;
	p[3] = used ? text_or_null(u->last_used_ip) : NULL;
	p[4] = time_or_null(u->denied_at, b->numbers[i][2]);
	p[5] = u->denied_at != 0 ? text_or_null(u->denied_ip) : NULL;
	p[6] = u->denied_at != 0 ? text_or_null(u->denied_reason) : NULL;
}

/* The batch's rows, one call each, in one transaction. */
static bool send_batch(PGconn *pg, const struct batch *b, long n, char *err,
		       size_t errlen)
{
	bool ok = central_run(pg, "BEGIN", 0, NULL, err, errlen);

	for (long i = 0; ok && i < n; i++)
		ok = central_run(pg, REPORT_SQL, COLS, &b->params[i * COLS],
				 err, errlen);
	ok = ok && central_run(pg, "COMMIT", 0, NULL, err, errlen);
	central_rollback(pg);
	return ok;
}

static bool mark_reported(struct store *s, const struct batch *b, long n,
			  char *err, size_t errlen)
{
	bool ok = store_begin(s) == STORE_OK;

	for (long i = 0; ok && i < n; i++)
		ok = mirror_reported(s, &b->rows[i]) == STORE_OK;
	ok = ok && store_commit(s) == STORE_OK;
	if (!ok)
		snprintf(err, errlen, "local store: %s", store_error(s));
	store_rollback(s);
	return ok;
}

bool report_usage(PGconn *pg, struct store *s, char *err, size_t errlen)
{
	static struct batch b;
	long n;
	int rounds = 0;

	do {
		n = mirror_unreported(s, b.rows, BATCH);
		if (n < 0) {
			snprintf(err, errlen, "local store: %s",
				 store_error(s));
			return false;
		}
		if (n == 0)
			return true;
		for (long i = 0; i < n; i++)
			row_params(&b, i);
		if (!send_batch(pg, &b, n, err, errlen) ||
		    !mark_reported(s, &b, n, err, errlen))
			return false;
	} while (n == BATCH && ++rounds < 50);
	return true;
}
