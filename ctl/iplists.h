/* SPDX-License-Identifier: BSD-2-Clause */
/* Editing a key's IP allow and deny lists (apikeyctl create and edit). */
#ifndef APIKEY_IPLISTS_H
#define APIKEY_IPLISTS_H

#include <stdbool.h>
#include <stddef.h>

#include "record.h"

/* Adds text (address or CIDR, parsed strictly) to a list, enabled.  An
 * entry already in that list is an error. */
bool rules_add(struct key_record *rec, enum ip_list list, const char *text,
	       char *err, size_t errlen);

/* Removes the entries equal to text (after normalisation) from either
 * list; an error if there is none. */
bool rules_remove(struct key_record *rec, const char *text, char *err,
		  size_t errlen);

/* Switches the entries equal to text on or off in either list; an error if
 * there is none. */
bool rules_set_enabled(struct key_record *rec, const char *text, bool enabled,
		       char *err, size_t errlen);

const char *list_name(enum ip_list list);

#endif
