/* SPDX-License-Identifier: BSD-2-Clause */
#include "announce.h"

#include <security/pam_ext.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

#define DAY 86400

static void put_env(pam_handle_t *pamh, const char *name, const char *value)
{
	char entry[RESP_NAME_MAX + 64];

	snprintf(entry, sizeof entry, "%s=%s", name, value);
	if (pam_putenv(pamh, entry) != PAM_SUCCESS)
		module_log(pamh, LOG_WARNING, "cannot set %s", name);
}

static void warn_expiry(pam_handle_t *pamh, int warn_days, const char *name,
			const char *expires)
{
	char *end;
	long long expires_at = strtoll(expires, &end, 10);
	long long left = expires_at - (long long)time(NULL);
	long long days;

	if (warn_days == 0 || expires[0] == '\0' || *end != '\0' || left <= 0 ||
	    left > (long long)warn_days * DAY)
		return;
	days = (left + DAY - 1) / DAY;
	pam_info(pamh, "API key '%s' expires in %lld day%s", name, days,
		 days == 1 ? "" : "s");
}

void announce_key(pam_handle_t *pamh, int warn_days, const char *key_id,
		  const struct helper_outcome *out)
{
	const char *name = out->has_response ? out->response.name : "";

	put_env(pamh, "PAM_APIKEY_ID", key_id);
	put_env(pamh, "PAM_APIKEY_NAME", name);
	if (out->has_response)
		warn_expiry(pamh, warn_days, name, out->response.expires);
}
