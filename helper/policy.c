#include "policy.h"

#include <stddef.h>

struct list_summary {
	bool has_allow, has_deny;
	bool in_allow, in_deny;
	bool bad_rule;
};

static void summarise(const struct key_record *rec, const struct ip_addr *addr,
		      struct list_summary *sum)
{
	for (size_t i = 0; i < rec->rule_count; i++) {
		const struct ip_rule *rule = &rec->rules[i];
		bool allow = rule->list == LIST_ALLOW;
		int contains;

		if (!rule->enabled)
			continue;
		if (allow)
			sum->has_allow = true;
		else
			sum->has_deny = true;
		if (addr == NULL)
			continue;
		contains = cidr_contains_addr(rule->cidr, addr);
		if (contains < 0)
			sum->bad_rule = true;
		else if (contains == 1 && allow)
			sum->in_allow = true;
		else if (contains == 1)
			sum->in_deny = true;
	}
}

enum ip_verdict ip_decide(const struct key_record *rec, const char *rhost)
{
	struct list_summary sum = {0};
	struct ip_addr addr;
	bool local = rhost == NULL || rhost[0] == '\0';
	bool numeric = !local && rhost_address(rhost, &addr);

	summarise(rec, numeric ? &addr : NULL, &sum);
	if (sum.bad_rule)
		return IP_BAD_RULE;
	if (local)
		return sum.has_allow ? IP_NO_RHOST : IP_ALLOWED;
	if (!numeric)
		return sum.has_allow || sum.has_deny ? IP_NOT_NUMERIC
						     : IP_ALLOWED;
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
	case IP_NO_RHOST: return "no remote address but allow list set";
	case IP_BAD_RULE: return "damaged IP rule in store";
	}
	return "unknown";
}

bool key_expired(const struct key_record *rec, time_t now)
{
	return rec->expires_at != 0 && now >= rec->expires_at;
}
