/* SPDX-License-Identifier: BSD-2-Clause */
/* The store's SQL schema, embedded from the schema/ folder at build time. */
#ifndef APIKEY_SCHEMA_H
#define APIKEY_SCHEMA_H

/* schema_migrations[i] moves a store from user_version i to i + 1. */
extern const char *const schema_migrations[];
extern const int schema_version;

#endif
