/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * genkeys: fills a pam_apikey store with N keys fast, straight into SQLite.
 *
 *   genkeys DB_PATH PEPPER_PATH N USER UID KEY_OUT WRONG_OUT [POOL_N POOL_OUT]
 *
 * The store is created with the product's own store_open(STORE_CREATE)
 * (file checks, schema, migrations, WAL), then filled in one transaction
 * with the journal off, and switched back to WAL.  Key 0 is a real key for
 * USER/UID made with key_generate(); it is written to KEY_OUT, and the same
 * id with another secret (valid checksum, wrong secret) to WRONG_OUT.  The
 * other N-1 keys belong to 1000 made-up users; their ids and secrets come
 * from a fast non-cryptographic generator (bench data only), their hashes
 * from the product's key_hash() with the store's pepper.  With POOL_N,
 * keys 1..POOL_N belong to USER/UID too (named pool000001...), and are
 * written to POOL_OUT one a line (the delete load's pool).
 */
#include <sodium.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keyfmt.h"
#include "secret.h"
#include "store.h"

static uint64_t rng_state;

static uint64_t next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void fast_base62(char *out, size_t len)
{
	for (size_t i = 0; i < len; i++)
		out[i] = base62_digit((unsigned)(next() % 62));
	out[len] = '\0';
}

static int write_line(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fprintf(f, "%s\n", text) < 0 || fclose(f) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

static int sql(sqlite3 *db, const char *s)
{
	char *msg = NULL;

	if (sqlite3_exec(db, s, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	fprintf(stderr, "genkeys: %s: %s\n", s, msg);
	sqlite3_free(msg);
	return -1;
}

/* The pool's keys, one a line, as they are inserted. */
static FILE *pool_out;
static long pool_n;

static int pool_write(const struct parsed_key *parts)
{
	char key[KEY_LEN + 1];

	if (!key_assemble(parts->id, parts->secret, key, sizeof key) ||
	    fprintf(pool_out, "%s\n", key) < 0)
		return -1;
	return 0;
}

static int pool_open(int argc, char **argv)
{
	if (argc == 8)
		return 0;
	pool_n = atol(argv[8]);
	pool_out = fopen(argv[9], "w");
	if (pool_n < 1 || pool_out == NULL) {
		perror(argv[9]);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned char pepper[PEPPER_LEN], hash[KEY_HASH_LEN];
	char err[512], key[KEY_LEN + 1], wrong[KEY_LEN + 1], name[32];
	char user[64], secret[KEY_SECRET_LEN + 1];
	struct parsed_key parts;
	struct store *s;
	sqlite3 *db;
	sqlite3_stmt *ins;
	long n;
	long long uid;
	time_t now = time(NULL);

	if (argc != 8 && argc != 10) {
		fprintf(stderr, "usage: genkeys DB PEPPER N USER UID KEY_OUT "
				"WRONG_OUT [POOL_N POOL_OUT]\n");
		return 2;
	}
	n = atol(argv[3]);
	if (pool_open(argc, argv) != 0 || pool_n >= n)
		return 2;
	uid = atoll(argv[5]);
	if (!secret_init() || !pepper_load(argv[2], pepper, err, sizeof err)) {
		fprintf(stderr, "genkeys: %s\n", err);
		return 1;
	}
	s = store_open(argv[1], STORE_CREATE, err, sizeof err);
	if (s == NULL) {
		fprintf(stderr, "genkeys: %s\n", err);
		return 1;
	}
	store_close(s);
	randombytes_buf(&rng_state, sizeof rng_state);
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, NULL) !=
		SQLITE_OK ||
	    sql(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
		    "PRAGMA cache_size = -1048576; BEGIN") != 0)
		return 1;
	if (sqlite3_prepare_v2(
		db,
		"INSERT INTO keys (id, user, uid, name, description, hash, "
		"created_at) VALUES (?1, ?2, ?3, ?4, '', ?5, ?6)",
		-1, &ins, NULL) != SQLITE_OK) {
		fprintf(stderr, "genkeys: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	for (long i = 0; i < n; i++) {
		const char *u = user;
		long long kuid;

		if (i == 0) {
			key_generate(key, &parts);
			u = argv[4];
			kuid = uid;
			snprintf(name, sizeof name, "bench-good");
		} else {
			fast_base62(parts.id, KEY_ID_LEN);
			fast_base62(parts.secret, KEY_SECRET_LEN);
			snprintf(user, sizeof user, "pakb_f%04ld", i % 1000);
			kuid = 200000 + i % 1000;
			snprintf(name, sizeof name, "k%08ld", i);
		}
		if (i > 0 && i <= pool_n) {
			u = argv[4];
			kuid = uid;
			snprintf(name, sizeof name, "pool%06ld", i);
		}
		key_hash(pepper, parts.id, parts.secret, hash);
		sqlite3_reset(ins);
		sqlite3_bind_text(ins, 1, parts.id, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, u, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 3, kuid);
		sqlite3_bind_text(ins, 4, name, -1, SQLITE_STATIC);
		sqlite3_bind_blob(ins, 5, hash, KEY_HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 6, (sqlite3_int64)now);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			/* a random id collided: draw again */
			if (sqlite3_extended_errcode(db) ==
				SQLITE_CONSTRAINT_PRIMARYKEY &&
			    i > 0) {
				i--;
				continue;
			}
			fprintf(stderr, "genkeys: %s\n", sqlite3_errmsg(db));
			return 1;
		}
		if (i > 0 && i <= pool_n && pool_write(&parts) != 0)
			return 1;
		if (i == 0) {
			/* same id, another secret: well-formed but wrong */
			memcpy(secret, parts.secret, sizeof secret);
			secret[0] = secret[0] == 'A' ? 'B' : 'A';
			key_assemble(parts.id, secret, wrong, sizeof wrong);
		}
	}
	sqlite3_finalize(ins);
	if (sql(db, "COMMIT; PRAGMA journal_mode = WAL;") != 0)
		return 1;
	sqlite3_close(db);
	secret_wipe(pepper, sizeof pepper);
	if (write_line(argv[6], key) != 0 || write_line(argv[7], wrong) != 0 ||
	    (pool_out != NULL && fclose(pool_out) != 0))
		return 1;
	printf("genkeys: %ld keys in %s\n", n, argv[1]);
	return 0;
}
