/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * centralgen: large changes to a central store, sealed as apikeyctl seals
 * them, in one transaction each (tests/central.sh's kill -9 test, the
 * fleet bench).  apikeyctl makes one key per command; this makes many.
 *
 *   centralgen CONNINFO PEPPER insert COUNT USER UID PREFIX
 *       COUNT keys of USER named PREFIX-1.. (ids made from PREFIX and
 *       the number; hashes random: nobody holds their secrets), each
 *       with an allow and a deny entry and a service
 *   centralgen CONNINFO PEPPER describe PREFIX TEXT
 *       every key named PREFIX-* gets the description TEXT
 * Prints the revision committed.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "pg.h"
#include "rowmac.h"

static unsigned char seal_key[ROW_MAC_LEN];
static char revision[24];

static void fail(const char *what, const char *err)
{
	fprintf(stderr, "centralgen: %s: %s\n", what, err);
	exit(1);
}

static void run(PGconn *pg, const char *sql, int n, const char *const *v)
{
	char err[600];

	if (!central_run(pg, sql, n, v, err, sizeof err))
		fail("statement", err);
}

static void put(PGconn *pg, const struct key_record *rec,
		const unsigned char hash[KEY_HASH_LEN])
{
	unsigned char seal[ROW_MAC_LEN];
	char hex[65], seal_hex[65], uid[24], created[24];
	const char *v[9] = {rec->id,   rec->user,	 uid,
			    rec->name, rec->description, hex,
			    created,   revision,	 seal_hex};

	struct key_record sealed_rec = *rec;

	sealed_rec.central_revision = strtoll(revision, NULL, 10);
	row_mac_key_record(seal_key, &sealed_rec, hash, seal);
	sodium_bin2hex(hex, sizeof hex, hash, KEY_HASH_LEN);
	sodium_bin2hex(seal_hex, sizeof seal_hex, seal, sizeof seal);
	snprintf(uid, sizeof uid, "%lld", rec->uid);
	snprintf(created, sizeof created, "%lld", (long long)rec->created_at);
	run(pg,
	    "INSERT INTO apikey.keys (id, user_name, uid, name, description, "
	    "hash, created_at, revision, seal) VALUES ($1, $2, $3, $4, $5, "
	    "decode($6, 'hex'), $7, $8, decode($9, 'hex')) ON CONFLICT (id) "
	    "DO UPDATE SET description = EXCLUDED.description, "
	    "revision = EXCLUDED.revision, seal = EXCLUDED.seal",
	    9, v);
}

static void put_lists(PGconn *pg, const struct key_record *rec)
{
	for (size_t i = 0; i < rec->rule_count; i++) {
		char pos[16];
		const char *v[] = {rec->id,
				   rec->rules[i].list == LIST_ALLOW ? "allow"
								    : "deny",
				   rec->rules[i].cidr, pos};
		snprintf(pos, sizeof pos, "%zu", i);
		run(pg,
		    "INSERT INTO apikey.ip_rules (key_id, list, cidr, enabled, "
		    "position) VALUES ($1, $2, $3, true, $4)",
		    4, v);
	}
	for (size_t i = 0; i < rec->service_count; i++) {
		const char *v[] = {rec->id, rec->services[i]};
		run(pg,
		    "INSERT INTO apikey.key_services (key_id, service) VALUES "
		    "($1, $2)",
		    2, v);
	}
}

static void insert(PGconn *pg, long count, const char *user, long long uid,
		   const char *prefix)
{
	static struct key_record rec;
	unsigned char hash[KEY_HASH_LEN];

	for (long i = 1; i <= count; i++) {
		memset(&rec, 0, sizeof rec);
		/* an id of 12 base62 characters: the prefix's first letters
		 * and the number */
		char tag[5] = "xxxx";

		memcpy(tag, prefix, strnlen(prefix, 4));
		snprintf(rec.id, sizeof rec.id, "%.4s%08ld", tag,
			 i % 100000000);
		snprintf(rec.user, sizeof rec.user, "%s", user);
		rec.uid = uid;
		snprintf(rec.name, sizeof rec.name, "%s-%ld", prefix, i);
		snprintf(rec.description, sizeof rec.description, "v1");
		rec.created_at = 1700000000;
		rec.rule_count = 2;
		rec.rules[0] = (struct ip_rule){LIST_ALLOW, true, "10.0.0.0/8"};
		rec.rules[1] = (struct ip_rule){LIST_DENY, true, "10.9.0.0/16"};
		rec.service_count = 1;
		snprintf(rec.services[0], sizeof rec.services[0], "sshd");
		randombytes_buf(hash, sizeof hash);
		put(pg, &rec, hash);
		put_lists(pg, &rec);
	}
}

struct describe {
	PGconn *pg;
	const char *prefix, *text;
	long changed;
};

static bool redescribe(const struct key_record *rec,
		       const unsigned char hash[KEY_HASH_LEN],
		       const char *damaged, void *ctx, char *err, size_t errlen)
{
	static struct key_record copy;
	struct describe *d = ctx;
	size_t n = strlen(d->prefix);

	(void)err;
	(void)errlen;
	if (damaged != NULL || strncmp(rec->name, d->prefix, n) != 0 ||
	    rec->name[n] != '-')
		return true;
	copy = *rec;
	snprintf(copy.description, sizeof copy.description, "%s", d->text);
	put(d->pg, &copy, hash);
	d->changed++;
	return true;
}

int main(int argc, char **argv)
{
	unsigned char pepper[PEPPER_LEN];
	char err[600];
	long long rev, bad;
	PGconn *pg;

	if (argc < 5 || sodium_init() < 0) {
		fprintf(stderr, "usage: see tests/central/centralgen.c\n");
		return 2;
	}
	if (!pepper_load(argv[2], pepper, err, sizeof err))
		fail("pepper", err);
	row_mac_key(pepper, seal_key);
	if ((pg = central_connect(argv[1], "centralgen", err, sizeof err)) ==
	    NULL)
		fail("connect", err);
	run(pg, "BEGIN", 0, NULL);
	run(pg, "UPDATE apikey.meta SET revision = revision + 1 WHERE id = 1",
	    0, NULL);
	if ((rev = central_revision(pg, err, sizeof err)) < 0)
		fail("revision", err);
	snprintf(revision, sizeof revision, "%lld", rev);
	if (strcmp(argv[3], "insert") == 0 && argc == 8) {
		insert(pg, atol(argv[4]), argv[5], atoll(argv[6]), argv[7]);
	} else if (strcmp(argv[3], "describe") == 0 && argc == 6) {
		struct describe d = {pg, argv[4], argv[5], 0};
		struct central_fetch *f =
		    central_fetch(pg, -1, seal_key, err, sizeof err);
		if (f == NULL || !central_fetch_keys(f, redescribe, &d, &bad,
						     err, sizeof err))
			fail("reading", err);
		central_fetch_free(f);
	} else {
		fprintf(stderr, "centralgen: bad arguments\n");
		return 2;
	}
	run(pg, "SELECT pg_notify('" CENTRAL_CHANNEL "', $1)", 1,
	    (const char *const[]){revision});
	run(pg, "COMMIT", 0, NULL);
	printf("%s\n", revision);
	PQfinish(pg);
	return 0;
}
