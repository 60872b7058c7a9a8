/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The module <-> helper protocol.  Compiled into both (one copy).
 *
 * Request (module -> helper stdin): the magic "PAK1" and then six fields,
 * each ended by a NUL, in this order: op, user, rhost, service, db, key.
 * Every field has a hard cap; a field over its cap, a control byte, a
 * missing field or any byte after the last field makes the whole request
 * invalid: it is refused, never truncated.  rhost may only hold the
 * characters of addresses and host names.
 *
 * Response (helper stdout -> module): three NUL-ended fields: the reason,
 * the key name and its expiry in Unix seconds (both empty until the secret
 * matched; the expiry also when the key never expires).  It feeds the
 * module's log line and expiry warning; the exit status alone decides.
 *
 * apikeyd speaks the same over its unix socket: the module writes the
 * request and shuts its side down; the daemon answers with one byte, the
 * status the helper would exit with, then the response, and closes.
 */
#ifndef APIKEY_PROTOCOL_H
#define APIKEY_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>

#include "keyfmt.h"

#define REQ_MAGIC	"PAK1"
#define REQ_USER_MAX	256
#define REQ_RHOST_MAX	255
#define REQ_SERVICE_MAX 64
#define REQ_DB_MAX	1024
#define REQ_KEY_MAX	KEY_LEN
#define REQ_MAX                                                                \
	(sizeof REQ_MAGIC + 2 + REQ_USER_MAX + 1 + REQ_RHOST_MAX + 1 +         \
	 REQ_SERVICE_MAX + 1 + REQ_DB_MAX + 1 + REQ_KEY_MAX + 1)

/* the longest reason: answered to the module, kept as a key's last denial */
#define REASON_MAX	 256
#define RESP_NAME_MAX	 512
#define RESP_EXPIRES_MAX 20
#define RESP_MAX	 (REASON_MAX + 1 + RESP_NAME_MAX + 1 + RESP_EXPIRES_MAX + 1)

/* op: 'A' authenticate with a whole key; 'C' account check by key id */
#define REQ_OP_AUTH 'A'
#define REQ_OP_ACCT 'C'

/* Exit statuses of apikey-helper: its API to the module. */
enum helper_status {
	HELPER_OK = 0,
	HELPER_REFUSED = 10,
	HELPER_USER_UNKNOWN = 11,
	HELPER_SYSTEM_ERROR = 12,
	HELPER_BAD_REQUEST = 13,
};

struct request {
	char op;
	char user[REQ_USER_MAX + 1];
	char rhost[REQ_RHOST_MAX + 1];
	char service[REQ_SERVICE_MAX + 1];
	char db[REQ_DB_MAX + 1];
	char key[REQ_KEY_MAX + 1];
};

struct response {
	char reason[REASON_MAX + 1];
	char name[RESP_NAME_MAX + 1];
	char expires[RESP_EXPIRES_MAX + 1];
};

/* True when name is a plain PAM service name: 1..REQ_SERVICE_MAX of
 * [a-z0-9._-] (what a key's scope may name; what the module's log prefix
 * may show unquoted).  libpam lowercases the service name it is given, so
 * a name with capitals could never match a login. */
bool service_name_valid(const char *name);

/* Printable ASCII only (and spaces when spaces is true): no control
 * character, no byte beyond ASCII. */
bool plain_ascii(const char *text, bool spaces);

/* A user name as user databases hold them, for an account this machine
 * need not have (the central store's keys): 1..REQ_USER_MAX of printable
 * ASCII, no blank, '/' or ':', not starting with '-'. */
bool user_name_plain(const char *user);

/* 1..max of [a-z0-9._-]: a PAM service name, a host group's name. */
bool plain_name_valid(const char *name, size_t max);

/* Serialises req into buf; returns the length, or 0 if a field is too long
 * or holds a control byte. */
size_t request_encode(const struct request *req, char *buf, size_t buflen);

/* Parses exactly len bytes; false on any framing error. */
bool request_decode(const char *buf, size_t len, struct request *req);

size_t response_encode(const struct response *resp, char *buf, size_t buflen);
bool response_decode(const char *buf, size_t len, struct response *resp);

/* apikeyd's answer: the status byte, then the response. */
#define ANSWER_MAX (1 + RESP_MAX)
size_t answer_encode(int status, const struct response *resp, char *buf,
		     size_t buflen);
/* False unless the status is one of enum helper_status and the response
 * decodes. */
bool answer_decode(const char *buf, size_t len, int *status,
		   struct response *resp);

#endif
