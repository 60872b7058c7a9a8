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

static void test_generated_keys(void)
{
	char key[KEY_LEN + 1], first[KEY_LEN + 1];
	struct parsed_key parts;
	bool all_parse = true, all_distinct = true;

	key_generate(first, &parts);
	for (int i = 0; i < 1000; i++) {
		key_generate(key, &parts);
		all_parse = all_parse && strlen(key) == KEY_LEN &&
			    parses(key) &&
			    strncmp(key, KEY_PREFIX, KEY_PREFIX_LEN) == 0;
		all_distinct = all_distinct && strcmp(key, first) != 0;
	}
	CHECK("generated keys have the fixed length, prefix and checksum",
	      all_parse);
	CHECK("generated keys differ from each other", all_distinct);
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
