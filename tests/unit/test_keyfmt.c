/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdlib.h>
#include <string.h>

#include "keyfmt.h"
#include "secret.h"
#include "unit.h"

/* Computed independently with Python's zlib.crc32 and a base62 encoder. */
static const char ZERO_KEY[] =
    "pak1_000000000000_000000000000000000000000000000000vmrBK";
static const char MIXED_KEY[] =
    "pak1_AbCdEfGhIjKl_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9xy0afYVw";

static bool parses(const char *s)
{
	return key_parse(s, strlen(s), NULL);
}

static void test_known_vectors(void)
{
	char key[KEY_LEN + 1];
	struct parsed_key parts;

	CHECK("key_assemble matches an independently computed checksum",
	      key_assemble("000000000000", "00000000000000000000000000000000",
			   key, sizeof key) &&
		  strcmp(key, ZERO_KEY) == 0);
	CHECK("key_parse accepts a known good key", parses(MIXED_KEY));
	CHECK("key_parse splits id and secret",
	      key_parse(MIXED_KEY, strlen(MIXED_KEY), &parts) &&
		  strcmp(parts.id, "AbCdEfGhIjKl") == 0 &&
		  strcmp(parts.secret, "Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9xy") ==
		      0);
}

static int by_text(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* True when no two of the n strings (each size bytes) are equal. */
static bool pairwise_distinct(char *strings, size_t n, size_t size)
{
	qsort(strings, n, size, by_text);
	for (size_t i = 1; i < n; i++)
		if (strcmp(strings + (i - 1) * size, strings + i * size) == 0)
			return false;
	return true;
}

#define GENERATED 1000

static void test_generated_keys(void)
{
	static char keys[GENERATED][KEY_LEN + 1];
	static char ids[GENERATED][KEY_ID_LEN + 1];
	static char secrets[GENERATED][KEY_SECRET_LEN + 1];
	struct parsed_key parts;
	bool all_parse = true;

	for (int i = 0; i < GENERATED; i++) {
		key_generate(keys[i], &parts);
		memcpy(ids[i], parts.id, sizeof ids[i]);
		memcpy(secrets[i], parts.secret, sizeof secrets[i]);
		all_parse = all_parse && strlen(keys[i]) == KEY_LEN &&
			    parses(keys[i]) &&
			    strncmp(keys[i], KEY_PREFIX, KEY_PREFIX_LEN) == 0;
	}
	CHECK("generated keys have the fixed length, prefix and checksum",
	      all_parse);
	CHECK("1000 generated keys are pairwise distinct",
	      pairwise_distinct(keys[0], GENERATED, sizeof keys[0]));
	CHECK("their ids are pairwise distinct",
	      pairwise_distinct(ids[0], GENERATED, sizeof ids[0]));
	CHECK("their secrets are pairwise distinct",
	      pairwise_distinct(secrets[0], GENERATED, sizeof secrets[0]));
	CHECK("secret is at least 190 bits of base62",
	      KEY_SECRET_LEN * 5.954 >= 190.0);
}

/* Every single-character change anywhere must be refused (CRC32 catches
 * all single-symbol errors). */
static void test_every_typo_rejected(void)
{
	char key[KEY_LEN + 1];
	bool all_rejected = true, case_rejected = true;

	for (size_t pos = 0; pos < KEY_LEN; pos++) {
		for (const char *c = "0aZ_-+ ."; *c; c++) {
			memcpy(key, MIXED_KEY, sizeof key);
			if (key[pos] == *c)
				continue;
			key[pos] = *c;
			all_rejected = all_rejected && !parses(key);
		}
		memcpy(key, MIXED_KEY, sizeof key);
		if (key[pos] >= 'a' && key[pos] <= 'z')
			key[pos] = (char)(key[pos] - 32);
		else if (key[pos] >= 'A' && key[pos] <= 'Z')
			key[pos] = (char)(key[pos] + 32);
		else
			continue;
		case_rejected = case_rejected && !parses(key);
	}
	CHECK("any one-character typo is rejected", all_rejected);
	CHECK("any case change is rejected", case_rejected);
}

static void test_malformed(void)
{
	char key[KEY_LEN + 2];

	CHECK("truncated key is rejected",
	      !key_parse(MIXED_KEY, KEY_LEN - 1, NULL));
	memcpy(key, MIXED_KEY, KEY_LEN);
	key[KEY_LEN] = 'A';
	key[KEY_LEN + 1] = '\0';
	CHECK("key with a trailing character is rejected", !parses(key));
	memcpy(key, MIXED_KEY, KEY_LEN + 1);
	key[20] = '\0';
	CHECK("key with an embedded NUL is rejected",
	      !key_parse(key, KEY_LEN, NULL));
	CHECK("empty string is rejected", !parses(""));
	CHECK("NULL is rejected", !key_parse(NULL, 0, NULL));
	CHECK("wrong prefix is rejected",
	      !parses(
		  "pak2_AbCdEfGhIjKl_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9xy0afYVw"));
	CHECK("checksum beyond 32 bits is rejected",
	      !parses(
		  "pak1_AbCdEfGhIjKl_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9xyzzzzzz"));
	CHECK("an ordinary password is not a key", !parses("hunter2"));
}

void test_keyfmt(void)
{
	test_known_vectors();
	test_generated_keys();
	test_every_typo_rejected();
	test_malformed();
}
