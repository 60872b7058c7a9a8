/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The fleet's seal on what the central store holds: a MAC, keyed by a key
 * derived from the pepper, over every value of a key row and its lists
 * (and over the verifier group's services).  apikeyctl seals what it
 * writes; the agent mirrors only what it can check.  So whoever can write
 * the database but does not hold the pepper (a DBA, a leaked connection,
 * a host's agent role, a server in the middle) cannot make a key another
 * user's, root's, longer-lived, unfenced or wider in scope: a changed row
 * fails its check and is not mirrored.  The revision is sealed too, so an
 * older sealed row put back cannot pass for a newer one; hosts keep the
 * ids deleted and the revision they hold (core/mirror.c).  (Removing rows
 * remains possible: see docs/DESIGN.md.)
 */
#ifndef APIKEY_CENTRAL_ROWMAC_H
#define APIKEY_CENTRAL_ROWMAC_H

#include <stdbool.h>
#include <stddef.h>

#include "record.h"
#include "secret.h"

#define ROW_MAC_LEN 32

/* The sealing key, derived from the pepper (never the pepper itself). */
void row_mac_key(const unsigned char pepper[PEPPER_LEN],
		 unsigned char key[ROW_MAC_LEN]);

/* A key's seal: its id, the revision that wrote it, its owner, uid, name,
 * description, hash, times, rotation links, IP rules (in order), services and
 * host groups (as sets). */
void row_mac_key_record(const unsigned char key[ROW_MAC_LEN],
			const struct key_record *rec,
			const unsigned char hash[KEY_HASH_LEN],
			unsigned char mac[ROW_MAC_LEN]);

/* The verifier group's services, gathered to be sealed. */
struct service_set {
	char (*names)[REQ_SERVICE_MAX + 1];
	size_t count, cap;
};

/* Adds a service; false when out of memory. */
bool service_set_add(struct service_set *set, const char *service);
void service_set_free(struct service_set *set);

/* The verifier group's services' seal (in any order). */
void row_mac_services(const unsigned char key[ROW_MAC_LEN],
		      const struct service_set *set,
		      unsigned char mac[ROW_MAC_LEN]);

/* A seal as the central store gives it (hex), checked in constant time. */
bool row_mac_matches(const unsigned char expected[ROW_MAC_LEN],
		     const char *hex);

#endif
