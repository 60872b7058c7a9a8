/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Reading keys from the central store, for apikeyctl's view of it and for
 * the agent's mirror: every value checked as a host's own store would hold
 * it (the central store is trusted to say which keys exist, never to hand
 * a host a value its commands could not have written).
 */
#ifndef APIKEY_CENTRAL_KEYS_H
#define APIKEY_CENTRAL_KEYS_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "record.h"
#include "rowmac.h"
#include "secret.h"

/* Called for each key read, in id order.  damaged is non-NULL (the reason)
 * when a value of the key is not one a store may hold, or the row and its
 * lists do not match their seal (rowmac.h).  False (with err) stops the read.
 */
typedef bool (*central_key_fn)(const struct key_record *rec,
			       const unsigned char hash[KEY_HASH_LEN],
			       const char *damaged, void *ctx, char *err,
			       size_t errlen);

/* What one snapshot of the central store holds for a reader: the keys
 * changed after revision since (all of them when since < 0) with their
 * lists and host groups, the ids deleted after it, and the verifier
 * group's services.  Read inside the caller's transaction, then held in
 * memory, so that the caller can end it before writing anything else. */
struct central_fetch;
struct central_fetch *central_fetch(PGconn *pg, long long since,
				    const unsigned char seal_key[ROW_MAC_LEN],
				    char *err, size_t errlen);
void central_fetch_free(struct central_fetch *f);

/* Each key fetched, in id order; a key whose own id is damaged is
 * skipped, counted in *bad_ids. */
bool central_fetch_keys(struct central_fetch *f, central_key_fn fn, void *ctx,
			long long *bad_ids, char *err, size_t errlen);

/* Each id the central store deleted after the revision fetched from (every
 * one for a full read); false (with err) from fn stops
 * the walk, which then fails.  (A key row put back after its tombstone is
 * damaged to central_fetch_keys.) */
typedef bool (*central_id_fn)(const char *id, void *ctx, char *err,
			      size_t errlen);
bool central_fetch_deleted(struct central_fetch *f, central_id_fn fn, void *ctx,
			   char *err, size_t errlen);

/* The verifier group's services (damaged names skipped) when their seal
 * matches: 1; 0 (with err) when it does not, and fn was not called; -1
 * when fn failed. */
int central_fetch_verifiers(struct central_fetch *f, central_id_fn fn,
			    void *ctx, char *err, size_t errlen);

/* The revision the central store is at (meta), in the caller's snapshot;
 * -1 with err on failure. */
long long central_revision(PGconn *pg, char *err, size_t errlen);

/* True when a key with these host groups is meant for a host in groups
 * (a key with none is meant for every host). */
bool central_key_for_host(const struct key_record *rec,
			  const char (*groups)[HOST_GROUP_MAX_LEN + 1],
			  size_t group_count);

#endif
