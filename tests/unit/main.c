/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdio.h>
#include <stdlib.h>

#include "secret.h"
#include "unit.h"

static int passed, failed;

void unit_check(const char *name, bool ok, const char *file, int line,
		const char *expr)
{
	if (ok) {
		passed++;
		printf("ok - %s\n", name);
	} else {
		failed++;
		printf("not ok - %s (%s:%d: %s)\n", name, file, line, expr);
	}
}

int main(void)
{
	if (!secret_init()) {
		printf("not ok - libsodium starts\n");
		return 1;
	}
	test_keyfmt();
	test_cidr();
	test_policy();
	test_when();
	test_json();
	test_request();
	test_text();
	test_logquote();
	test_iplists();
	test_pak();
	test_safefile();
	test_sitepolicy();
	test_store();
	test_central();
	printf("# unit: %d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
