/* SPDX-License-Identifier: BSD-2-Clause */
#include "outcome.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "logquote.h"

void outcome_of(const struct request *req, const struct verify_result *res,
		bool store_read, time_t now, struct outcome *o)
{
	memset(o, 0, sizeof *o);
	o->record = store_read && req->op == REQ_OP_AUTH;
	o->matched = res->secret_matched;
	o->accepted = res->verdict == VERDICT_ACCEPT;
	o->now = now;
	if (o->matched)
		memcpy(o->id, res->rec.id, sizeof o->id);
	snprintf(o->reason, sizeof o->reason, "%s", res->reason);
	snprintf(o->rhost, sizeof o->rhost, "%s", req->rhost);
}

void outcome_not_recorded(const char *id, const char *why)
{
	char quoted[LOG_QUOTED_SIZE(512)];

	syslog(LOG_WARNING, "could not record use of key %s: %s",
	       id[0] != '\0' ? id : "(none matched)",
	       log_quote(why, quoted, sizeof quoted));
}

void outcome_record(struct store *s, const struct outcome *o)
{
	enum store_result r;

	if (!o->record)
		return;
	if (!o->matched)
		r = store_record_unmatched(s, o->now);
	else if (o->accepted)
		r = store_record_use(s, o->id, o->now, o->rhost);
	else
		r = store_record_denial(s, o->id, o->now, o->rhost, o->reason);
	if (r == STORE_ERROR)
		outcome_not_recorded(o->id, store_error(s));
}
