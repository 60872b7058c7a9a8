/* SPDX-License-Identifier: BSD-2-Clause */
#include "services.h"

#include <stdio.h>
#include <string.h>

#include "protocol.h"

static bool in_scope_list(const struct key_record *rec, const char *service)
{
	for (size_t i = 0; i < rec->service_count; i++)
		if (strcmp(rec->services[i], service) == 0)
			return true;
	return false;
}

bool services_name_ok(const char *service, char *err, size_t errlen)
{
	if (service_name_valid(service))
		return true;
	snprintf(err, errlen,
		 "'%s' is not a PAM service name (1 to %d lowercase letters, "
		 "digits, '.', '_' or '-'; libpam lowercases the names it is "
		 "given)",
		 service, REQ_SERVICE_MAX);
	return false;
}

bool services_add(struct key_record *rec, const char *service, char *err,
		  size_t errlen)
{
	if (!services_name_ok(service, err, errlen))
		return false;
	if (in_scope_list(rec, service)) {
		snprintf(err, errlen, "%s is already in the key's scope",
			 service);
		return false;
	}
	if (rec->service_count == SERVICES_MAX) {
		snprintf(err, errlen, "a key's scope names at most %d services",
			 SERVICES_MAX);
		return false;
	}
	snprintf(rec->services[rec->service_count++], sizeof rec->services[0],
		 "%s", service);
	return true;
}

bool services_remove(struct key_record *rec, const char *service, char *err,
		     size_t errlen)
{
	size_t kept = 0;

	for (size_t i = 0; i < rec->service_count; i++)
		if (strcmp(rec->services[i], service) != 0)
			memcpy(rec->services[kept++], rec->services[i],
			       sizeof rec->services[0]);
	if (kept == rec->service_count) {
		snprintf(err, errlen, "%s is not in the key's scope", service);
		return false;
	}
	rec->service_count = kept;
	return true;
}

void services_text(const struct key_record *rec, char *out, size_t outlen)
{
	size_t used = 0;

	snprintf(out, outlen, "%s", rec->service_count == 0 ? "any" : "");
	for (size_t i = 0; i < rec->service_count && used < outlen; i++)
		used += (size_t)snprintf(out + used, outlen - used, "%s%s",
					 i == 0 ? "" : ", ", rec->services[i]);
}
