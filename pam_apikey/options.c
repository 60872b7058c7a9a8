/* SPDX-License-Identifier: BSD-2-Clause */
#include "options.h"

#include <security/pam_ext.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

/* "name=value" -> value, or NULL if arg is not that option */
static const char *option_value(const char *arg, const char *name)
{
	size_t len = strlen(name);

	if (strncmp(arg, name, len) == 0 && arg[len] == '=')
		return arg + len + 1;
	return NULL;
}

/* A decimal number in [min, max]; otherwise logs and returns fallback. */
static int parse_number(pam_handle_t *pamh, const char *arg, const char *value,
			int min, int max, int fallback)
{
	char *end;
	long number = strtol(value, &end, 10);

	if (*value == '\0' || *end != '\0' || number < min || number > max) {
		module_log(pamh, LOG_ERR, "bad %s (want %d to %d); using %d",
			   arg, min, max, fallback);
		return fallback;
	}
	return (int)number;
}

static void parse_one(pam_handle_t *pamh, const char *arg,
		      struct module_options *opts)
{
	const char *value;

	if (strcmp(arg, "debug") == 0)
		opts->debug = true;
	else if (strcmp(arg, "nodelay") == 0)
		opts->nodelay = true;
	else if (strcmp(arg, "use_first_pass") == 0 ||
		 strcmp(arg, "try_first_pass") == 0)
		; /* read by pam_get_authtok() itself */
	else if ((value = option_value(arg, "helper")) != NULL &&
		 value[0] == '/')
		opts->helper = value;
	else if ((value = option_value(arg, "db")) != NULL && value[0] == '/')
		opts->db = value;
	else if ((value = option_value(arg, "daemon")) != NULL &&
		 value[0] == '/' && strlen(value) <= DAEMON_PATH_MAX)
		opts->daemon = value;
	else if (strcmp(arg, "nodaemon") == 0)
		opts->daemon = "";
	else if ((value = option_value(arg, "timeout")) != NULL)
		opts->timeout_seconds =
		    parse_number(pamh, arg, value, 1, MAX_TIMEOUT_SECONDS,
				 DEFAULT_TIMEOUT_SECONDS);
	else if ((value = option_value(arg, "warn_days")) != NULL)
		opts->warn_days = parse_number(
		    pamh, arg, value, 0, MAX_WARN_DAYS, DEFAULT_WARN_DAYS);
	else
		module_log(pamh, LOG_ERR, "unknown or malformed option: %s",
			   arg);
}

void parse_options(pam_handle_t *pamh, int argc, const char **argv,
		   struct module_options *opts)
{
	opts->helper = APIKEY_HELPER_PATH;
	opts->daemon = APIKEY_DAEMON_SOCKET;
	opts->db = "";
	opts->debug = false;
	opts->nodelay = false;
	opts->timeout_seconds = DEFAULT_TIMEOUT_SECONDS;
	opts->warn_days = DEFAULT_WARN_DAYS;
	for (int i = 0; i < argc; i++)
		parse_one(pamh, argv[i], opts);
	/* apikeyd serves its own store only: another store is the helper's */
	if (opts->db[0] != '\0')
		opts->daemon = "";
	/* apikeyd knows a caller by its effective ids, the helper by its real
	 * ones (unix_chkpwd's rule): a process whose two differ (su, another
	 * setuid or setgid program) asks the helper, so both give it the same
	 * answer */
	if (getuid() != geteuid() || getgid() != getegid())
		opts->daemon = "";
}
