/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pam_apikey.so: an API key as the password of any pam.d service.
 *
 * Thin on purpose: it collects user, rhost, service and password, ignores
 * passwords not shaped like a key without any I/O, and asks apikeyd (when
 * it runs) or the setuid helper for everything else.  It links libpam (and
 * zlib's crc32) only: the store and its secrets stay out of the process that
 * hosts PAM.
 *
 * MUST rules kept here:
 * - a system error never yields PAM_SUCCESS or PAM_IGNORE (pam-u2f
 *   CVE-2025-23013): every path starts at a failure;
 * - a password that starts with the key prefix is this module's, whole or
 *   mistyped: a mistyped key is refused here, never handed on (IGNORE) to
 *   a module that would take nearly all of its secret as a password;
 * - never log the key or anything derived from its secret; quote every
 *   value a caller or the store chose (logquote.h).
 */
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "announce.h"
#include "daemon.h"
#include "keyfmt.h"
#include "log.h"
#include "logquote.h"
#include "options.h"
#include "protocol.h"
#include "spawn.h"

#define FAIL_DELAY_USEC 2000000
#define KEY_ID_DATA	"pam_apikey_key_id"

struct login {
	const char *user;
	const char *rhost;
	const char *service;
};

static const char *item_text(pam_handle_t *pamh, int item)
{
	const void *value = NULL;

	if (pam_get_item(pamh, item, &value) != PAM_SUCCESS || value == NULL)
		return "";
	return value;
}

static int status_to_pam(int status)
{
	switch (status) {
	case HELPER_OK: return PAM_SUCCESS;
	case HELPER_REFUSED: return PAM_AUTH_ERR;
	case HELPER_USER_UNKNOWN: return PAM_USER_UNKNOWN;
	default: return PAM_AUTHINFO_UNAVAIL; /* fail closed */
	}
}

/* The login's caller-chosen values, quoted for a log line. */
struct quoted_login {
	char user[LOG_QUOTED_SIZE(REQ_USER_MAX)];
	char rhost[LOG_QUOTED_SIZE(REQ_RHOST_MAX)];
};

static void quote_login(const struct login *login, struct quoted_login *q)
{
	log_quote(login->user, q->user, sizeof q->user);
	log_quote(login->rhost[0] != '\0' ? login->rhost : "(none)", q->rhost,
		  sizeof q->rhost);
}

static void log_outcome(pam_handle_t *pamh, const struct login *login,
			const char *key_id, const struct helper_outcome *out)
{
	char name[LOG_QUOTED_SIZE(RESP_NAME_MAX)];
	char reason[LOG_QUOTED_SIZE(REASON_MAX)];
	struct quoted_login q;

	quote_login(login, &q);
	log_quote(out->has_response ? out->response.name : "", name,
		  sizeof name);
	/* the helper may answer no response, apikeyd an empty one: alike */
	log_quote(out->has_response && out->response.reason[0] != '\0'
		      ? out->response.reason
		      : "no reason given",
		  reason, sizeof reason);
	if (out->status == HELPER_OK)
		module_log(pamh, LOG_INFO,
			   "accepted key for user=%s key_id=%s key_name=%s "
			   "rhost=%s",
			   q.user, key_id, name, q.rhost);
	else if (out->status == HELPER_DIED)
		module_log(pamh, LOG_ERR,
			   "%s failed (missing, crashed, timed out or not "
			   "root's); user=%s key_id=%s rhost=%s",
			   out->via, q.user, key_id, q.rhost);
	else
		module_log(pamh, LOG_NOTICE,
			   "authentication failure; user=%s key_id=%s "
			   "key_name=%s rhost=%s reason=%s (status %d)",
			   q.user, key_id, name, q.rhost, reason, out->status);
}

/* A password with the key prefix that is not a whole, well-formed key: a
 * typo or a truncated paste.  Nothing of it is logged. */
static int refuse_malformed(pam_handle_t *pamh, const struct login *login)
{
	struct quoted_login q;

	quote_login(login, &q);
	module_log(
	    pamh, LOG_NOTICE,
	    "authentication failure; user=%s rhost=%s reason=\"malformed "
	    "key (has the key prefix but is not a whole, well-formed "
	    "key)\"",
	    q.user, q.rhost);
	return PAM_AUTH_ERR;
}

/* Builds and sends one request; returns the PAM code for its outcome. */
static int ask_helper(pam_handle_t *pamh, const struct module_options *opts,
		      const struct login *login, char op, const char *key,
		      const char *key_id, struct helper_outcome *out)
{
	struct request req;
	char buf[REQ_MAX];
	size_t len;

	memset(&req, 0, sizeof req);
	req.op = op;
	snprintf(req.user, sizeof req.user, "%s", login->user);
	snprintf(req.rhost, sizeof req.rhost, "%s", login->rhost);
	snprintf(req.service, sizeof req.service, "%s", login->service);
	snprintf(req.db, sizeof req.db, "%s", opts->db);
	snprintf(req.key, sizeof req.key, "%s", key);
	len = strlen(login->user) < sizeof req.user &&
		      strlen(login->rhost) < sizeof req.rhost &&
		      strlen(login->service) < sizeof req.service &&
		      strlen(opts->db) < sizeof req.db
		  ? request_encode(&req, buf, sizeof buf)
		  : 0;
	explicit_bzero(&req, sizeof req);
	if (len == 0) {
		struct quoted_login q;

		/* never cut a field: a cut rhost could match a rule */
		quote_login(login, &q);
		module_log(pamh, LOG_ERR,
			   "user, rhost or service too long or not text; "
			   "user=%s key_id=%s rhost=%s refused",
			   q.user, key_id, q.rhost);
		return PAM_AUTH_ERR;
	}
	if (opts->daemon[0] == '\0' ||
	    ask_daemon(pamh, opts->daemon, buf, len, opts->timeout_seconds,
		       out) == DAEMON_ABSENT)
		run_helper(pamh, opts->helper, buf, len, opts->timeout_seconds,
			   out);
	explicit_bzero(buf, sizeof buf);
	log_outcome(pamh, login, key_id, out);
	return status_to_pam(out->status);
}

static void free_data(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	free(data);
}

/* Remembers which key authenticated, for pam_sm_acct_mgmt. */
static void remember_key(pam_handle_t *pamh, const char *key_id)
{
	char *copy = strdup(key_id);

	if (copy != NULL &&
	    pam_set_data(pamh, KEY_ID_DATA, copy, free_data) != PAM_SUCCESS)
		free(copy);
}

static int get_login(pam_handle_t *pamh, struct login *login)
{
	int rc = pam_get_user(pamh, &login->user, NULL);

	if (rc == PAM_CONV_AGAIN)
		return PAM_INCOMPLETE;
	if (rc != PAM_SUCCESS || login->user == NULL || login->user[0] == '\0')
		return rc != PAM_SUCCESS ? rc : PAM_USER_UNKNOWN;
	login->rhost = item_text(pamh, PAM_RHOST);
	login->service = item_text(pamh, PAM_SERVICE);
	return PAM_SUCCESS;
}

static int authenticate(pam_handle_t *pamh, const struct module_options *opts)
{
	struct login login;
	struct parsed_key key;
	struct helper_outcome out;
	const char *authtok = NULL;
	int rc = get_login(pamh, &login);

	/* a key remembered from an earlier attempt must not outlive it */
	pam_set_data(pamh, KEY_ID_DATA, NULL, NULL);
	if (rc != PAM_SUCCESS)
		return rc;
	rc = pam_get_authtok(pamh, PAM_AUTHTOK, &authtok, NULL);
	if (rc != PAM_SUCCESS)
		return rc == PAM_CONV_AGAIN ? PAM_INCOMPLETE : rc;
	if (authtok == NULL || !key_prefixed(authtok)) {
		/* an ordinary password: not ours, no I/O, no log line */
		if (opts->debug)
			module_log(pamh, LOG_DEBUG,
				   "password is not an API key");
		return PAM_IGNORE;
	}
	if (!key_parse(authtok, strlen(authtok), &key))
		return refuse_malformed(pamh, &login);
	explicit_bzero(key.secret, sizeof key.secret);
	rc = ask_helper(pamh, opts, &login, REQ_OP_AUTH, authtok, key.id, &out);
	if (rc == PAM_SUCCESS) {
		remember_key(pamh, key.id);
		announce_key(pamh, opts->warn_days, key.id, &out);
	}
	return rc;
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
				   const char **argv)
{
	struct module_options opts;
	int rc;

	(void)flags;
	parse_options(pamh, argc, argv, &opts);
	rc = authenticate(pamh, &opts);
	if (rc != PAM_SUCCESS && rc != PAM_IGNORE && !opts.nodelay)
		pam_fail_delay(pamh, FAIL_DELAY_USEC);
	return rc;
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc,
			      const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

/* Only for logins this module authenticated: the key must still exist,
 * belong to the user and be unexpired. */
PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc,
				const char **argv)
{
	struct module_options opts;
	struct login login;
	struct helper_outcome out;
	const void *key_id = NULL;
	int rc;

	(void)flags;
	parse_options(pamh, argc, argv, &opts);
	if (pam_get_data(pamh, KEY_ID_DATA, &key_id) != PAM_SUCCESS ||
	    key_id == NULL)
		return PAM_IGNORE;
	rc = get_login(pamh, &login);
	if (rc != PAM_SUCCESS)
		return rc;
	rc = ask_helper(pamh, &opts, &login, REQ_OP_ACCT, key_id, key_id, &out);
	if (rc == PAM_AUTH_ERR)
		return PAM_PERM_DENIED;
	return rc == PAM_AUTHINFO_UNAVAIL ? PAM_AUTH_ERR : rc;
}
