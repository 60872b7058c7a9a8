/* SPDX-License-Identifier: BSD-2-Clause */
/* The request framing (helper and apikeyd), the helper's response and
 * apikeyd's answer as the module reads them. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct request req;
	static struct response resp;
	char again[REQ_MAX];
	char answer[ANSWER_MAX];
	int status;

	if (request_decode((const char *)data, size, &req)) {
		/* what decodes must encode back to the same bytes */
		size_t len = request_encode(&req, again, sizeof again);
		if (len != size || memcmp(again, data, size) != 0)
			__builtin_trap();
	}
	(void)response_decode((const char *)data, size, &resp);
	if (answer_decode((const char *)data, size, &status, &resp)) {
		/* an answer the module takes is one apikeyd could send */
		size_t len =
		    answer_encode(status, &resp, answer, sizeof answer);
		if (len != size || memcmp(answer, data, size) != 0)
			__builtin_trap();
	}
	return 0;
}
