/* SPDX-License-Identifier: BSD-2-Clause */
#include "source.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "logquote.h"
#include "safefile.h"

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

/* The four things a decision depends on, as they are now; false (errno)
 * when one cannot be seen. */
static bool look(const struct source *src, struct stat st[4])
{
	return lstat(src->db_path, &st[0]) == 0 &&
	       lstat(src->pepper_path, &st[1]) == 0 &&
	       lstat(src->db_dir, &st[2]) == 0 &&
	       lstat(src->pepper_dir, &st[3]) == 0;
}

static bool unchanged(const struct source *src, const struct stat st[4])
{
	return stat_same_file(&st[0], &src->db_st) &&
	       /* the pepper is rewritten in place by nobody but a careful
		* admin: its times and size tell a change too */
	       stat_same_contents(&st[1], &src->pepper_st) &&
	       stat_same_file(&st[2], &src->db_dir_st) &&
	       stat_same_file(&st[3], &src->pepper_dir_st);
}

/* Opens both, recording what was opened; false (src->error) on failure. */
static bool open_both(struct source *src, const struct stat st[4])
{
	store_close(src->store);
	src->store =
	    store_open(src->db_path, STORE_READ, src->error, sizeof src->error);
	if (src->store == NULL || !pepper_load(src->pepper_path, src->pepper,
					       src->error, sizeof src->error))
		return false;
	src->db_st = st[0];
	src->pepper_st = st[1];
	src->db_dir_st = st[2];
	src->pepper_dir_st = st[3];
	src->logged[0] = '\0';
	syslog(LOG_INFO, "serving the store %s", src->db_path);
	return true;
}

void source_init(struct source *src, const char *db_path,
		 const char *pepper_path)
{
	char base[256];

	memset(src, 0, sizeof *src);
	src->db_path = db_path;
	src->pepper_path = pepper_path;
	snprintf(src->error, sizeof src->error, "not opened yet");
	if (!split_path(db_path, src->db_dir, sizeof src->db_dir, base,
			sizeof base) ||
	    !split_path(pepper_path, src->pepper_dir, sizeof src->pepper_dir,
			base, sizeof base))
		src->db_dir[0] = src->pepper_dir[0] = '\0'; /* never seen */
}

void source_refresh(struct source *src, struct backing *b)
{
	struct stat st[4];

	if (!look(src, st)) {
		snprintf(src->error, sizeof src->error,
			 "cannot see the store or the pepper: %s",
			 strerror(errno));
		unavailable(src);
	} else if (src->store == NULL || !unchanged(src, st) ||
		   !store_schema_current(src->store)) {
		if (!open_both(src, st))
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
