/* SPDX-License-Identifier: BSD-2-Clause */
/* One API key's stored record, as the store, the policy and the commands
 * see it.  The key string itself is never part of it. */
#ifndef APIKEY_RECORD_H
#define APIKEY_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "cidr.h"
#include "keyfmt.h"
#include "protocol.h"

#define NAME_MAX_CHARS 128
#define NAME_MAX_BYTES (NAME_MAX_CHARS * 4)
#define DESC_MAX_CHARS 1024
#define DESC_MAX_BYTES (DESC_MAX_CHARS * 4)
/* entries per list that apikeyctl accepts: verification reads and matches
 * every entry of a key whatever the secret, so this bounds that work */
#define RULES_PER_LIST_MAX 64
/* entries a stored key may hold: older releases allowed 256 together */
#define RULES_MAX 256

/* PAM services a key's scope may name (policy.h: service_name_valid) */
#define SERVICES_MAX 16

/* host groups a central key may be mirrored to (policy.h:
 * host_group_valid), and their names' length */
#define HOST_GROUPS_MAX	   16
#define HOST_GROUP_MAX_LEN 64
/* a host's name as the central store records it (its database role) */
#define HOST_NAME_MAX_LEN 64

enum ip_list { LIST_ALLOW, LIST_DENY };

struct ip_rule {
	enum ip_list list;
	bool enabled;
	char cidr[CIDR_TEXT_MAX];
};

struct key_record {
	char id[KEY_ID_LEN + 1];
	char user[REQ_USER_MAX + 1];
	long long uid;
	char name[NAME_MAX_BYTES + 1];
	char description[DESC_MAX_BYTES + 1];
	time_t created_at;
	time_t expires_at;   /* 0: never */
	time_t last_used_at; /* 0: never used */
	char last_used_ip[REQ_RHOST_MAX + 1];
	long long use_count;
	time_t last_denied_at; /* 0: never denied */
	char last_denied_ip[REQ_RHOST_MAX + 1];
	char last_denied_reason[REASON_MAX + 1]; /* as the helper answered */
	char rotated_to[KEY_ID_LEN + 1];	 /* successor's id, or "" */
	char rotated_from[KEY_ID_LEN + 1];	 /* predecessor's id, or "" */
	size_t service_count;			 /* 0: any service */
	char services[SERVICES_MAX][REQ_SERVICE_MAX + 1];
	/* a key mirrored from the central store (apikey-sync), and the
	 * agent's last contact with it (0: none) and allowance */
	bool central;
	long long central_revision; /* the central store's, of this row */
	time_t synced_at;
	long long max_stale;
	/* the central store's view: the host of the last use, or "" */
	char last_used_host[HOST_NAME_MAX_LEN + 1];
	/* the host groups it is mirrored to (0: every host); read by the
	 * commands, never by a verification */
	size_t host_group_count;
	char host_groups[HOST_GROUPS_MAX][HOST_GROUP_MAX_LEN + 1];
	size_t rule_count;
	struct ip_rule rules[RULES_MAX];
};

#endif
