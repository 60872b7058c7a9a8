/* SPDX-License-Identifier: BSD-2-Clause */
#include "keyfmt.h"

#include <string.h>
#include <zlib.h>

static const char BASE62[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

#define CRC_OFFSET    (KEY_LEN - KEY_CRC_LEN)
#define ID_OFFSET     KEY_PREFIX_LEN
#define SEP_OFFSET    (ID_OFFSET + KEY_ID_LEN)
#define SECRET_OFFSET (SEP_OFFSET + 1)

bool key_prefixed(const char *s)
{
	return strncmp(s, KEY_PREFIX, KEY_PREFIX_LEN) == 0;
}

bool base62_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z');
}

char base62_digit(unsigned i)
{
	return BASE62[i % 62];
}

bool base62_string(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!base62_char(s[i]))
			return false;
	return true;
}

static unsigned base62_value(char c)
{
	return (unsigned)(strchr(BASE62, c) - BASE62);
}

static uint32_t key_crc(const char *s)
{
	return (uint32_t)crc32(0L, (const unsigned char *)s, CRC_OFFSET);
}

/* Decodes the checksum field; false if it overflows 32 bits. */
static bool crc_decode(const char *s, uint32_t *value)
{
	uint64_t v = 0;

	for (size_t i = 0; i < KEY_CRC_LEN; i++)
		v = v * 62 + base62_value(s[i]);
	if (v > UINT32_MAX)
		return false;
	*value = (uint32_t)v;
	return true;
}

static void crc_encode(uint32_t value, char *out)
{
	for (size_t i = KEY_CRC_LEN; i-- > 0;) {
		out[i] = BASE62[value % 62];
		value /= 62;
	}
}

bool key_parse(const char *s, size_t len, struct parsed_key *out)
{
	uint32_t crc;

	if (s == NULL || len != KEY_LEN || memchr(s, '\0', len) != NULL)
		return false;
	if (memcmp(s, KEY_PREFIX, KEY_PREFIX_LEN) != 0 || s[SEP_OFFSET] != '_')
		return false;
	if (!base62_string(s + ID_OFFSET, KEY_ID_LEN) ||
	    !base62_string(s + SECRET_OFFSET, KEY_SECRET_LEN + KEY_CRC_LEN))
		return false;
	/* compare the decoded number, not re-encoded text */
	if (!crc_decode(s + CRC_OFFSET, &crc) || crc != key_crc(s))
		return false;
	if (out != NULL) {
		memcpy(out->id, s + ID_OFFSET, KEY_ID_LEN);
		out->id[KEY_ID_LEN] = '\0';
		memcpy(out->secret, s + SECRET_OFFSET, KEY_SECRET_LEN);
		out->secret[KEY_SECRET_LEN] = '\0';
	}
	return true;
}

bool key_assemble(const char *id, const char *secret, char *out, size_t outlen)
{
	if (outlen < KEY_LEN + 1 || strlen(id) != KEY_ID_LEN ||
	    strlen(secret) != KEY_SECRET_LEN ||
	    !base62_string(id, KEY_ID_LEN) ||
	    !base62_string(secret, KEY_SECRET_LEN))
		return false;
	memcpy(out, KEY_PREFIX, KEY_PREFIX_LEN);
	memcpy(out + ID_OFFSET, id, KEY_ID_LEN);
	out[SEP_OFFSET] = '_';
	memcpy(out + SECRET_OFFSET, secret, KEY_SECRET_LEN);
	crc_encode(key_crc(out), out + CRC_OFFSET);
	out[KEY_LEN] = '\0';
	return true;
}
