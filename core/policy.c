/* SPDX-License-Identifier: BSD-2-Clause */
#include "policy.h"

#include <stddef.h>
#include <string.h>

struct list_summary {
	bool has_allow, has_deny;
	bool in_allow, in_deny;
	bool bad_rule;
};

/* Each entry is parsed once and matched; a disabled one then counts for
 * nothing, but costs the same. */
static void summarise(const struct key_record *rec, const struct ip_addr *addr,
		      struct list_summary *sum)
{
	for (size_t i = 0; i < rec->rule_count; i++) {
		const struct ip_rule *rule = &rec->rules[i];
		struct ip_block block;
		bool parsed = cidr_block_parse(rule->cidr, &block);
		bool hit =
		    parsed && addr != NULL && cidr_block_contains(&block, addr);

		if (!parsed)
			sum->bad_rule = true;
		if (!rule->enabled)
			continue;
		if (rule->list == LIST_ALLOW) {
			sum->has_allow = true;
			sum->in_allow = sum->in_allow || hit;
		} else {
			sum->has_deny = true;
			sum->in_deny = sum->in_deny || hit;
		}
	}
}

enum ip_verdict ip_decide(const struct key_record *rec, const char *rhost)
{
	struct list_summary sum = {0};
	struct ip_addr addr;
	bool local = rhost == NULL || rhost[0] == '\0';
	bool numeric = !local && rhost_address(rhost, &addr);

	if (!cidr_ready())
		return IP_BAD_RULE;
	summarise(rec, numeric ? &addr : NULL, &sum);
	if (sum.bad_rule)
		return IP_BAD_RULE;
	if (!sum.has_allow && !sum.has_deny)
		return IP_ALLOWED;
	if (local)
		return IP_NO_RHOST;
	if (!numeric)
		return IP_NOT_NUMERIC;
	if (sum.in_allow)
		return IP_ALLOWED;
	if (sum.has_allow)
		return IP_NOT_IN_ALLOW_LIST;
	return sum.in_deny ? IP_IN_DENY_LIST : IP_ALLOWED;
}

const char *ip_verdict_reason(enum ip_verdict verdict)
{
	switch (verdict) {
	case IP_ALLOWED: return "allowed";
	case IP_NOT_IN_ALLOW_LIST: return "address not in allow list";
	case IP_IN_DENY_LIST: return "address in deny list";
	case IP_NOT_NUMERIC: return "remote host is not a numeric address";
	case IP_NO_RHOST: return "no remote address, but the key has IP rules";
	case IP_BAD_RULE: return "damaged IP rule in store";
	}
	return "unknown";
}

bool key_expired(const struct key_record *rec, time_t now)
{
	return rec->expires_at != 0 && now >= rec->expires_at;
}

/* A stored entry is normalised: "/0" ends it only when it allows every
 * address of its family. */
static bool fences(const struct ip_rule *rule)
{
	size_t len = strlen(rule->cidr);

	return len < 2 || strcmp(rule->cidr + len - 2, "/0") != 0;
}

bool key_has_allow_list(const struct key_record *rec)
{
	for (size_t i = 0; i < rec->rule_count; i++)
		if (rec->rules[i].list == LIST_ALLOW && rec->rules[i].enabled &&
		    fences(&rec->rules[i]))
			return true;
	return false;
}

bool service_named(const struct key_record *rec, const char *service)
{
	bool named = false;

	/* every entry compared, as the IP rules are: the work does not tell
	 * which one matched */
	for (size_t i = 0; i < rec->service_count; i++)
		named = (strcmp(rec->services[i], service) == 0) || named;
	return named;
}

bool service_in_scope(const struct key_record *rec, const char *service)
{
	return rec->service_count == 0 || service_named(rec, service);
}

bool host_group_valid(const char *name)
{
	return plain_name_valid(name, HOST_GROUP_MAX_LEN);
}

bool central_copy_stale(const struct key_record *rec, time_t now)
{
	if (!rec->central)
		return false;
	return rec->synced_at <= 0 || rec->max_stale <= 0 ||
	       now < rec->synced_at || now - rec->synced_at > rec->max_stale;
}
