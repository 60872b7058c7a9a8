/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * apikeyctl audit: every key that breaks the site policy, never expires,
 * has no allow list, went unused for 90 days, belongs to an account that
 * is gone or whose uid changed, is in a rotation grace period, or has
 * expired; and every user over max_keys_per_user.  Exit 0 when there is
 * nothing to report, 1 when there is, 3 when the audit could not run (a
 * policy or store it cannot read), so cron and monitoring can tell.
 *
 * Two passes over the store in one read snapshot: the first counts each
 * user's working keys (the store lists keys by user), the second reports.
 */
#include <err.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "filter.h"
#include "json.h"
#include "policy.h"
#include "sitepolicy.h"
#include "when.h"

#define UNUSED_DAYS 90

struct user_count {
	char user[REQ_USER_MAX + 1];
	long long working; /* keys not expired */
};

struct audit {
	struct site_policy policy;
	time_t now;
	bool json;
	/* pass 1: working keys per user, in the store's user order */
	struct user_count *users;
	size_t user_count, user_cap, next_user;
	/* pass 2 */
	long long keys, flagged;
	const struct key_record *rec; /* the key being reported */
	int findings;		      /* of that key so far */
};

static bool count_user(const struct key_record *rec, void *ctx)
{
	struct audit *a = ctx;
	struct user_count *last =
	    a->user_count > 0 ? &a->users[a->user_count - 1] : NULL;

	if (last == NULL || strcmp(last->user, rec->user) != 0) {
		if (a->user_count == a->user_cap) {
			a->user_cap = a->user_cap != 0 ? a->user_cap * 2 : 64;
			a->users = reallocarray(a->users, a->user_cap,
						sizeof *a->users);
			if (a->users == NULL)
				err(EXIT_REFUSED, "out of memory");
		}
		last = &a->users[a->user_count++];
		snprintf(last->user, sizeof last->user, "%s", rec->user);
		last->working = 0;
	}
	if (!key_expired(rec, a->now))
		last->working++;
	return true;
}

/* The working-key count of rec's user (keys come in the same order). */
static long long working_keys_of(struct audit *a, const char *user)
{
	while (a->next_user < a->user_count &&
	       strcmp(a->users[a->next_user].user, user) != 0)
		a->next_user++;
	return a->next_user < a->user_count ? a->users[a->next_user].working
					    : 0;
}

static void finding(const char *text, void *ctx)
{
	struct audit *a = ctx;
	const struct key_record *rec = a->rec;

	if (a->json) {
		if (a->findings == 0) {
			fputs(a->flagged > 0 ? ",{\"id\":" : "{\"id\":",
			      stdout);
			json_string(stdout, rec->id);
			fputs(",\"user\":", stdout);
			json_string(stdout, rec->user);
			fputs(",\"name\":", stdout);
			json_string(stdout, rec->name);
			fputs(",\"findings\":[", stdout);
		} else {
			fputc(',', stdout);
		}
		json_string(stdout, text);
	} else {
		printf("%s %s/%s: %s\n", rec->id, rec->user, rec->name, text);
	}
	a->findings++;
}

static void policy_finding(const char *breach, void *ctx)
{
	char text[240];

	snprintf(text, sizeof text, "policy: %s", breach);
	finding(text, ctx);
}

static void account_findings(struct audit *a, const struct key_record *rec)
{
	struct passwd *pw = getpwnam(rec->user);
	char text[160];

	if (pw == NULL) {
		finding("its account no longer exists", a);
	} else if ((long long)pw->pw_uid != rec->uid) {
		snprintf(text, sizeof text,
			 "its account's uid changed (%lld when the key was "
			 "made, %lld now): the key no longer works",
			 rec->uid, (long long)pw->pw_uid);
		finding(text, a);
	}
}

/* What the policy does not already say about a working key. */
static void hygiene_findings(struct audit *a, const struct key_record *rec,
			     long long working)
{
	const struct site_policy *p = &a->policy;
	long long idle = (long long)(a->now - key_last_activity(rec)) / 86400;
	char text[200], when[ISO_TIME_LEN];

	if (rec->expires_at == 0 && p->never_expire_allowed)
		finding("never expires", a);
	if (!key_has_allow_list(rec) && !p->require_allow_list)
		finding("no allow list: any address may use it", a);
	if (idle >= UNUSED_DAYS) {
		snprintf(text, sizeof text,
			 rec->last_used_at != 0 ? "unused for %lld days"
						: "never used in the %lld days "
						  "since it was made",
			 idle);
		finding(text, a);
	}
	if (rec->rotated_to[0] != '\0' && rec->expires_at != 0) {
		iso_time(rec->expires_at, when);
		snprintf(text, sizeof text,
			 "in a rotation grace period: replaced by %s, works "
			 "until %s",
			 rec->rotated_to, when);
		finding(text, a);
	} else if (rec->rotated_to[0] != '\0') {
		snprintf(text, sizeof text,
			 "replaced by %s in a rotation, but never expires: "
			 "delete it",
			 rec->rotated_to);
		finding(text, a);
	}
	if (p->max_keys_per_user != 0 && working > p->max_keys_per_user) {
		snprintf(text, sizeof text,
			 "policy: its user has %lld working keys "
			 "(max_keys_per_user = %lld)",
			 working, p->max_keys_per_user);
		finding(text, a);
	}
}

static bool report_key(const struct key_record *rec, void *ctx)
{
	struct audit *a = ctx;
	long long working = working_keys_of(a, rec->user);
	char text[160], when[ISO_TIME_LEN];

	a->keys++;
	a->rec = rec;
	a->findings = 0;
	if (key_expired(rec, a->now)) {
		iso_time(rec->expires_at, when);
		snprintf(text, sizeof text,
			 "expired %s (apikeyctl prune --expired-for removes "
			 "it)",
			 when);
		finding(text, a);
	} else {
		policy_breaches(&a->policy, rec, a->now, POLICY_ALL,
				policy_finding, a);
		hygiene_findings(a, rec, working);
	}
	account_findings(a, rec);
	if (a->findings > 0) {
		if (a->json)
			fputs("]}", stdout);
		a->flagged++;
	}
	return true;
}

static void summary(const struct audit *a)
{
	if (a->json) {
		printf("],\"keys\":%lld,\"flagged\":%lld,\"policy\":", a->keys,
		       a->flagged);
		json_string_or_null(stdout,
				    a->policy.present ? a->policy.path : "");
		puts("}");
		return;
	}
	printf("audit: %lld key%s, %lld with findings (%s %s)\n", a->keys,
	       a->keys == 1 ? "" : "s", a->flagged,
	       a->policy.present ? "policy:" : "no policy file at",
	       a->policy.path);
}

int ctl_audit(struct ctl *ctl, int argc, char **argv)
{
	static struct audit a;
	struct store *s;

	ctl_failure_status = EXIT_AUDIT_FAILED;
	a.json = ctl_json_options(ctl, argc, argv);
	if (optind != argc)
		ctl_usage(ctl, "audit takes no operands");
	a.now = time(NULL);
	ctl_load_policy(ctl, &a.policy);
	s = ctl_open_store(ctl, STORE_READ);
	if (store_snapshot_begin(s) != STORE_OK ||
	    store_each(s, NULL, count_user, &a) != STORE_OK)
		ctl_store_failed(s, "audit");
	if (a.json)
		fputs("{\"keys_with_findings\":[", stdout);
	if (store_each(s, NULL, report_key, &a) != STORE_OK)
		ctl_store_failed(s, "audit");
	store_snapshot_end(s);
	store_close(s);
	summary(&a);
	free(a.users);
	return a.flagged > 0 ? EXIT_REFUSED : 0;
}
