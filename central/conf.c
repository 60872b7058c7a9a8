/* SPDX-License-Identifier: BSD-2-Clause */
#include "conf.h"

#include <stdio.h>
#include <string.h>

#include "conffile.h"
#include "pg.h"
#include "policy.h"
#include "when.h"

struct conf_state {
	struct central_conf *conf;
	int conninfo_line, max_stale_line;
};

static bool setting(const char *name, char *value, int n, void *ctx, char *err,
		    size_t errlen)
{
	struct conf_state *st = ctx;
	struct central_conf *conf = st->conf;
	char why[256];

	if (strcmp(name, "conninfo") == 0 && st->conninfo_line == 0) {
		st->conninfo_line = n;
		if (value[0] != '\0' && strlen(value) <= CONNINFO_MAX) {
			snprintf(conf->conninfo, sizeof conf->conninfo, "%s",
				 value);
			return true;
		}
		snprintf(err, errlen, "%s:%d: conninfo is empty or too long",
			 conf->path, n);
		return false;
	}
	if (strcmp(name, "max_stale") == 0 && st->max_stale_line == 0) {
		st->max_stale_line = n;
		if (duration_parse(value, &conf->max_stale) &&
		    conf->max_stale > 0)
			return true;
		snprintf(err, errlen,
			 "%s:%d: bad value '%s' for max_stale (want N with "
			 "s, m, h, d or w)",
			 conf->path, n, value);
		return false;
	}
	if (strcmp(name, "host_group") == 0) {
		if (central_conf_add_group(conf, value, why, sizeof why))
			return true;
		snprintf(err, errlen, "%s:%d: %s", conf->path, n, why);
		return false;
	}
	if (strcmp(name, "conninfo") == 0 || strcmp(name, "max_stale") == 0)
		snprintf(err, errlen, "%s:%d: %s is set again", conf->path, n,
			 name);
	else
		snprintf(err, errlen, "%s:%d: unknown setting '%s'", conf->path,
			 n, name);
	return false;
}

static bool read_file(const char *path, struct central_conf *conf, char *err,
		      size_t errlen)
{
	static char buf[CONF_FILE_MAX + 1];
	struct conf_state st = {.conf = conf};
	size_t len;
	int got;

	snprintf(conf->path, sizeof conf->path, "%s", path);
	/* it holds the credentials: root's alone */
	got = conf_file_read(path, 0077, buf, sizeof buf, &len, err, errlen);
	if (got == 0)
		snprintf(err, errlen,
			 "no %s: give --central CONNINFO or write the file",
			 path);
	if (got <= 0)
		return false;
	if (!conf_parse(buf, len, path, setting, &st, err, errlen))
		return false;
	if (conf->conninfo[0] == '\0') {
		snprintf(err, errlen, "%s: no conninfo = ... line", path);
		return false;
	}
	return true;
}

bool central_conf_load(const char *central, struct central_conf *conf,
		       char *err, size_t errlen)
{
	memset(conf, 0, sizeof *conf);
	conf->max_stale = MAX_STALE_DEFAULT;
	if (central == NULL)
		return read_file(APIKEY_CENTRAL_CONF_PATH, conf, err, errlen);
	if (central[0] == '/')
		return read_file(central, conf, err, errlen);
	if (central[0] == '\0' || strlen(central) > CONNINFO_MAX) {
		snprintf(err, errlen,
			 "--central: the connection string is "
			 "empty or too long");
		return false;
	}
	if (!central_conninfo_without_password(central, err, errlen))
		return false;
	snprintf(conf->conninfo, sizeof conf->conninfo, "%s", central);
	return true;
}

bool central_conf_add_group(struct central_conf *conf, const char *group,
			    char *err, size_t errlen)
{
	if (!host_group_valid(group)) {
		snprintf(err, errlen,
			 "bad host group '%s' (want 1 to 64 of a-z, 0-9, '.', "
			 "'_' and '-')",
			 group);
		return false;
	}
	for (size_t i = 0; i < conf->group_count; i++)
		if (strcmp(conf->groups[i], group) == 0)
			return true;
	if (conf->group_count == CENTRAL_CONF_GROUPS) {
		snprintf(err, errlen, "more than %d host groups",
			 CENTRAL_CONF_GROUPS);
		return false;
	}
	snprintf(conf->groups[conf->group_count++], sizeof conf->groups[0],
		 "%s", group);
	return true;
}
