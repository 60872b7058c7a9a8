/* SPDX-License-Identifier: BSD-2-Clause */
#include "keys.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "cidr.h"
#include "pg.h"
#include "policy.h"
#include "text.h"

/* The four queries of one read: keys, then each list, all in id order. */
#define KEYS_SQL                                                               \
	"SELECT id, user_name, uid, name, description, encode(hash, 'hex'), "  \
	"created_at, expires_at, rotated_to, rotated_from, "                   \
	"encode(seal, 'hex'), revision FROM apikey.keys k "
#define CHANGED " WHERE $1::bigint < 0 OR k.revision > $1::bigint "

static const char *const LIST_SQL[] = {
    "SELECT l.key_id, l.list, l.cidr, l.enabled FROM apikey.ip_rules l "
    "JOIN apikey.keys k ON k.id = l.key_id" CHANGED
    "ORDER BY l.key_id COLLATE \"C\", l.position",
    "SELECT l.key_id, l.service FROM apikey.key_services l "
    "JOIN apikey.keys k ON k.id = l.key_id" CHANGED
    "ORDER BY l.key_id COLLATE \"C\", l.service",
    "SELECT l.key_id, l.host_group FROM apikey.key_host_groups l "
    "JOIN apikey.keys k ON k.id = l.key_id" CHANGED
    "ORDER BY l.key_id COLLATE \"C\", l.host_group COLLATE \"C\"",
};
enum { LIST_RULES, LIST_SERVICES, LIST_GROUPS, LIST_COUNT };

enum {
	K_ID,
	K_USER,
	K_UID,
	K_NAME,
	K_DESCRIPTION,
	K_HASH,
	K_CREATED,
	K_EXPIRES,
	K_ROTATED_TO,
	K_ROTATED_FROM,
	K_SEAL,
	K_REVISION
};

static bool id_valid(const char *id)
{
	return strlen(id) == KEY_ID_LEN && base62_string(id, KEY_ID_LEN);
}

/* A text column into out: it fits, and holds no control character. */
static bool text_col(const PGresult *r, int row, int col, bool nullable,
		     char *out, size_t outlen)
{
	const char *v;
	size_t len;

	out[0] = '\0';
	if (PQgetisnull(r, row, col))
		return nullable;
	v = PQgetvalue(r, row, col);
	len = strlen(v);
	if (len >= outlen)
		return false;
	memcpy(out, v, len + 1);
	return true;
}

static bool time_col(const PGresult *r, int row, int col, bool nullable,
		     time_t *out)
{
	long long v = 0;

	*out = 0;
	if (PQgetisnull(r, row, col))
		return nullable;
	if (!central_int(r, row, col, 1, (long long)1 << 40, &v))
		return false;
	*out = (time_t)v;
	return true;
}

/* The key row's values; the reason when one is not a storable value. */
static const char *read_row(const PGresult *r, int row, struct key_record *rec,
			    unsigned char hash[KEY_HASH_LEN])
{
	char why[256], hex[KEY_HASH_LEN * 2 + 1];
	size_t bin_len = 0;

	if (!text_col(r, row, K_USER, false, rec->user, sizeof rec->user) ||
	    !user_name_plain(rec->user))
		return "bad user name";
	if (!central_int(r, row, K_UID, 0, 4294967294LL, &rec->uid))
		return "bad uid";
	if (!text_col(r, row, K_NAME, false, rec->name, sizeof rec->name) ||
	    !name_valid(rec->name, NAME_MAX_CHARS, why, sizeof why))
		return "bad name";
	if (!text_col(r, row, K_DESCRIPTION, false, rec->description,
		      sizeof rec->description) ||
	    !description_valid(rec->description, DESC_MAX_CHARS, why,
			       sizeof why))
		return "bad description";
	if (!text_col(r, row, K_HASH, false, hex, sizeof hex) ||
	    sodium_hex2bin(hash, KEY_HASH_LEN, hex, strlen(hex), NULL, &bin_len,
			   NULL) != 0 ||
	    bin_len != KEY_HASH_LEN)
		return "bad hash";
	if (!time_col(r, row, K_CREATED, false, &rec->created_at) ||
	    !time_col(r, row, K_EXPIRES, true, &rec->expires_at))
		return "bad time";
	if (!text_col(r, row, K_ROTATED_TO, true, rec->rotated_to,
		      sizeof rec->rotated_to) ||
	    !text_col(r, row, K_ROTATED_FROM, true, rec->rotated_from,
		      sizeof rec->rotated_from) ||
	    (rec->rotated_to[0] != '\0' && !id_valid(rec->rotated_to)) ||
	    (rec->rotated_from[0] != '\0' && !id_valid(rec->rotated_from)))
		return "bad rotation link";
	return NULL;
}

static const char *add_rule(const PGresult *r, int row, struct key_record *rec)
{
	char list[8], cidr[CIDR_TEXT_MAX], canon[CIDR_TEXT_MAX], why[256];
	struct ip_rule *rule;

	if (rec->rule_count == RULES_MAX)
		return "too many IP rules";
	rule = &rec->rules[rec->rule_count];
	if (!text_col(r, row, 1, false, list, sizeof list) ||
	    (strcmp(list, "allow") != 0 && strcmp(list, "deny") != 0))
		return "bad IP list";
	if (!text_col(r, row, 2, false, cidr, sizeof cidr) ||
	    !cidr_canonical(cidr, canon, sizeof canon, why, sizeof why) ||
	    strcmp(cidr, canon) != 0)
		return "bad IP rule";
	if (PQgetisnull(r, row, 3) ||
	    (strcmp(PQgetvalue(r, row, 3), "t") != 0 &&
	     strcmp(PQgetvalue(r, row, 3), "f") != 0))
		return "bad IP rule flag";
	rule->list = list[0] == 'a' ? LIST_ALLOW : LIST_DENY;
	rule->enabled = strcmp(PQgetvalue(r, row, 3), "t") == 0;
	snprintf(rule->cidr, sizeof rule->cidr, "%s", cidr);
	rec->rule_count++;
	return NULL;
}

/* A name of a list (count entries of width bytes, at most max), valid
 * by valid(); the damage, or NULL. */
static const char *add_name(const PGresult *r, int row, char *names,
			    size_t *count, size_t max, size_t width,
			    bool (*valid)(const char *), const char *what)
{
	char *name = names + *count * width;

	if (*count == max || !text_col(r, row, 1, false, name, width) ||
	    !valid(name))
		return what;
	(*count)++;
	return NULL;
}

static const char *add_service(const PGresult *r, int row,
			       struct key_record *rec)
{
	return add_name(r, row, rec->services[0], &rec->service_count,
			SERVICES_MAX, sizeof rec->services[0],
			service_name_valid, "bad service scope");
}

static const char *add_group(const PGresult *r, int row, struct key_record *rec)
{
	return add_name(r, row, rec->host_groups[0], &rec->host_group_count,
			HOST_GROUPS_MAX, sizeof rec->host_groups[0],
			host_group_valid, "bad host groups");
}

typedef const char *(*add_fn)(const PGresult *r, int row,
			      struct key_record *rec);

/* A list's rows for key id, from its cursor on; the first damage kept. */
static void take_list(const PGresult *r, int *cursor, const char *id,
		      add_fn add, struct key_record *rec, const char **damaged)
{
	int rows = PQntuples(r);

	/* rows of a key whose own row was skipped (a damaged id) */
	while (*cursor < rows && strcmp(PQgetvalue(r, *cursor, 0), id) < 0)
		(*cursor)++;
	for (; *cursor < rows && strcmp(PQgetvalue(r, *cursor, 0), id) == 0;
	     (*cursor)++) {
		const char *why = add(r, *cursor, rec);
		if (why != NULL && *damaged == NULL)
			*damaged = why;
	}
}

/* One snapshot's answers, held in memory (central_fetch). */
struct central_fetch {
	PGresult *keys, *lists[LIST_COUNT], *deleted;
	unsigned char seal_key[ROW_MAC_LEN];
	long long since; /* the revision the changes are after (-1: all) */
	struct service_set services;
	bool services_sealed;
};

static bool run_key_queries(PGconn *pg, const char *since,
			    struct central_fetch *f, char *err, size_t errlen)
{
	const char *params[] = {since};

	f->keys =
	    central_exec(pg, KEYS_SQL CHANGED "ORDER BY k.id COLLATE \"C\"", 1,
			 params, PGRES_TUPLES_OK, err, errlen);
	for (int i = 0; f->keys != NULL && i < LIST_COUNT; i++)
		if ((f->lists[i] =
			 central_exec(pg, LIST_SQL[i], 1, params,
				      PGRES_TUPLES_OK, err, errlen)) == NULL)
			return false;
	return f->keys != NULL;
}

/* The verifier group's services and whether they match their seal. */
static bool fetch_services(PGconn *pg, struct central_fetch *f, char *err,
			   size_t errlen)
{
	PGresult *r = central_exec(
	    pg,
	    "SELECT service, (SELECT encode(verifier_seal, 'hex') FROM "
	    "apikey.meta WHERE id = 1) FROM apikey.verifier_services "
	    "UNION ALL SELECT NULL, encode(verifier_seal, 'hex') FROM "
	    "apikey.meta WHERE id = 1",
	    0, NULL, PGRES_TUPLES_OK, err, errlen);
	unsigned char mac[ROW_MAC_LEN];
	const char *seal = NULL;
	bool ok = r != NULL;

	for (int row = 0; ok && row < PQntuples(r); row++) {
		seal = PQgetisnull(r, row, 1) ? NULL : PQgetvalue(r, row, 1);
		if (!PQgetisnull(r, row, 0) &&
		    service_name_valid(PQgetvalue(r, row, 0)))
			if (!(ok = service_set_add(&f->services,
						   PQgetvalue(r, row, 0))))
				snprintf(err, errlen, "out of memory");
	}
	if (ok) {
		row_mac_services(f->seal_key, &f->services, mac);
		f->services_sealed = seal == NULL ? f->services.count == 0
						  : row_mac_matches(mac, seal);
	}
	PQclear(r);
	return ok;
}

struct central_fetch *central_fetch(PGconn *pg, long long since,
				    const unsigned char seal_key[ROW_MAC_LEN],
				    char *err, size_t errlen)
{
	struct central_fetch *f = calloc(1, sizeof *f);
	char since_text[24];
	bool ok;

	if (f == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(f->seal_key, seal_key, ROW_MAC_LEN);
	snprintf(since_text, sizeof since_text, "%lld", since);
	/* every tombstone (a full read too): a deleted key's row put back
	 * is refused by its tombstone */
	ok = run_key_queries(pg, since_text, f, err, errlen) &&
	     (f->deleted = central_exec(
		  pg,
		  "SELECT key_id, max(revision) FROM apikey.deleted_keys "
		  "GROUP BY key_id ORDER BY key_id COLLATE \"C\"",
		  0, NULL, PGRES_TUPLES_OK, err, errlen)) != NULL &&
	     fetch_services(pg, f, err, errlen);
	f->since = since;
	if (!ok) {
		central_fetch_free(f);
		return NULL;
	}
	return f;
}

void central_fetch_free(struct central_fetch *f)
{
	if (f == NULL)
		return;
	PQclear(f->keys);
	for (int i = 0; i < LIST_COUNT; i++)
		PQclear(f->lists[i]);
	PQclear(f->deleted);
	service_set_free(&f->services);
	sodium_memzero(f->seal_key, sizeof f->seal_key);
	free(f);
}

/* The seal apikeyctl made, checked against the values read. */
static bool sealed(const PGresult *r, int row, const unsigned char *seal_key,
		   const struct key_record *rec,
		   const unsigned char hash[KEY_HASH_LEN])
{
	unsigned char mac[ROW_MAC_LEN];

	row_mac_key_record(seal_key, rec, hash, mac);
	return !PQgetisnull(r, row, K_SEAL) &&
	       row_mac_matches(mac, PQgetvalue(r, row, K_SEAL));
}

/* A tombstone of id at or after revision: the key was deleted after this
 * row was written (tombstones and keys both in id order). */
static bool tombstoned(const PGresult *r, int *cursor, const char *id,
		       long long revision)
{
	long long deleted = 0;

	while (*cursor < PQntuples(r) &&
	       strcmp(PQgetvalue(r, *cursor, 0), id) < 0)
		(*cursor)++;
	return *cursor < PQntuples(r) &&
	       strcmp(PQgetvalue(r, *cursor, 0), id) == 0 &&
	       central_int(r, *cursor, 1, 0, INT64_MAX, &deleted) &&
	       deleted >= revision;
}

/* PostgreSQL orders text by its collation, the merge below by bytes: the
 * ids are [0-9A-Za-z], so "C" order is asked of each ORDER BY. */
bool central_fetch_keys(struct central_fetch *f, central_key_fn fn, void *ctx,
			long long *bad_ids, char *err, size_t errlen)
{
	static const add_fn adders[LIST_COUNT] = {add_rule, add_service,
						  add_group};
	static struct key_record rec;
	unsigned char hash[KEY_HASH_LEN];
	int cursor[LIST_COUNT] = {0}, tomb = 0;
	bool ok = true;

	*bad_ids = 0;
	for (int row = 0; ok && row < PQntuples(f->keys); row++) {
		const char *id = PQgetvalue(f->keys, row, K_ID);
		const char *damaged;

		if (!id_valid(id)) {
			(*bad_ids)++;
			continue;
		}
		memset(&rec, 0, offsetof(struct key_record, rules));
		rec.rule_count = 0;
		snprintf(rec.id, sizeof rec.id, "%s", id);
		rec.central = true;
		damaged = read_row(f->keys, row, &rec, hash);
		if (!central_int(f->keys, row, K_REVISION, 1, INT64_MAX,
				 &rec.central_revision))
			damaged = "bad revision";
		for (int i = 0; i < LIST_COUNT; i++)
			take_list(f->lists[i], &cursor[i], id, adders[i], &rec,
				  &damaged);
		if (tombstoned(f->deleted, &tomb, id, rec.central_revision))
			damaged = "deleted: its row was put back after its "
				  "delete";
		if (damaged == NULL &&
		    !sealed(f->keys, row, f->seal_key, &rec, hash))
			damaged = "its seal does not match (changed outside "
				  "apikeyctl, or sealed with another pepper)";
		ok = fn(&rec, hash, damaged, ctx, err, errlen);
		sodium_memzero(hash, sizeof hash);
	}
	return ok;
}

bool central_fetch_deleted(struct central_fetch *f, central_id_fn fn, void *ctx,
			   char *err, size_t errlen)
{
	bool ok = true;

	for (int row = 0;
	     f->deleted != NULL && ok && row < PQntuples(f->deleted); row++)
		if (id_valid(PQgetvalue(f->deleted, row, 0)))
			ok = fn(PQgetvalue(f->deleted, row, 0), ctx, err,
				errlen);
	return ok;
}

int central_fetch_verifiers(struct central_fetch *f, central_id_fn fn,
			    void *ctx, char *err, size_t errlen)
{
	if (!f->services_sealed) {
		snprintf(err, errlen,
			 "central store: the verifier group's services do "
			 "not match their seal (changed outside apikeyctl?)");
		return 0;
	}
	for (size_t i = 0; i < f->services.count; i++)
		if (!fn(f->services.names[i], ctx, err, errlen))
			return -1;
	return 1;
}

long long central_revision(PGconn *pg, char *err, size_t errlen)
{
	PGresult *r = central_exec(pg,
				   "SELECT revision FROM apikey.meta "
				   "WHERE id = 1",
				   0, NULL, PGRES_TUPLES_OK, err, errlen);
	long long rev = -1;

	if (r != NULL &&
	    (PQntuples(r) != 1 || !central_int(r, 0, 0, 0, INT64_MAX, &rev))) {
		snprintf(err, errlen, "central store: apikey.meta is damaged");
		rev = -1;
	}
	PQclear(r);
	return rev;
}

bool central_key_for_host(const struct key_record *rec,
			  const char (*groups)[HOST_GROUP_MAX_LEN + 1],
			  size_t group_count)
{
	if (rec->host_group_count == 0)
		return true;
	for (size_t i = 0; i < rec->host_group_count; i++)
		for (size_t j = 0; j < group_count; j++)
			if (strcmp(rec->host_groups[i], groups[j]) == 0)
				return true;
	return false;
}
