/* SPDX-License-Identifier: BSD-2-Clause */
#include "rowmac.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void row_mac_key(const unsigned char pepper[PEPPER_LEN],
		 unsigned char key[ROW_MAC_LEN])
{
	static const char label[] = "pam_apikey central row seal key v1";

	crypto_generichash(key, ROW_MAC_LEN, (const unsigned char *)label,
			   sizeof label - 1, pepper, PEPPER_LEN);
}

/* Each value framed by its length, so no two rows encode alike. */
static void put_bytes(crypto_generichash_state *st, const void *p, size_t n)
{
	unsigned char len[8];

	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
	crypto_generichash_update(st, len, sizeof len);
	crypto_generichash_update(st, p, n);
}

static void put_text(crypto_generichash_state *st, const char *text)
{
	put_bytes(st, text, strlen(text));
}

static void put_number(crypto_generichash_state *st, long long v)
{
	unsigned char b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)((uint64_t)v >> (56 - 8 * i));
	put_bytes(st, b, sizeof b);
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A set of names, in byte order whatever order it was read in. */
static void put_set(crypto_generichash_state *st, const char *names,
		    size_t count, size_t width)
{
	const char **sorted = calloc(count + 1, sizeof *sorted);

	put_number(st, (long long)count);
	if (sorted == NULL) {
		/* no seal can match one made of the whole set */
		put_text(st, "out of memory");
		return;
	}
	for (size_t i = 0; i < count; i++)
		sorted[i] = names + i * width;
	qsort(sorted, count, sizeof sorted[0], by_text);
	for (size_t i = 0; i < count; i++)
		put_text(st, sorted[i]);
	free(sorted);
}

void row_mac_key_record(const unsigned char key[ROW_MAC_LEN],
			const struct key_record *rec,
			const unsigned char hash[KEY_HASH_LEN],
			unsigned char mac[ROW_MAC_LEN])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, key, ROW_MAC_LEN, ROW_MAC_LEN);
	put_text(&st, "key v2");
	put_text(&st, rec->id);
	put_number(&st, rec->central_revision);
	put_text(&st, rec->user);
	put_number(&st, rec->uid);
	put_text(&st, rec->name);
	put_text(&st, rec->description);
	put_bytes(&st, hash, KEY_HASH_LEN);
	put_number(&st, (long long)rec->created_at);
	put_number(&st, (long long)rec->expires_at);
	put_text(&st, rec->rotated_to);
	put_text(&st, rec->rotated_from);
	put_number(&st, (long long)rec->rule_count);
	for (size_t i = 0; i < rec->rule_count; i++) {
		put_text(&st,
			 rec->rules[i].list == LIST_ALLOW ? "allow" : "deny");
		put_text(&st, rec->rules[i].cidr);
		put_number(&st, rec->rules[i].enabled ? 1 : 0);
	}
	put_set(&st, rec->services[0], rec->service_count,
		sizeof rec->services[0]);
	put_set(&st, rec->host_groups[0], rec->host_group_count,
		sizeof rec->host_groups[0]);
	crypto_generichash_final(&st, mac, ROW_MAC_LEN);
}

bool service_set_add(struct service_set *set, const char *service)
{
	if (set->count == set->cap) {
		size_t cap = set->cap != 0 ? set->cap * 2 : 16;
		void *more =
		    reallocarray(set->names, cap, sizeof set->names[0]);

		if (more == NULL)
			return false;
		set->names = more;
		set->cap = cap;
	}
	snprintf(set->names[set->count++], sizeof set->names[0], "%s", service);
	return true;
}

void service_set_free(struct service_set *set)
{
	free(set->names);
	memset(set, 0, sizeof *set);
}

void row_mac_services(const unsigned char key[ROW_MAC_LEN],
		      const struct service_set *set,
		      unsigned char mac[ROW_MAC_LEN])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, key, ROW_MAC_LEN, ROW_MAC_LEN);
	put_text(&st, "verifier services v1");
	put_set(&st, set->names != NULL ? set->names[0] : "", set->count,
		sizeof set->names[0]);
	crypto_generichash_final(&st, mac, ROW_MAC_LEN);
}

bool row_mac_matches(const unsigned char expected[ROW_MAC_LEN], const char *hex)
{
	unsigned char got[ROW_MAC_LEN];
	size_t len = 0;

	return hex != NULL &&
	       sodium_hex2bin(got, sizeof got, hex, strlen(hex), NULL, &len,
			      NULL) == 0 &&
	       len == ROW_MAC_LEN &&
	       sodium_memcmp(got, expected, ROW_MAC_LEN) == 0;
}
