/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Where the central store is: a libpq connection string given on the
 * command line, or central.conf (root-owned, readable by root only: it
 * holds the credentials), which also gives the agent its max_stale and
 * host groups.
 *
 *   conninfo   = host=db.example.org dbname=apikeys user=web1
 * sslmode=verify-full max_stale  = 1h host_group = web          (repeatable)
 */
#ifndef APIKEY_CENTRAL_CONF_H
#define APIKEY_CENTRAL_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "record.h"

#define CONNINFO_MAX	    1024
#define MAX_STALE_DEFAULT   3600 /* seconds: one hour */
#define CENTRAL_CONF_GROUPS HOST_GROUPS_MAX

struct central_conf {
	char conninfo[CONNINFO_MAX + 1];
	long long max_stale; /* seconds */
	size_t group_count;
	char groups[CENTRAL_CONF_GROUPS][HOST_GROUP_MAX_LEN + 1];
	char path[256]; /* the file read, or "" */
};

/*
 * Fills conf from --central's value: a path (it begins with '/') names a
 * central.conf to read; anything else is a connection string.  With NULL,
 * the default file APIKEY_CENTRAL_CONF_PATH is read.  False with the
 * reason in err.
 */
bool central_conf_load(const char *central, struct central_conf *conf,
		       char *err, size_t errlen);

/* Adds a host group (--host-group); false with the reason. */
bool central_conf_add_group(struct central_conf *conf, const char *group,
			    char *err, size_t errlen);

#endif
