/* SPDX-License-Identifier: BSD-2-Clause */
/* Editing a key's service scope (apikeyctl create, edit and rotate) and
 * host groups, and the names apikeyctl verifier takes. */
#ifndef APIKEY_SERVICES_H
#define APIKEY_SERVICES_H

#include <stdbool.h>
#include <stddef.h>

#include "record.h"

/* True when service is a name a scope may hold; else an error naming it. */
bool services_name_ok(const char *service, char *err, size_t errlen);

/* Adds a PAM service name to the scope; a bad, repeated or extra name is
 * an error. */
bool services_add(struct key_record *rec, const char *service, char *err,
		  size_t errlen);

/* Removes a service from the scope; an error if it is not there. */
bool services_remove(struct key_record *rec, const char *service, char *err,
		     size_t errlen);

/* The scope as text: "any", or the names separated by ", ". */
void services_text(const struct key_record *rec, char *out, size_t outlen);

/* The host groups of a central key (apikeyctl --central create and edit
 * --host-group): the same rules, for host group names. */
bool host_groups_add(struct key_record *rec, const char *group, char *err,
		     size_t errlen);
bool host_groups_remove(struct key_record *rec, const char *group, char *err,
			size_t errlen);

/* The host groups as text: "every host", or the names. */
void host_groups_text(const struct key_record *rec, char *out, size_t outlen);

#endif
