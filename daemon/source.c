/* SPDX-License-Identifier: BSD-2-Clause */
#include "source.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "logquote.h"

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_mode == b->st_mode && a->st_uid == b->st_uid &&
	       a->st_gid == b->st_gid;
}

/* The pepper is rewritten in place by nobody but a careful admin: its
 * times and size tell a change too. */
static bool same_contents(const struct stat *a, const struct stat *b)
{
	return same_file(a, b) && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Logged once per reason, not once per request. */
static void unavailable(struct source *src)
{
	char quoted[LOG_QUOTED_SIZE(sizeof src->error)];

	store_close(src->store);
	src->store = NULL;
	secret_wipe(src->pepper, sizeof src->pepper);
	if (strcmp(src->error, src->logged) == 0)
		return;
	memcpy(src->logged, src->error, sizeof src->logged);
	syslog(LOG_ERR, "store or pepper unusable, answering system errors: %s",
	       log_quote(src->error, quoted, sizeof quoted));
}

/* Opens both, recording what was opened; false (src->error) on failure. */
static bool open_both(struct source *src, const struct stat *db_st,
		      const struct stat *pepper_st)
{
	store_close(src->store);
	src->store =
	    store_open(src->db_path, STORE_READ, src->error, sizeof src->error);
	if (src->store == NULL || !pepper_load(src->pepper_path, src->pepper,
					       src->error, sizeof src->error))
		return false;
	src->db_st = *db_st;
	src->pepper_st = *pepper_st;
	src->logged[0] = '\0';
	syslog(LOG_INFO, "serving the store %s", src->db_path);
	return true;
}

void source_init(struct source *src, const char *db_path,
		 const char *pepper_path)
{
	memset(src, 0, sizeof *src);
	src->db_path = db_path;
	src->pepper_path = pepper_path;
	snprintf(src->error, sizeof src->error, "not opened yet");
}

void source_refresh(struct source *src, struct backing *b)
{
	struct stat db_st, pepper_st;
	bool seen = lstat(src->db_path, &db_st) == 0 &&
		    lstat(src->pepper_path, &pepper_st) == 0;

	if (!seen) {
		snprintf(src->error, sizeof src->error,
			 "cannot see the store or the pepper: %s",
			 strerror(errno));
		unavailable(src);
	} else if (src->store == NULL || !same_file(&db_st, &src->db_st) ||
		   !same_contents(&pepper_st, &src->pepper_st)) {
		if (!open_both(src, &db_st, &pepper_st))
			unavailable(src);
	}
	b->store = src->store;
	b->pepper = src->pepper;
	b->unavailable = src->error;
}

void source_settle(struct source *src)
{
	if (src->store == NULL || store_idle(src->store))
		return;
	syslog(LOG_ERR, "a decision left the store mid-read; opening it "
			"again for the next request");
	store_close(src->store);
	src->store = NULL;
}

void source_close(struct source *src)
{
	store_close(src->store);
	src->store = NULL;
	secret_wipe(src->pepper, sizeof src->pepper);
}
