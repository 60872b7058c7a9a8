/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * apikeyctl --central: every command against the central PostgreSQL store.
 *
 * A command runs unchanged on a view of the central store: a store in
 * memory loaded from one snapshot of it (keys, lists, host groups, the
 * verifier group's services, and the usage the hosts reported).  When the
 * command commits, what it changed in the view is written to the central
 * store in one transaction that takes the next revision and notifies the
 * agents; it fails, changing nothing, when another change was committed
 * since the snapshot was read.  So there is one copy of each command's
 * rules, whichever store it runs on.
 */
#ifndef APIKEY_CTL_CENTRAL_H
#define APIKEY_CTL_CENTRAL_H

#include "ctl.h"

/* The view of the central store ctl->central names, or exits with the
 * reason. */
struct store *ctl_central_view(const struct ctl *ctl);

/* init: creates or migrates the central schema, and records the fleet's
 * pepper (made here when missing and the central store holds no key). */
void ctl_central_init(const struct ctl *ctl);

/* The pepper loaded here must be the fleet's (exits with the reason). */
void ctl_central_pepper_check(const struct ctl *ctl,
			      const unsigned char pepper[PEPPER_LEN]);

#endif
