/* SPDX-License-Identifier: BSD-2-Clause */
/* A tiny harness: each CHECK prints "ok - NAME" or "not ok - NAME". */
#ifndef UNIT_H
#define UNIT_H

#include <stdbool.h>

void unit_check(const char *name, bool ok, const char *file, int line,
		const char *expr);

#define CHECK(name, cond) unit_check(name, (cond), __FILE__, __LINE__, #cond)

void test_keyfmt(void);
void test_cidr(void);
void test_policy(void);
void test_when(void);
void test_json(void);
void test_request(void);
void test_text(void);
void test_logquote(void);
void test_iplists(void);
void test_pak(void);
void test_safefile(void);
void test_store(void);
void test_sitepolicy(void);
void test_central(void);

#endif
