/* SPDX-License-Identifier: BSD-2-Clause */
#include <string.h>

#include "protocol.h"
#include "unit.h"

static const char KEY[] =
    "pak1_AbCdEfGhIjKl_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9xy0afYVw";

static size_t sample(char *buf, size_t buflen)
{
	struct request req = {.op = REQ_OP_AUTH};

	strcpy(req.user, "alice");
	strcpy(req.rhost, "192.0.2.7");
	strcpy(req.service, "sshd");
	strcpy(req.key, KEY);
	return request_encode(&req, buf, buflen);
}

static void test_round_trip(void)
{
	char buf[REQ_MAX];
	struct request back;
	size_t len = sample(buf, sizeof buf);

	CHECK("request survives encode and decode",
	      len > 0 && request_decode(buf, len, &back) &&
		  back.op == REQ_OP_AUTH && strcmp(back.user, "alice") == 0 &&
		  strcmp(back.rhost, "192.0.2.7") == 0 &&
		  strcmp(back.service, "sshd") == 0 && back.db[0] == '\0' &&
		  strcmp(back.key, KEY) == 0);
}

static void test_framing_errors(void)
{
	char buf[REQ_MAX + 8], big[REQ_MAX * 2];
	struct request back, req = {.op = REQ_OP_AUTH};
	size_t len = sample(buf, sizeof buf);

	CHECK("a byte after the last field is refused",
	      (buf[len] = 'x', !request_decode(buf, len + 1, &back)));
	CHECK("a missing final NUL is refused",
	      !request_decode(buf, len - 1, &back));
	CHECK("an empty request is refused", !request_decode(buf, 0, &back));
	buf[0] = 'X';
	CHECK("a wrong magic is refused", !request_decode(buf, len, &back));
	len = sample(buf, sizeof buf);
	buf[sizeof REQ_MAGIC] = 'Z';
	CHECK("an unknown op is refused", !request_decode(buf, len, &back));
	len = sample(buf, sizeof buf);
	buf[sizeof REQ_MAGIC + 3] = '\n';
	CHECK("a control byte in a field is refused",
	      !request_decode(buf, len, &back));
	memset(big, 'a', sizeof big);
	memcpy(big, REQ_MAGIC "\0A\0", sizeof REQ_MAGIC + 2);
	big[sizeof big - 1] = '\0';
	CHECK("a field over its cap is refused",
	      !request_decode(big, sizeof big, &back));
	memset(req.user, 'u', REQ_USER_MAX);
	CHECK("a user at its cap encodes",
	      request_encode(&req, buf, sizeof buf) > 0);
	req.rhost[0] = '\t';
	CHECK("encode refuses a control byte",
	      request_encode(&req, buf, sizeof buf) == 0);
	strcpy(req.rhost, "\xc2\x9b"
			  "31m");
	CHECK("encode refuses an rhost that is no address or host name",
	      request_encode(&req, buf, sizeof buf) == 0);
	strcpy(req.rhost, "[fe80::1%eth0]");
	CHECK("encode takes a bracketed IPv6 rhost with a zone",
	      request_encode(&req, buf, sizeof buf) > 0);
}

static void test_response(void)
{
	struct response resp = {0}, back;
	char buf[RESP_MAX];
	size_t len;

	strcpy(resp.reason, "address not in allow list");
	strcpy(resp.name, "ci deploy");
	strcpy(resp.expires, "1796000000");
	len = response_encode(&resp, buf, sizeof buf);
	CHECK("response survives encode and decode",
	      len > 0 && response_decode(buf, len, &back) &&
		  strcmp(back.reason, resp.reason) == 0 &&
		  strcmp(back.name, "ci deploy") == 0 &&
		  strcmp(back.expires, "1796000000") == 0);
	CHECK("a truncated response is refused",
	      !response_decode(buf, len - 1, &back));
}

void test_request(void)
{
	test_round_trip();
	test_framing_errors();
	test_response();
}
