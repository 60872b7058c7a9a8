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
#include "secret.h"

/* Called for each key read, in id order.  damaged is non-NULL (the reason)
 * when a value of the key is not one a store may hold: rec then holds
 * only its id.  False (with err) stops the read. */
typedef bool (*central_key_fn)(const struct key_record *rec,
			       const unsigned char hash[KEY_HASH_LEN],
			       const char *damaged, void *ctx, char *err,
			       size_t errlen);

/* The keys changed after revision since (all of them when since < 0),
 * with their lists and host groups; run inside the caller's transaction
 * (one snapshot).  A key whose own id is damaged is skipped, counted in
 * *bad_ids. */
bool central_read_keys(PGconn *pg, long long since, central_key_fn fn,
		       void *ctx, long long *bad_ids, char *err, size_t errlen);

/* The ids of keys deleted after revision since. */
typedef void (*central_id_fn)(const char *id, void *ctx);
bool central_read_deleted(PGconn *pg, long long since, central_id_fn fn,
			  void *ctx, char *err, size_t errlen);

/* The services listed for the verifier group (damaged names skipped). */
bool central_read_verifiers(PGconn *pg, central_id_fn fn, void *ctx, char *err,
			    size_t errlen);

/* The revision the central store is at (meta), in the caller's snapshot;
 * -1 with err on failure. */
long long central_revision(PGconn *pg, char *err, size_t errlen);

/* True when a key with these host groups is meant for a host in groups
 * (a key with none is meant for every host). */
bool central_key_for_host(const struct key_record *rec,
			  const char (*groups)[HOST_GROUP_MAX_LEN + 1],
			  size_t group_count);

#endif
