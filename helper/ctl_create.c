/* apikeyctl create: a new key, shown once. */
#include <err.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "pak.h"
#include "rules.h"
#include "secret.h"

#define DEFAULT_LIFETIME (90 * 86400)

struct create_args {
	const char *user, *name, *description, *expires, *save;
	bool never_expire, quiet, json;
	/* rules are checked and collected as the options come */
	struct key_record rec;
};

static void add_rule(struct create_args *a, enum ip_list list, const char *text)
{
	char err[256];

	if (!rules_add(&a->rec, list, text, err, sizeof err))
		errx(EXIT_REFUSED, "--%s: %s", list_name(list), err);
}

static void parse_create(struct ctl *ctl, int argc, char **argv,
			 struct create_args *a)
{
	static const struct option options[] = {
	    COMMON_OPTIONS,
	    {"name", required_argument, NULL, 'n'},
	    {"description", required_argument, NULL, 'd'},
	    {"expires", required_argument, NULL, 'e'},
	    {"never-expire", no_argument, NULL, 'N'},
	    {"allow", required_argument, NULL, 'a'},
	    {"deny", required_argument, NULL, 'x'},
	    {"save", required_argument, NULL, 's'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"json", no_argument, NULL, 'j'},
	    {0}};
	int opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'n': a->name = optarg; break;
		case 'd': a->description = optarg; break;
		case 'e': a->expires = optarg; break;
		case 'N': a->never_expire = true; break;
		case 'a': add_rule(a, LIST_ALLOW, optarg); break;
		case 'x': add_rule(a, LIST_DENY, optarg); break;
		case 's': a->save = optarg; break;
		case 'q': a->quiet = true; break;
		case 'j': a->json = true; break;
		default: ctl_common_option(ctl, opt, optarg);
		}
	}
	if (optind != argc - 1)
		ctl_usage(ctl, "give exactly one USER");
	a->user = argv[optind];
	if (a->name == NULL)
		ctl_usage(ctl, "--name is required");
	if (a->expires != NULL && a->never_expire)
		ctl_usage(ctl,
			  "--expires and --never-expire exclude each other");
	if (a->quiet && a->json)
		ctl_usage(ctl, "--quiet and --json exclude each other");
}

/* Everything about the new key but its id and secret. */
static void fill_record(struct create_args *a, time_t now)
{
	struct key_record *rec = &a->rec;
	struct passwd *pw;

	ctl_check_name(a->name);
	ctl_check_description(a->description != NULL ? a->description : "");
	pw = getpwnam(a->user);
	if (pw == NULL)
		errx(EXIT_REFUSED, "user '%s' does not exist", a->user);
	snprintf(rec->user, sizeof rec->user, "%s", pw->pw_name);
	rec->uid = pw->pw_uid;
	snprintf(rec->name, sizeof rec->name, "%s", a->name);
	snprintf(rec->description, sizeof rec->description, "%s",
		 a->description != NULL ? a->description : "");
	rec->created_at = now;
	if (a->never_expire)
		rec->expires_at = 0;
	else if (a->expires != NULL)
		rec->expires_at = ctl_expiry(a->expires, now);
	else
		rec->expires_at = now + DEFAULT_LIFETIME;
}

/* Inside the transaction, so the name cannot be taken in between. */
static bool name_free(struct store *s, const struct key_record *rec, char *err,
		      size_t errlen)
{
	static struct key_record existing;
	char ref[sizeof rec->user + sizeof rec->name + 1];
	enum store_result found;

	snprintf(ref, sizeof ref, "%s/%s", rec->user, rec->name);
	found = store_find(s, ref, &existing);
	if (found == STORE_OK)
		snprintf(err, errlen, "user '%s' already has a key named '%s'",
			 rec->user, rec->name);
	else if (found != STORE_NOT_FOUND)
		snprintf(err, errlen, "%s", store_error(s));
	return found == STORE_NOT_FOUND;
}

/*
 * Inserts the key in one transaction.  The .pak file (if any) is written
 * before the commit; on any failure the caller removes it: both or neither.
 */
static bool save_key(struct store *s, const struct create_args *a,
		     const char *key, const unsigned char hash[KEY_HASH_LEN],
		     int pak_fd, char *err, size_t errlen)
{
	if (store_begin(s) != STORE_OK)
		snprintf(err, errlen, "%s", store_error(s));
	else if (!name_free(s, &a->rec, err, errlen))
		;
	else if (store_insert(s, &a->rec, hash) != STORE_OK)
		snprintf(err, errlen, "%s", store_error(s));
	else if (pak_fd >= 0 && !pak_write(pak_fd, key, &a->rec))
		snprintf(err, errlen, "cannot write %s", a->save);
	else if (store_commit(s) != STORE_OK)
		snprintf(err, errlen, "%s", store_error(s));
	else
		return true;
	store_rollback(s);
	return false;
}

static void announce(const struct create_args *a, const char *key)
{
	if (a->json) {
		print_key_json(stdout, &a->rec, key);
		fputc('\n', stdout);
	} else {
		printf("%s\n", key);
	}
	if (a->quiet)
		return;
	fprintf(stderr,
		"apikeyctl: created key '%s' (id %s) for user %s.\n"
		"apikeyctl: this is the only time the key is shown; it cannot "
		"be retrieved later.\n",
		a->rec.name, a->rec.id, a->rec.user);
	if (a->save != NULL)
		fprintf(stderr, "apikeyctl: key saved to %s (mode 0600)\n",
			a->save);
}

int ctl_create(struct ctl *ctl, int argc, char **argv)
{
	static struct create_args a;
	unsigned char pepper[PEPPER_LEN], hash[KEY_HASH_LEN];
	char key[KEY_LEN + 1], err[512];
	struct parsed_key parts;
	struct store *s;
	int pak_fd = -1;
	bool saved;

	parse_create(ctl, argc, argv, &a);
	fill_record(&a, time(NULL));
	ctl_initialise(ctl, true);
	ctl_load_pepper(ctl, pepper);
	s = ctl_open_store(ctl, STORE_WRITE);
	if (a.save != NULL &&
	    (pak_fd = pak_create(a.save, err, sizeof err)) < 0)
		errx(EXIT_REFUSED, "--save: %s", err);
	key_generate(key, &parts);
	memcpy(a.rec.id, parts.id, sizeof a.rec.id);
	key_hash(pepper, parts.id, parts.secret, hash);
	secret_wipe(pepper, sizeof pepper);
	secret_wipe(&parts, sizeof parts);
	saved = save_key(s, &a, key, hash, pak_fd, err, sizeof err);
	if (pak_fd >= 0) {
		close(pak_fd);
		if (!saved)
			unlink(a.save);
	}
	store_close(s);
	if (!saved) {
		secret_wipe(key, sizeof key);
		errx(EXIT_REFUSED, "no key was created: %s", err);
	}
	announce(&a, key);
	secret_wipe(key, sizeof key);
	return 0;
}
