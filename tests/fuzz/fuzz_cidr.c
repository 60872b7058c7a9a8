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

	if (size >= sizeof text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (cidr_canonical(text, canon, sizeof canon, err, sizeof err)) {
		/* canonical text is a fixed point and matches as a block */
		if (!cidr_canonical(canon, again, sizeof again, err,
				    sizeof err) ||
		    strcmp(canon, again) != 0)
			__builtin_trap();
		if (rhost_address(text, &addr) &&
		    cidr_contains_addr(canon, &addr) != 1)
			__builtin_trap();
	}
	if (rhost_address(text, &addr))
		(void)cidr_contains_addr("10.0.0.0/8", &addr);
	(void)cidr_contains_addr(text, &addr);
	return 0;
}
