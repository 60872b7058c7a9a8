/* SPDX-License-Identifier: BSD-2-Clause */
#include "sitepolicy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conffile.h"
#include "policy.h"
#include "safefile.h"
#include "store.h"
#include "when.h"

#define MAX_KEYS_PER_USER 100000

enum setting_id {
	SET_MAX_LIFETIME,
	SET_DEFAULT_LIFETIME,
	SET_NEVER_EXPIRE,
	SET_REQUIRE_ALLOW_LIST,
	SET_MAX_KEYS_PER_USER,
	SET_REQUIRE_SERVICE,
	SETTING_COUNT
};

struct setting {
	const char *name;
	const char *want; /* the values it takes, for errors */
};

static const struct setting SETTINGS[SETTING_COUNT] = {
    [SET_MAX_LIFETIME] = {"max_lifetime", "N with s, m, h, d or w"},
    [SET_DEFAULT_LIFETIME] = {"default_lifetime", "N with s, m, h, d or w"},
    [SET_NEVER_EXPIRE] = {"never_expire", "allow or deny"},
    [SET_REQUIRE_ALLOW_LIST] = {"require_allow_list", "yes or no"},
    [SET_MAX_KEYS_PER_USER] = {"max_keys_per_user", "1 to 100000"},
    [SET_REQUIRE_SERVICE] = {"require_service", "yes or no"},
};

/* What parsing has seen: the line each setting was on (0: not given). */
struct parse_state {
	const char *path;
	struct site_policy *policy;
	int line_of[SETTING_COUNT];
	bool never_expire; /* as given */
};

static bool lifetime_value(const char *value, long long *seconds)
{
	return duration_parse(value, seconds) && *seconds > 0;
}

static bool choice(const char *value, const char *yes, const char *no,
		   bool *out)
{
	if (strcmp(value, yes) == 0)
		*out = true;
	else if (strcmp(value, no) == 0)
		*out = false;
	else
		return false;
	return true;
}

static bool count_value(const char *value, long long *out)
{
	char *end;
	long long n;

	if (value[0] < '1' || value[0] > '9' || strlen(value) > 6)
		return false;
	errno = 0;
	n = strtoll(value, &end, 10);
	if (errno != 0 || *end != '\0' || n > MAX_KEYS_PER_USER)
		return false;
	*out = n;
	return true;
}

/* One setting's value into p; false when the value is not one it takes. */
static bool set_value(enum setting_id id, const char *value,
		      struct site_policy *p, struct parse_state *st)
{
	switch (id) {
	case SET_MAX_LIFETIME:
		snprintf(p->max_lifetime_text, sizeof p->max_lifetime_text,
			 "%s", value);
		return lifetime_value(value, &p->max_lifetime);
	case SET_DEFAULT_LIFETIME:
		return lifetime_value(value, &p->default_lifetime);
	case SET_NEVER_EXPIRE:
		return choice(value, "allow", "deny", &st->never_expire);
	case SET_REQUIRE_ALLOW_LIST:
		return choice(value, "yes", "no", &p->require_allow_list);
	case SET_MAX_KEYS_PER_USER:
		return count_value(value, &p->max_keys_per_user);
	case SET_REQUIRE_SERVICE:
		return choice(value, "yes", "no", &p->require_service);
	case SETTING_COUNT: break;
	}
	return false;
}

/* One setting (conf_setting_fn). */
static bool parse_setting(const char *name, char *value, int n, void *ctx,
			  char *err, size_t errlen)
{
	struct parse_state *st = ctx;

	for (int id = 0; id < SETTING_COUNT; id++) {
		if (strcmp(name, SETTINGS[id].name) != 0)
			continue;
		if (st->line_of[id] != 0) {
			snprintf(err, errlen,
				 "%s:%d: %s is set again (first on "
				 "line %d)",
				 st->path, n, name, st->line_of[id]);
			return false;
		}
		if (!set_value((enum setting_id)id, value, st->policy, st)) {
			snprintf(err, errlen,
				 "%s:%d: bad value '%s' for %s (want %s)",
				 st->path, n, value, name, SETTINGS[id].want);
			return false;
		}
		st->line_of[id] = n;
		return true;
	}
	snprintf(err, errlen, "%s:%d: unknown setting '%s'", st->path, n, name);
	return false;
}

/* Settings that cannot hold together, and the defaults that follow from
 * what was given. */
static bool settle_defaults(struct site_policy *p, const struct parse_state *st,
			    char *err, size_t errlen)
{
	int max_line = st->line_of[SET_MAX_LIFETIME];
	int never_line = st->line_of[SET_NEVER_EXPIRE];
	int default_line = st->line_of[SET_DEFAULT_LIFETIME];

	if (max_line != 0 && never_line != 0 && st->never_expire) {
		snprintf(err, errlen,
			 "%s:%d: never_expire = allow contradicts max_lifetime "
			 "(line %d): a key that never expires outlives any "
			 "maximum",
			 st->path, never_line, max_line);
		return false;
	}
	if (max_line != 0 && default_line != 0 &&
	    p->default_lifetime > p->max_lifetime) {
		snprintf(err, errlen,
			 "%s:%d: default_lifetime is longer than max_lifetime "
			 "(line %d)",
			 st->path, default_line, max_line);
		return false;
	}
	p->never_expire_allowed =
	    never_line != 0 ? st->never_expire : max_line == 0;
	if (default_line == 0 && max_line != 0 &&
	    p->max_lifetime < p->default_lifetime)
		p->default_lifetime = p->max_lifetime;
	return true;
}

static void policy_defaults(struct site_policy *p, const char *path)
{
	memset(p, 0, sizeof *p);
	p->path = path;
	p->default_lifetime = POLICY_DEFAULT_LIFETIME;
	p->never_expire_allowed = true;
}

bool policy_parse(const char *text, size_t len, const char *path,
		  struct site_policy *p, char *err, size_t errlen)
{
	struct parse_state st = {.path = path, .policy = p};

	policy_defaults(p, path);
	p->present = true;
	return conf_parse(text, len, path, parse_setting, &st, err, errlen) &&
	       settle_defaults(p, &st, err, errlen);
}

bool policy_load(const char *path, struct site_policy *p, char *err,
		 size_t errlen)
{
	static char buf[CONF_FILE_MAX + 1];
	size_t len;
	int got;

	policy_defaults(p, path);
	got = conf_file_read(path, 0, buf, sizeof buf, &len, err, errlen);
	if (got <= 0)
		return got == 0;
	return policy_parse(buf, len, path, p, err, errlen);
}

/* The expiry rules: never (denied, or beyond any maximum), or later than
 * the maximum from now. */
static int expiry_breaches(const struct site_policy *p,
			   const struct key_record *rec, time_t now,
			   policy_breach_fn fn, void *ctx)
{
	char text[160], when[ISO_TIME_LEN];

	if (rec->expires_at == 0 && !p->never_expire_allowed) {
		if (p->max_lifetime != 0)
			snprintf(text, sizeof text,
				 "never expires (max_lifetime = %s)",
				 p->max_lifetime_text);
		else
			snprintf(text, sizeof text,
				 "never expires (never_expire = deny)");
	} else if (rec->expires_at != 0 && p->max_lifetime != 0 &&
		   rec->expires_at > now + p->max_lifetime) {
		iso_time(rec->expires_at, when);
		snprintf(text, sizeof text,
			 "expires %s, later than max_lifetime = %s from now",
			 when, p->max_lifetime_text);
	} else {
		return 0;
	}
	fn(text, ctx);
	return 1;
}

int policy_breaches(const struct site_policy *p, const struct key_record *rec,
		    time_t now, unsigned areas, policy_breach_fn fn, void *ctx)
{
	int count = 0;

	if (areas & POLICY_EXPIRY)
		count += expiry_breaches(p, rec, now, fn, ctx);
	if ((areas & POLICY_ALLOW_LIST) && p->require_allow_list &&
	    !key_has_allow_list(rec)) {
		fn("no enabled allow entry (require_allow_list = yes)", ctx);
		count++;
	}
	if ((areas & POLICY_SERVICES) && p->require_service &&
	    rec->service_count == 0) {
		fn("no service scope (require_service = yes)", ctx);
		count++;
	}
	return count;
}

struct first_breach {
	char text[200];
	bool found;
};

static void keep_first(const char *breach, void *ctx)
{
	struct first_breach *first = ctx;

	if (!first->found)
		snprintf(first->text, sizeof first->text, "%s", breach);
	first->found = true;
}

bool policy_permits(const struct site_policy *p, const struct key_record *rec,
		    time_t now, unsigned areas, char *err, size_t errlen)
{
	struct first_breach first = {.found = false};

	if (policy_breaches(p, rec, now, areas, keep_first, &first) == 0)
		return true;
	snprintf(err, errlen, "refused by the policy in %s: %s", p->path,
		 first.text);
	return false;
}

struct working_count {
	const char *except_id;
	time_t now;
	long long count;
};

static bool count_working(const struct key_record *rec, void *ctx)
{
	struct working_count *c = ctx;

	if (!key_expired(rec, c->now) &&
	    (c->except_id == NULL || strcmp(rec->id, c->except_id) != 0))
		c->count++;
	return true;
}

bool policy_room_for_key(const struct site_policy *p, struct store *s,
			 const char *user, const char *except_id, time_t now,
			 char *err, size_t errlen)
{
	struct working_count c = {except_id, now, 0};

	if (p->max_keys_per_user == 0)
		return true;
	if (store_each(s, user, count_working, &c) != STORE_OK) {
		snprintf(err, errlen, "%s", store_error(s));
		return false;
	}
	if (c.count < p->max_keys_per_user)
		return true;
	snprintf(err, errlen,
		 "refused by the policy in %s: user %s has %lld working "
		 "key%s (max_keys_per_user = %lld)",
		 p->path, user, c.count, c.count == 1 ? "" : "s",
		 p->max_keys_per_user);
	return false;
}

time_t policy_default_expiry(const struct site_policy *p, time_t now)
{
	return now + (time_t)p->default_lifetime;
}

time_t policy_cap_expiry(const struct site_policy *p, time_t now,
			 time_t expires_at)
{
	if (expires_at == 0)
		return p->never_expire_allowed ? 0
					       : policy_default_expiry(p, now);
	if (p->max_lifetime != 0 && expires_at > now + p->max_lifetime)
		return now + (time_t)p->max_lifetime;
	return expires_at;
}
