/* SPDX-License-Identifier: BSD-2-Clause */
/* apikey-sync: the central keys' use on this host, reported to the central
 * store in batches (apikeyctl --central list shows the last use and its
 * host). */
#ifndef APIKEY_SYNC_REPORT_H
#define APIKEY_SYNC_REPORT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "store.h"

/* how often the agent reports */
#define REPORT_INTERVAL_MS 1000

/* Sends what the local store holds that was not reported yet, then marks
 * it reported; false (with err) when the central store did not take it
 * (it is sent again next time). */
bool report_usage(PGconn *pg, struct store *s, char *err, size_t errlen);

#endif
