/* SPDX-License-Identifier: BSD-2-Clause */
/* The helper's request framing and the module's response framing. */
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

	if (request_decode((const char *)data, size, &req)) {
		/* what decodes must encode back to the same bytes */
		size_t len = request_encode(&req, again, sizeof again);
		if (len != size || memcmp(again, data, size) != 0)
			__builtin_trap();
	}
	(void)response_decode((const char *)data, size, &resp);
	return 0;
}
