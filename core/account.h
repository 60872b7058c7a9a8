/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The user database (NSS), asked so that an account that does not exist
 * and a lookup that failed (out of descriptors, an LDAP server away) are
 * told apart: the first is an answer, the second a system error, never a
 * refusal that looks like one.
 */
#ifndef APIKEY_ACCOUNT_H
#define APIKEY_ACCOUNT_H

#include <stddef.h>
#include <sys/types.h>

enum lookup { LOOKUP_FOUND, LOOKUP_NONE, LOOKUP_FAILED };

/* The uid of the account named user. */
enum lookup account_uid(const char *user, uid_t *uid);

/* The name of uid's account, into name (cap bytes; a longer one fails). */
enum lookup account_name(uid_t uid, char *name, size_t cap);

#endif
