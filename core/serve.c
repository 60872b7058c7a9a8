/* SPDX-License-Identifier: BSD-2-Clause */
#include "serve.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "logquote.h"
#include "refusal_log.h"

/* A key (or key id) that cannot be one is refused before the store is
 * read: no request that is bound to fail takes a store lock. */
static bool key_well_formed(const struct request *req)
{
	if (req->op == REQ_OP_AUTH)
		return key_parse(req->key, strlen(req->key), NULL);
	return strlen(req->key) == KEY_ID_LEN &&
	       base62_string(req->key, KEY_ID_LEN);
}

int serve_admissible(struct caller *c, const struct request *req)
{
	switch (caller_allowed(c, req)) {
	case CALLER_ALLOWED:
		return key_well_formed(req) ? HELPER_OK : HELPER_REFUSED;
	case CALLER_REFUSED: return HELPER_REFUSED;
	default: return HELPER_SYSTEM_ERROR;
	}
}

static void decide(const struct backing *b, const struct request *req,
		   const struct caller *c, time_t now,
		   struct verify_result *res)
{
	if (b->store == NULL) {
		memset(res, 0, sizeof *res);
		res->verdict = VERDICT_SYSTEM_ERROR;
		snprintf(res->reason, sizeof res->reason, "%s", b->unavailable);
	} else if (req->op == REQ_OP_AUTH) {
		verify_key(b->store, b->pepper, req, c->scope, now, res);
	} else {
		verify_account(b->store, req, c->scope, now, res);
	}
}

void serve_decide(const struct backing *b, struct request *req,
		  const struct caller *c, struct served *out)
{
	char reason[LOG_QUOTED_SIZE(REASON_MAX)], key_id[KEY_ID_LEN + 1];
	time_t now = time(NULL);

	/* the public id of the key asked about (a whole key, or an id) */
	snprintf(key_id, sizeof key_id, "%s",
		 req->key + (req->op == REQ_OP_AUTH ? KEY_PREFIX_LEN : 0));
	decide(b, req, c, now, &out->result);
	secret_wipe(req->key, sizeof req->key);
	/* any user can ask while the store is unusable: limited in apikeyd */
	if (out->result.verdict == VERDICT_SYSTEM_ERROR)
		refusal_log(
		    LOG_ERR, "store error: %s",
		    log_quote(out->result.reason, reason, sizeof reason));
	caller_log_check(c, req, key_id, &out->result); /* before the answer */
	caller_response(c, &out->result, &out->response);
	out->status = caller_status(c, out->result.verdict);
	outcome_of(req, &out->result, b->store != NULL, now, &out->outcome);
}
