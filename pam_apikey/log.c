/* SPDX-License-Identifier: BSD-2-Clause */
#include "log.h"

#include <security/pam_ext.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "logquote.h"
#include "protocol.h"

void module_log(pam_handle_t *pamh, int priority, const char *fmt, ...)
{
	const void *service = NULL;
	char line[2048], quoted[LOG_QUOTED_SIZE(REQ_SERVICE_MAX)];
	va_list ap;

	va_start(ap, fmt);
	if (pam_get_item(pamh, PAM_SERVICE, &service) == PAM_SUCCESS &&
	    service != NULL && service_name_valid(service)) {
		pam_vsyslog(pamh, priority, fmt, ap);
	} else {
		vsnprintf(line, sizeof line, fmt, ap);
		log_quote(service != NULL ? service : "", quoted,
			  sizeof quoted);
		syslog(LOG_AUTHPRIV | priority, "pam_apikey(service=%s): %s",
		       quoted, line);
	}
	va_end(ap);
}
