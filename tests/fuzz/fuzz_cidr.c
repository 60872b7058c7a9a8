/* SPDX-License-Identifier: BSD-2-Clause */
/* The strict CIDR parser, PAM_RHOST normalisation and matching. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cidr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[512], canon[CIDR_TEXT_MAX], again[CIDR_TEXT_MAX], err[256];
	struct ip_addr addr;
	struct ip_block block;

	if (size >= sizeof text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (cidr_canonical(text, canon, sizeof canon, err, sizeof err)) {
		/* canonical text is a fixed point, reads back as a block,
		 * and a bare address lies in its own block */
		if (!cidr_canonical(canon, again, sizeof again, err,
				    sizeof err) ||
		    strcmp(canon, again) != 0 ||
		    !cidr_block_parse(canon, &block))
			__builtin_trap();
		if (rhost_address(text, &addr) &&
		    !cidr_block_contains(&block, &addr))
			__builtin_trap();
	}
	/* stored text is read strictly: only canonical blocks parse */
	if (cidr_block_parse(text, &block) &&
	    !cidr_canonical(text, canon, sizeof canon, err, sizeof err))
		__builtin_trap();
	if (rhost_address(text, &addr) &&
	    cidr_block_parse("10.0.0.0/8", &block))
		(void)cidr_block_contains(&block, &addr);
	return 0;
}
