/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A host's store as a mirror of the central one (apikey-sync), and a store
 * in memory as apikeyctl's view of the central one: the writes that put
 * keys there as the central store holds them.
 *
 * MUST rules kept here:
 * - the agent writes central keys only: a local key (origin 'local') is
 *   never changed or removed by it, even one with the same id or name;
 * - a central key's tracking columns (last use, denials) are the host's
 *   own and survive every update of the key;
 * - one change from the central store is one transaction of the caller's
 *   (store_begin/store_commit), so a reader sees it whole or not at all.
 */
#ifndef APIKEY_MIRROR_H
#define APIKEY_MIRROR_H

#include <stdbool.h>
#include <time.h>

#include "record.h"
#include "store.h"

/* ---- the agent -------------------------------------------------------- */

/* Puts a central key (new or changed) into the store.  STORE_CONFLICT when
 * a local key holds its id or its user and name (the local key stays), the
 * host saw the key deleted, or holds a copy of a later revision: the row
 * is not taken. */
enum store_result mirror_put(struct store *s, const struct key_record *rec,
			     const unsigned char hash[KEY_HASH_LEN]);

/* Removes a central key (deleted there, or no longer meant for this host);
 * STORE_NOT_FOUND when the store holds no central key of that id. */
enum store_result mirror_drop(struct store *s, const char *id);

/* A central key deleted there: dropped (STORE_NOT_FOUND: there was no
 * copy), and its id never taken again. */
enum store_result mirror_forget(struct store *s, const char *id);

/* The store holds a copy of central key id written by a later revision
 * than revision: an older sealed row put back is not taken over it. */
bool mirror_holds_newer(struct store *s, const char *id, long long revision);

/* A full resynchronisation: mirror_sweep_begin, then mirror_seen for each
 * key the central store holds for this host, then mirror_sweep removes
 * every other central key (*removed: how many). */
enum store_result mirror_sweep_begin(struct store *s);
enum store_result mirror_seen(struct store *s, const char *id);
enum store_result mirror_sweep(struct store *s, long long *removed);

/* The verifier group's services from the central store: replaces those of
 * the last call (a service listed locally stays listed). */
enum store_result mirror_verifiers_clear(struct store *s);
enum store_result mirror_verifier_add(struct store *s, const char *service);

/* The agent's contact with the central store: the revision it holds now,
 * at time now, and the allowance (max_stale) the keys have from it. */
enum store_result mirror_contact(struct store *s, time_t now,
				 long long max_stale, long long revision);

/* The revision the store holds (-1: never synchronised; -2: error). */
long long mirror_revision(struct store *s);

/* What the hosts report: a central key's uses and denial since the last
 * report (uses: how many; denied_at 0: none new). */
struct mirror_usage {
	char id[KEY_ID_LEN + 1];
	long long uses, use_count;
	time_t last_used_at, denied_at;
	char last_used_ip[REQ_RHOST_MAX + 1];
	char denied_ip[REQ_RHOST_MAX + 1];
	char denied_reason[REASON_MAX + 1];
};

/* Up to max central keys with something to report, into out; the count,
 * or -1 on error. */
long mirror_unreported(struct store *s, struct mirror_usage *out, long max);

/* Marks a report as sent: the use count and denial it held. */
enum store_result mirror_reported(struct store *s,
				  const struct mirror_usage *u);

/* ---- apikeyctl's view of the central store --------------------------- */

/* A key is put into the view with store_insert; this sets the usage the
 * hosts reported of it (rec's tracking
 * fields and last_used_host). */
enum store_result view_set_usage(struct store *s, const struct key_record *rec);

/* Keeps a copy of the view as loaded, to compare with at commit. */
enum store_result view_keep_base(struct store *s);

/* What a command changed in the view since view_keep_base: keys whose
 * central columns or lists changed (new ones too), keys deleted, services
 * of the verifier group listed or taken off.  fn is called with each key
 * id or service; false stops (STORE_ERROR). */
enum view_change {
	VIEW_KEY_CHANGED,
	VIEW_KEY_DELETED,
	VIEW_SERVICES_CHANGED,
	VIEW_CHANGE_KINDS
};
typedef bool (*view_change_fn)(const char *text, void *ctx);
enum store_result view_changes(struct store *s, enum view_change kind,
			       view_change_fn fn, void *ctx);

#endif
