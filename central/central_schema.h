/* SPDX-License-Identifier: BSD-2-Clause */
/* The central store's SQL schema, embedded from schema/central/ at build
 * time. */
#ifndef APIKEY_CENTRAL_SCHEMA_H
#define APIKEY_CENTRAL_SCHEMA_H

/* central_schema_migrations[i] moves the central store from version i to i + 1.
 */
extern const char *const central_schema_migrations[];
extern const int central_schema_version;

#endif
