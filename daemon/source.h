/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The store and pepper apikeyd keeps open between requests.  Before each
 * request both, and their directories, are looked at again (lstat): one
 * replaced, moved, chowned or chmodded since they were opened, or a store
 * whose schema was migrated, is opened again, with every check store_open
 * and pepper_load make; one that fails them leaves the daemon answering
 * system errors until it is fixed.
 */
#ifndef DAEMON_SOURCE_H
#define DAEMON_SOURCE_H

#include <stdbool.h>
#include <sys/stat.h>

#include "secret.h"
#include "serve.h"
#include "store.h"

struct source {
	const char *db_path, *pepper_path;
	struct store *store; /* NULL: unavailable, error says why */
	unsigned char pepper[PEPPER_LEN];
	struct stat db_st, pepper_st; /* as opened */
	char db_dir[256], pepper_dir[256];
	struct stat db_dir_st, pepper_dir_st; /* their directories, as opened */
	char error[512];
	char logged[512]; /* the last reason logged */
};

void source_init(struct source *src, const char *db_path,
		 const char *pepper_path);

/* After a decision: a store left inside a transaction or a statement
 * (it must not be) is closed, and opened again by the next refresh. */
void source_settle(struct source *src);

/* Checks (and if need be reopens) the store and pepper, and points b at
 * them, or at the reason they cannot be used. */
void source_refresh(struct source *src, struct backing *b);

void source_close(struct source *src);

#endif
