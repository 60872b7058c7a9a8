/* SPDX-License-Identifier: BSD-2-Clause */
#include "protocol.h"

#include <string.h>

struct field {
	char *value;
	size_t cap;
};

/* bytes below 0x20 and DEL never belong in any field */
static bool clean_text(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

static size_t encode_fields(const struct field *fields, size_t count,
			    const char *magic, char *buf, size_t buflen)
{
	size_t used = 0;

	if (magic != NULL) {
		size_t n = strlen(magic) + 1;
		if (n > buflen)
			return 0;
		memcpy(buf, magic, n);
		used = n;
	}
	for (size_t i = 0; i < count; i++) {
		size_t n = strnlen(fields[i].value, fields[i].cap + 1);
		if (n > fields[i].cap || !clean_text(fields[i].value, n) ||
		    used + n + 1 > buflen)
			return 0;
		memcpy(buf + used, fields[i].value, n + 1);
		used += n + 1;
	}
	return used;
}

static bool decode_fields(const struct field *fields, size_t count,
			  const char *magic, const char *buf, size_t len)
{
	size_t pos = 0;

	if (magic != NULL) {
		size_t n = strlen(magic) + 1;
		if (len < n || memcmp(buf, magic, n) != 0)
			return false;
		pos = n;
	}
	for (size_t i = 0; i < count; i++) {
		const char *end = memchr(buf + pos, '\0', len - pos);
		size_t n;

		if (end == NULL)
			return false;
		n = (size_t)(end - (buf + pos));
		if (n > fields[i].cap || !clean_text(buf + pos, n))
			return false;
		memcpy(fields[i].value, buf + pos, n + 1);
		pos += n + 1;
	}
	return pos == len;
}

/* PAM_RHOST is an address or a host name: nothing else reaches the store
 * (it is shown to administrators) */
static bool rhost_text(const char *rhost)
{
	static const char allowed[] = "0123456789abcdefghijklmnopqrstuvwxyz"
				      "ABCDEFGHIJKLMNOPQRSTUVWXYZ.:-_[]%";

	return rhost[strspn(rhost, allowed)] == '\0';
}

#define REQUEST_FIELD_COUNT 6

/* The request's fields in wire order; op is a one-byte string. */
static void request_fields(struct request *r, char *op,
			   struct field f[REQUEST_FIELD_COUNT])
{
	f[0] = (struct field){op, 1};
	f[1] = (struct field){r->user, REQ_USER_MAX};
	f[2] = (struct field){r->rhost, REQ_RHOST_MAX};
	f[3] = (struct field){r->service, REQ_SERVICE_MAX};
	f[4] = (struct field){r->db, REQ_DB_MAX};
	f[5] = (struct field){r->key, REQ_KEY_MAX};
}

size_t request_encode(const struct request *req, char *buf, size_t buflen)
{
	char op[2] = {req->op, '\0'};
	struct field fields[REQUEST_FIELD_COUNT];

	/* encode_fields only reads through the fields */
	request_fields((struct request *)req, op, fields);
	if (!rhost_text(req->rhost))
		return 0;
	return encode_fields(fields, REQUEST_FIELD_COUNT, REQ_MAGIC, buf,
			     buflen);
}

bool request_decode(const char *buf, size_t len, struct request *req)
{
	char op[2] = "";
	struct field fields[REQUEST_FIELD_COUNT];

	memset(req, 0, sizeof *req);
	request_fields(req, op, fields);
	if (decode_fields(fields, REQUEST_FIELD_COUNT, REQ_MAGIC, buf, len) &&
	    (op[0] == REQ_OP_AUTH || op[0] == REQ_OP_ACCT) &&
	    rhost_text(req->rhost)) {
		req->op = op[0];
		return true;
	}
	/* a refused request may still hold a key: none is kept */
	explicit_bzero(req, sizeof *req);
	return false;
}

size_t response_encode(const struct response *resp, char *buf, size_t buflen)
{
	/* encode_fields only reads through the fields */
	struct response *r = (struct response *)resp;
	struct field fields[] = {{r->reason, REASON_MAX},
				 {r->name, RESP_NAME_MAX},
				 {r->expires, RESP_EXPIRES_MAX}};

	return encode_fields(fields, 3, NULL, buf, buflen);
}

bool response_decode(const char *buf, size_t len, struct response *resp)
{
	struct field fields[] = {{resp->reason, REASON_MAX},
				 {resp->name, RESP_NAME_MAX},
				 {resp->expires, RESP_EXPIRES_MAX}};

	memset(resp, 0, sizeof *resp);
	return decode_fields(fields, 3, NULL, buf, len);
}

size_t answer_encode(int status, const struct response *resp, char *buf,
		     size_t buflen)
{
	size_t len;

	if (buflen < 2 || status < 0 || status > 255)
		return 0;
	buf[0] = (char)status;
	len = response_encode(resp, buf + 1, buflen - 1);
	return len > 0 ? len + 1 : 0;
}

static bool known_status(int status)
{
	switch (status) {
	case HELPER_OK:
	case HELPER_REFUSED:
	case HELPER_USER_UNKNOWN:
	case HELPER_SYSTEM_ERROR:
	case HELPER_BAD_REQUEST: return true;
	}
	return false;
}

bool answer_decode(const char *buf, size_t len, int *status,
		   struct response *resp)
{
	if (len < 1 || !known_status((unsigned char)buf[0]))
		return false;
	*status = (unsigned char)buf[0];
	return response_decode(buf + 1, len - 1, resp);
}

bool plain_name_valid(const char *name, size_t max)
{
	static const char allowed[] = "abcdefghijklmnopqrstuvwxyz"
				      "0123456789._-";
	size_t len = strlen(name);

	return len > 0 && len <= max && name[strspn(name, allowed)] == '\0';
}

bool plain_ascii(const char *text, bool spaces)
{
	for (const unsigned char *p = (const unsigned char *)text; *p != '\0';
	     p++)
		if (*p < (spaces ? 0x20 : 0x21) || *p > 0x7e)
			return false;
	return true;
}

bool user_name_plain(const char *user)
{
	size_t len = strlen(user);

	return len > 0 && len <= REQ_USER_MAX && user[0] != '-' &&
	       plain_ascii(user, false) && strpbrk(user, "/:") == NULL;
}

bool service_name_valid(const char *name)
{
	return plain_name_valid(name, REQ_SERVICE_MAX);
}
