/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Issuing a new key (apikeyctl create and rotate): generate, hash, save in
 * one transaction with an optional .pak file, and show the key once.
 */
#include <err.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "json.h"
#include "pak.h"
#include "secret.h"

static bool save_pak(int fd, const struct issue *is,
		     const struct key_record *rec, const char *key)
{
	char expires[ISO_TIME_LEN] = "never";
	const struct pak_fields f = {rec->id, rec->user,      rec->name,
				     expires, is->save_hosts, key};

	if (rec->expires_at != 0)
		iso_time(rec->expires_at, expires);
	return pak_write(fd, &f);
}

/*
 * Saves rec in one transaction, after step (the caller's checks and
 * changes, inside the same transaction).  The .pak file (if any) is written
 * before the commit; on any failure the caller removes it: both or neither.
 */
static bool save_key(struct store *s, const struct issue *is,
		     struct key_record *rec, const char *key,
		     const unsigned char hash[KEY_HASH_LEN], int pak_fd,
		     char *err, size_t errlen)
{
	bool ok = false;

	if (store_begin(s) != STORE_OK)
		snprintf(err, errlen, "%s", store_error(s));
	else if (is->step(s, rec, is->ctx, err, errlen)) {
		if (store_insert(s, rec, hash) != STORE_OK)
			snprintf(err, errlen, "%s", store_error(s));
		else if (pak_fd >= 0 && !save_pak(pak_fd, is, rec, key))
			snprintf(err, errlen, "cannot write %s", is->save);
		else if (store_commit(s) != STORE_OK)
			snprintf(err, errlen, "%s", store_error(s));
		else
			ok = true;
	}
	if (!ok)
		store_rollback(s);
	return ok;
}

bool ctl_issue_option(const struct ctl *ctl, struct issue *is, int opt,
		      const char *arg)
{
	switch (opt) {
	case 's': is->save = arg; return true;
	case 'q': is->quiet = true; return true;
	case 'j': is->json = true; return true;
	case 'H':
		if (!pak_hosts_valid(arg))
			ctl_usage(ctl,
				  "bad --save-hosts '%s' (want host name or "
				  "address glob patterns, separated by commas)",
				  arg);
		is->save_hosts = arg;
		return true;
	default: return false;
	}
}

void ctl_issue_options_done(const struct ctl *ctl, const struct issue *is)
{
	if (is->quiet && is->json)
		ctl_usage(ctl, "--quiet and --json exclude each other");
	if (is->save_hosts != NULL && is->save == NULL)
		ctl_usage(ctl, "--save-hosts goes with --save FILE");
}

static void announce(const struct issue *is, const struct key_record *rec,
		     const char *key)
{
	if (is->json) {
		print_key_json(stdout, rec, key);
		fputc('\n', stdout);
	} else {
		printf("%s\n", key);
	}
	if (is->quiet)
		return;
	fprintf(stderr,
		"apikeyctl: %s key '%s' (id %s) for user %s.\n"
		"apikeyctl: this is the only time the key is shown; it cannot "
		"be retrieved later.\n",
		is->verb, rec->name, rec->id, rec->user);
	if (is->save != NULL)
		fprintf(stderr, "apikeyctl: key saved to %s (mode 0600)\n",
			is->save);
}

void ctl_issue_key(const struct ctl *ctl, const struct issue *is,
		   struct key_record *rec)
{
	unsigned char pepper[PEPPER_LEN], hash[KEY_HASH_LEN];
	char key[KEY_LEN + 1], err[512];
	struct parsed_key parts;
	struct store *s;
	int pak_fd = -1;
	bool saved;

	ctl_load_pepper(ctl, pepper);
	s = ctl_open_store(ctl, STORE_WRITE);
	if (is->save != NULL &&
	    (pak_fd = pak_create(is->save, err, sizeof err)) < 0)
		errx(EXIT_REFUSED, "--save: %s", err);
	key_generate(key, &parts);
	memcpy(rec->id, parts.id, sizeof rec->id);
	key_hash(pepper, parts.id, parts.secret, hash);
	secret_wipe(pepper, sizeof pepper);
	secret_wipe(&parts, sizeof parts);
	saved = save_key(s, is, rec, key, hash, pak_fd, err, sizeof err);
	if (pak_fd >= 0) {
		close(pak_fd);
		if (!saved)
			unlink(is->save);
	}
	store_close(s);
	if (!saved) {
		secret_wipe(key, sizeof key);
		errx(EXIT_REFUSED, "no key was %s: %s", is->verb, err);
	}
	announce(is, rec, key);
	secret_wipe(key, sizeof key);
}
