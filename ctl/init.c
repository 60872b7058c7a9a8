/* SPDX-License-Identifier: BSD-2-Clause */
/* apikeyctl init: the store and the pepper, made once, never replaced. */
#include <err.h>
#include <stdio.h>
#include <unistd.h>

#include "central.h"
#include "ctl.h"
#include "safefile.h"
#include "secret.h"

/* A store that holds keys without its pepper must not get a new pepper:
 * that would silently invalidate every key. */
static void refuse_new_pepper_for_old_keys(const struct ctl *ctl)
{
	char err[512];
	struct store *s = store_open(ctl->db, STORE_READ, err, sizeof err);
	long long count = s != NULL ? store_key_count(s) : 0;

	store_close(s);
	if (count > 0)
		errx(EXIT_REFUSED,
		     "pepper %s is missing but store %s holds %lld key(s): "
		     "restore the pepper from backup (a new one would "
		     "invalidate every key)",
		     ctl->pepper, ctl->db, count);
}

void ctl_create_pepper(const struct ctl *ctl, bool quiet)
{
	char dir[4096], base[256], err[512];
	int dirfd;

	if (!split_path(ctl->pepper, dir, sizeof dir, base, sizeof base))
		errx(EXIT_REFUSED, "bad pepper path '%s'", ctl->pepper);
	dirfd = open_safe_dir(dir, true, err, sizeof err);
	if (dirfd < 0)
		errx(EXIT_REFUSED, "%s", err);
	close(dirfd);
	refuse_new_pepper_for_old_keys(ctl);
	if (!pepper_create(ctl->pepper, err, sizeof err))
		errx(EXIT_REFUSED, "%s", err);
	if (!quiet)
		fprintf(stderr, "apikeyctl: created pepper %s\n", ctl->pepper);
}

void ctl_initialise(const struct ctl *ctl, bool quiet)
{
	unsigned char pepper[PEPPER_LEN];
	char err[512];
	struct store *s;

	if (ctl->central != NULL) {
		/* the fleet's pepper is copied here, never made for one key */
		ctl_load_pepper(ctl, pepper);
		secret_wipe(pepper, sizeof pepper);
		return;
	}
	if (!pepper_exists(ctl->pepper))
		ctl_create_pepper(ctl, quiet);
	ctl_load_pepper(ctl, pepper);
	secret_wipe(pepper, sizeof pepper);
	s = store_open(ctl->db, STORE_CREATE, err, sizeof err);
	if (s == NULL)
		errx(EXIT_REFUSED, "%s", err);
	store_close(s);
}

int ctl_init(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {COMMON_OPTIONS, {0}};
	int opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1)
		ctl_common_option(ctl, opt, optarg);
	if (optind != argc)
		ctl_usage(ctl, "unexpected argument '%s'", argv[optind]);
	if (ctl->central != NULL) {
		ctl_central_init(ctl);
		return 0;
	}
	ctl_initialise(ctl, false);
	printf("store %s and pepper %s are ready\n", ctl->db, ctl->pepper);
	return 0;
}
