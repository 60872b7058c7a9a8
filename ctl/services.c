/* SPDX-License-Identifier: BSD-2-Clause */
#include "services.h"

#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "protocol.h"

/* A key's list of names: its service scope or its host groups. */
struct name_list {
	char *names; /* count entries of width bytes */
	size_t *count, max, width;
	const char *what; /* "the key's scope", "the key's host groups" */
	const char *noun; /* "a key's scope names", "services" */
	const char *plural;
};

static char *entry(const struct name_list *l, size_t i)
{
	return l->names + i * l->width;
}

static bool list_add(const struct name_list *l, const char *name, char *err,
		     size_t errlen)
{
	for (size_t i = 0; i < *l->count; i++)
		if (strcmp(entry(l, i), name) == 0) {
			snprintf(err, errlen, "%s is already in %s", name,
				 l->what);
			return false;
		}
	if (*l->count == l->max) {
		snprintf(err, errlen, "%s at most %zu %s", l->noun, l->max,
			 l->plural);
		return false;
	}
	snprintf(entry(l, (*l->count)++), l->width, "%s", name);
	return true;
}

static bool list_remove(const struct name_list *l, const char *name, char *err,
			size_t errlen)
{
	size_t kept = 0;

	for (size_t i = 0; i < *l->count; i++)
		if (strcmp(entry(l, i), name) != 0)
			memmove(entry(l, kept++), entry(l, i), l->width);
	if (kept == *l->count) {
		snprintf(err, errlen, "%s is not in %s", name, l->what);
		return false;
	}
	*l->count = kept;
	return true;
}

static struct name_list scope_of(struct key_record *rec)
{
	return (struct name_list){rec->services[0],  &rec->service_count,
				  SERVICES_MAX,	     sizeof rec->services[0],
				  "the key's scope", "a key's scope names",
				  "services"};
}

static struct name_list groups_of(struct key_record *rec)
{
	return (struct name_list){rec->host_groups[0],
				  &rec->host_group_count,
				  HOST_GROUPS_MAX,
				  sizeof rec->host_groups[0],
				  "the key's host groups",
				  "a key names",
				  "host groups"};
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
	struct name_list l = scope_of(rec);

	return services_name_ok(service, err, errlen) &&
	       list_add(&l, service, err, errlen);
}

bool services_remove(struct key_record *rec, const char *service, char *err,
		     size_t errlen)
{
	struct name_list l = scope_of(rec);

	return list_remove(&l, service, err, errlen);
}

bool host_groups_add(struct key_record *rec, const char *group, char *err,
		     size_t errlen)
{
	struct name_list l = groups_of(rec);

	if (!host_group_valid(group)) {
		snprintf(err, errlen,
			 "'%s' is not a host group name (1 to %d lowercase "
			 "letters, digits, '.', '_' or '-')",
			 group, HOST_GROUP_MAX_LEN);
		return false;
	}
	return list_add(&l, group, err, errlen);
}

bool host_groups_remove(struct key_record *rec, const char *group, char *err,
			size_t errlen)
{
	struct name_list l = groups_of(rec);

	return list_remove(&l, group, err, errlen);
}

/* The names separated by ", ", or none_text. */
static void names_text(const char *names, size_t count, size_t width,
		       const char *none_text, char *out, size_t outlen)
{
	size_t used = 0;

	snprintf(out, outlen, "%s", count == 0 ? none_text : "");
	for (size_t i = 0; i < count && used < outlen; i++)
		used += (size_t)snprintf(out + used, outlen - used, "%s%s",
					 i == 0 ? "" : ", ", names + i * width);
}

void host_groups_text(const struct key_record *rec, char *out, size_t outlen)
{
	names_text(rec->host_groups[0], rec->host_group_count,
		   sizeof rec->host_groups[0], "every host", out, outlen);
}

void services_text(const struct key_record *rec, char *out, size_t outlen)
{
	names_text(rec->services[0], rec->service_count,
		   sizeof rec->services[0], "any", out, outlen);
}
