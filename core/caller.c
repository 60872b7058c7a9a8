/* SPDX-License-Identifier: BSD-2-Clause */
#include "caller.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "account.h"
#include "deadline.h"
#include "logquote.h"
#include "refusal_log.h"
#include "safefile.h"

#define GROUP_FILE		"/etc/group"
#define GROUP_KEEP_SECONDS	30
#define GROUP_KEEP_NONE_SECONDS 1

/* The verifier group's gid (false: there is none).  apikeyd asks for
 * every request, and a name NSS does not know costs a walk of every NSS
 * source, so an answer is kept while /etc/group is unchanged, for at most
 * GROUP_KEEP_SECONDS (the group may live in a directory service) and
 * GROUP_KEEP_NONE_SECONDS when there was no such group (a directory
 * service away can say so too); a failed lookup is not kept at all. */
static bool verifier_gid(gid_t *gid)
{
	static struct {
		bool exists;
		gid_t gid;
		long long until; /* 0: nothing kept */
		struct stat st;
	} cache;
	struct stat st;
	long long now = monotonic_ms() / 1000;

	if (stat(GROUP_FILE, &st) != 0 || !stat_same_contents(&st, &cache.st) ||
	    now >= cache.until) {
		static char buf[65536]; /* a group's members can be many */
		struct group gr, *found = NULL;
		int rc = getgrnam_r(APIKEY_VERIFY_GROUP, &gr, buf, sizeof buf,
				    &found);

		cache.exists = rc == 0 && found != NULL;
		cache.gid = cache.exists ? gr.gr_gid : 0;
		cache.st = st;
		cache.until = rc != 0 && rc != ENOENT && rc != ESRCH ? 0
			      : cache.exists ? now + GROUP_KEEP_SECONDS
					     : now + GROUP_KEEP_NONE_SECONDS;
	}
	*gid = cache.gid;
	return cache.exists;
}

/* The gid or one of the supplementary groups is the verifier group's. */
static bool in_verifier_group(gid_t gid, const gid_t *groups, size_t count)
{
	gid_t verifier;
	bool member = false;

	if (!verifier_gid(&verifier))
		return false;
	member = gid == verifier;
	for (size_t i = 0; i < count; i++)
		member = member || groups[i] == verifier;
	return member;
}

void caller_identify(struct caller *c, uid_t uid, gid_t gid,
		     const gid_t *groups, size_t count)
{
	c->uid = uid;
	c->verifier = uid != 0 && in_verifier_group(gid, groups, count);
	c->scope = uid == 0 ? SCOPE_ANY_USER : SCOPE_OWN_ACCOUNT;
}

void caller_identify_self(struct caller *c)
{
	int count = getgroups(0, NULL);
	gid_t *groups =
	    count > 0 ? calloc((size_t)count, sizeof *groups) : NULL;

	if (groups != NULL)
		count = getgroups(count, groups);
	/* no groups read: the verifier group cannot be one of them */
	caller_identify(c, getuid(), getgid(), groups,
			groups != NULL && count > 0 ? (size_t)count : 0);
	free(groups);
}

enum caller_rule caller_allowed(struct caller *c, const struct request *req)
{
	char user[LOG_QUOTED_SIZE(REQ_USER_MAX)], name[REQ_USER_MAX + 1];
	enum lookup own;

	if (c->uid == 0) {
		c->scope = SCOPE_ANY_USER;
		return CALLER_ALLOWED;
	}
	if (req->db[0] != '\0') {
		refusal_log(LOG_WARNING,
			    "refused: uid %u tried to choose the store",
			    (unsigned)c->uid);
		return CALLER_REFUSED;
	}
	/* a member is a web server: its own account's keys too are checked
	 * only as web keys, or any client could log in to it as the server's
	 * own user with any key of that account */
	if (c->verifier) {
		c->scope = SCOPE_SERVICE_KEYS;
		return CALLER_ALLOWED;
	}
	own = account_name(c->uid, name, sizeof name);
	if (own == LOOKUP_FOUND && strcmp(name, req->user) == 0) {
		c->scope = SCOPE_OWN_ACCOUNT;
		return CALLER_ALLOWED;
	}
	if (own == LOOKUP_FAILED) {
		syslog(LOG_ERR, "cannot look uid %u up in the user database",
		       (unsigned)c->uid);
		return CALLER_UNKNOWN;
	}
	refusal_log(LOG_WARNING,
		    "refused: uid %u asked about another user's key; user=%s",
		    (unsigned)c->uid, log_quote(req->user, user, sizeof user));
	return CALLER_REFUSED;
}

void caller_response(const struct caller *c, const struct verify_result *res,
		     struct response *resp)
{
	const char *reason = res->reason;

	memset(resp, 0, sizeof *resp);
	if (res->verdict == VERDICT_SYSTEM_ERROR && c->uid != 0)
		reason = "system error";
	else if (c->scope == SCOPE_SERVICE_KEYS)
		reason =
		    res->verdict == VERDICT_ACCEPT ? "accepted" : "refused";
	snprintf(resp->reason, sizeof resp->reason, "%s", reason);
	if (!res->secret_matched || c->scope == SCOPE_SERVICE_KEYS)
		return;
	snprintf(resp->name, sizeof resp->name, "%s", res->rec.name);
	if (res->rec.expires_at != 0)
		snprintf(resp->expires, sizeof resp->expires, "%lld",
			 (long long)res->rec.expires_at);
}

int caller_status(const struct caller *c, enum verdict verdict)
{
	if (c->scope == SCOPE_SERVICE_KEYS && verdict == VERDICT_USER_UNKNOWN)
		return HELPER_REFUSED;
	return verdict_status(verdict);
}

void caller_log_check(const struct caller *c, const struct request *req,
		      const char *key_id, const struct verify_result *res)
{
	char service[LOG_QUOTED_SIZE(REQ_SERVICE_MAX)];
	char user[LOG_QUOTED_SIZE(REQ_USER_MAX)];
	char rhost[LOG_QUOTED_SIZE(REQ_RHOST_MAX)];
	char reason[LOG_QUOTED_SIZE(REASON_MAX)];

	if (c->scope != SCOPE_SERVICE_KEYS)
		return;
	syslog(LOG_INFO,
	       "uid %u (group %s) checked a key for %s: service=%s user=%s "
	       "key_id=%s rhost=%s %s reason=%s",
	       (unsigned)c->uid, APIKEY_VERIFY_GROUP,
	       req->op == REQ_OP_AUTH ? "authentication" : "an account",
	       log_quote(req->service, service, sizeof service),
	       log_quote(req->user, user, sizeof user), key_id,
	       log_quote(req->rhost, rhost, sizeof rhost),
	       res->verdict == VERDICT_ACCEPT ? "accepted" : "refused",
	       log_quote(res->reason, reason, sizeof reason));
}
