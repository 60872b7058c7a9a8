/* SPDX-License-Identifier: BSD-2-Clause */
/* The key-string parser, and the .pak reader that uses it. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "keyfmt.h"
#include "pak.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct parsed_key key;
	char rebuilt[KEY_LEN + 1];
	static struct pak found;

	if (key_parse((const char *)data, size, &key)) {
		/* a parsed key reassembles to exactly the input */
		if (!key_assemble(key.id, key.secret, rebuilt,
				  sizeof rebuilt) ||
		    memcmp(rebuilt, data, KEY_LEN) != 0)
			__builtin_trap();
	}
	/* a .pak that reads has a valid key, a user and usable hosts */
	if (pak_parse((const char *)data, size, &found) &&
	    (!key_parse(found.key, strlen(found.key), NULL) ||
	     found.user[0] == '\0' ||
	     (found.hosts[0] != '\0' && !pak_hosts_valid(found.hosts))))
		__builtin_trap();
	return 0;
}
