/*
 * apikeyctl: the administrator's command.  Root only; it shares the store,
 * key format and policy code with apikey-helper.
 */
#include "ctl.h"

#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "safefile.h"
#include "secret.h"
#include "text.h"
#include "when.h"

struct command {
	const char *name;
	int (*run)(struct ctl *ctl, int argc, char **argv);
	const char *usage;
};

static const struct command COMMANDS[] = {
    {"init", ctl_init, "init"},
    {"create", ctl_create,
     "create USER --name NAME [--description TEXT]\n"
     "                 [--expires WHEN | --never-expire]\n"
     "                 [--allow CIDR]... [--deny CIDR]...\n"
     "                 [--save FILE [--save-hosts PATTERNS]] [--quiet] "
     "[--json]"},
    {"list", ctl_list, "list [USER] [--json]"},
    {"show", ctl_show, "show REF [--json]"},
    {"edit", ctl_edit,
     "edit REF [--name NAME] [--description TEXT]\n"
     "                 [--expires WHEN | --never-expire]\n"
     "                 [--allow CIDR]... [--deny CIDR]... [--remove CIDR]...\n"
     "                 [--disable CIDR]... [--enable CIDR]..."},
    {"delete", ctl_delete, "delete REF [--yes]"},
    {"rotate", ctl_rotate,
     "rotate REF [--grace DURATION] [--save FILE [--save-hosts PATTERNS]]\n"
     "                 [--quiet] [--json]"},
    {"verify", ctl_verify,
     "verify USER [--rhost ADDR] [--service NAME]  (key on stdin)"},
};

#define COMMAND_COUNT (sizeof COMMANDS / sizeof COMMANDS[0])

static void print_usage(FILE *out, const char *only)
{
	fprintf(out, "usage:\n");
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		if (only == NULL || strcmp(only, COMMANDS[i].name) == 0)
			fprintf(out, "  apikeyctl %s\n", COMMANDS[i].usage);
	fprintf(out,
		"REF is a key id (as 'list' prints it) or USER/NAME.\n"
		"WHEN is YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS]Z, +Nd, +Nh or +Nw.\n"
		"DURATION is 0 or N with s, m, h, d or w (default 24h).\n"
		"Every command takes --db PATH and --pepper PATH (default %s "
		"and %s).\n",
		APIKEY_DB_PATH, APIKEY_PEPPER_PATH);
}

noreturn void ctl_usage(const struct ctl *ctl, const char *problem, ...)
{
	va_list ap;

	if (problem != NULL) {
		fprintf(stderr, "apikeyctl: ");
		if (ctl->command != NULL)
			fprintf(stderr, "%s: ", ctl->command);
		va_start(ap, problem);
		vfprintf(stderr, problem, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	print_usage(stderr, ctl->command);
	exit(EXIT_USAGE);
}

bool ctl_common_option(struct ctl *ctl, int opt, const char *arg)
{
	switch (opt) {
	case 'D': ctl->db = arg; return true;
	case 'P': ctl->pepper = arg; return true;
	case 'h': print_usage(stdout, ctl->command); exit(0);
	case '?': ctl_usage(ctl, NULL);
	default: return false;
	}
}

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

static void create_pepper(const struct ctl *ctl, bool quiet)
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

	if (!pepper_exists(ctl->pepper))
		create_pepper(ctl, quiet);
	ctl_load_pepper(ctl, pepper);
	secret_wipe(pepper, sizeof pepper);
	s = store_open(ctl->db, STORE_CREATE, err, sizeof err);
	if (s == NULL)
		errx(EXIT_REFUSED, "%s", err);
	store_close(s);
}

struct store *ctl_open_store(const struct ctl *ctl, enum store_mode mode)
{
	char err[512];
	struct store *s = store_open(ctl->db, mode, err, sizeof err);

	if (s == NULL)
		errx(EXIT_REFUSED, "%s", err);
	return s;
}

void ctl_load_pepper(const struct ctl *ctl, unsigned char pepper[PEPPER_LEN])
{
	char err[512];

	if (!pepper_load(ctl->pepper, pepper, err, sizeof err))
		errx(EXIT_REFUSED, "%s", err);
}

static bool ref_valid(const char *ref)
{
	const char *slash = strchr(ref, '/');

	if (slash != NULL)
		return slash != ref && slash[1] != '\0';
	return strlen(ref) == KEY_ID_LEN && base62_string(ref, KEY_ID_LEN);
}

void ctl_find(const struct ctl *ctl, struct store *s, const char *ref,
	      struct key_record *rec)
{
	enum store_result found;

	if (!ref_valid(ref))
		ctl_usage(ctl, "bad REF '%s' (want a key id or USER/NAME)",
			  ref);
	found = store_find(s, ref, rec);
	if (found == STORE_NOT_FOUND)
		errx(EXIT_REFUSED, "no key matches '%s'", ref);
	if (found != STORE_OK)
		ctl_store_failed(s, "reading key");
}

noreturn void ctl_store_failed(struct store *s, const char *what)
{
	char message[600];

	snprintf(message, sizeof message, "%s", store_error(s));
	store_rollback(s);
	errx(EXIT_REFUSED, "%s failed, nothing changed: %s", what, message);
}

bool ctl_meta_option(const struct ctl *ctl, struct key_meta *meta, int opt,
		     const char *arg)
{
	switch (opt) {
	case 'n': meta->name = arg; break;
	case 'd': meta->description = arg; break;
	case 'e': meta->expires = arg; break;
	case 'N': meta->never_expire = true; break;
	default: return false;
	}
	if (meta->expires != NULL && meta->never_expire)
		ctl_usage(ctl,
			  "--expires and --never-expire exclude each other");
	return true;
}

static void check_text(const char *what, const char *text, size_t max_chars,
		       bool allow_newlines, bool allow_empty)
{
	char err[256];

	if (!text_valid(what, text, max_chars, allow_newlines, allow_empty, err,
			sizeof err))
		errx(EXIT_REFUSED, "%s", err);
}

void ctl_apply_meta(const struct key_meta *meta, struct key_record *rec,
		    time_t now)
{
	char err[256];

	if (meta->name != NULL) {
		check_text("name", meta->name, NAME_MAX_CHARS, false, false);
		snprintf(rec->name, sizeof rec->name, "%s", meta->name);
	}
	if (meta->description != NULL) {
		check_text("description", meta->description, DESC_MAX_CHARS,
			   true, true);
		snprintf(rec->description, sizeof rec->description, "%s",
			 meta->description);
	}
	if (meta->never_expire)
		rec->expires_at = 0;
	else if (meta->expires != NULL &&
		 !when_parse(meta->expires, now, &rec->expires_at, err,
			     sizeof err))
		errx(EXIT_REFUSED, "%s", err);
}

int ctl_init(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {COMMON_OPTIONS, {0}};
	int opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1)
		ctl_common_option(ctl, opt, optarg);
	if (optind != argc)
		ctl_usage(ctl, "unexpected argument '%s'", argv[optind]);
	ctl_initialise(ctl, false);
	printf("store %s and pepper %s are ready\n", ctl->db, ctl->pepper);
	return 0;
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		if (strcmp(name, COMMANDS[i].name) == 0)
			return &COMMANDS[i];
	return NULL;
}

/* --db and --pepper may also come before the command; returns the index
 * of the command word. */
static int leading_options(struct ctl *ctl, int argc, char **argv)
{
	int i = 1;

	while (i < argc) {
		const char **target = strcmp(argv[i], "--db") == 0 ? &ctl->db
				      : strcmp(argv[i], "--pepper") == 0
					  ? &ctl->pepper
					  : NULL;
		if (target == NULL)
			break;
		if (i + 1 == argc)
			ctl_usage(ctl, "%s needs a value", argv[i]);
		*target = argv[i + 1];
		i += 2;
	}
	return i;
}

int main(int argc, char **argv)
{
	struct ctl ctl = {NULL, APIKEY_DB_PATH, APIKEY_PEPPER_PATH};
	const struct command *command;
	int first = leading_options(&ctl, argc, argv);
	int status;

	if (first == argc)
		ctl_usage(&ctl, "no command given");
	if (strcmp(argv[first], "--help") == 0 ||
	    strcmp(argv[first], "-h") == 0) {
		print_usage(stdout, NULL);
		return 0;
	}
	command = find_command(argv[first]);
	if (command == NULL)
		ctl_usage(&ctl, "unknown command '%s'", argv[first]);
	ctl.command = command->name;
	if (getuid() != 0 || geteuid() != 0)
		errx(EXIT_REFUSED, "must be run as root");
	if (!secret_init())
		errx(EXIT_REFUSED, "libsodium could not start");
	umask(077);
	status = command->run(&ctl, argc - first, argv + first);
	if (fflush(stdout) != 0 || ferror(stdout))
		err(EXIT_REFUSED, "writing output");
	return status;
}
