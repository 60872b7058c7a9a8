/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * apikeyctl: the administrator's command.  Root only; it shares the store,
 * key format and policy code (core/) with apikey-helper.  This file reads
 * the command word and the options every command takes; each command has
 * a file of its own.
 */
#include "ctl.h"

#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"

int ctl_failure_status = EXIT_REFUSED;

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
     "                 [--allow CIDR]... [--deny CIDR]... [--service NAME]...\n"
     "                 [--host-group NAME]... [--uid UID]\n"
     "                 [--save FILE [--save-hosts PATTERNS]] [--quiet] "
     "[--json]"},
    {"list", ctl_list,
     "list [USER] [--expired | --expiring-within DURATION]\n"
     "                 [--unused-for DURATION] [--json]"},
    {"show", ctl_show, "show REF [--json]"},
    {"edit", ctl_edit,
     "edit REF [--name NAME] [--description TEXT]\n"
     "                 [--expires WHEN | --never-expire]\n"
     "                 [--allow CIDR]... [--deny CIDR]... [--remove CIDR]...\n"
     "                 [--disable CIDR]... [--enable CIDR]...\n"
     "                 [--service NAME]... [--remove-service NAME]...\n"
     "                 [--any-service]\n"
     "                 [--host-group NAME]... [--remove-host-group NAME]...\n"
     "                 [--all-hosts]"},
    {"delete", ctl_delete, "delete REF [--yes]"},
    {"rotate", ctl_rotate,
     "rotate REF [--grace DURATION] [--service NAME]...\n"
     "                 [--save FILE [--save-hosts PATTERNS]] [--quiet] "
     "[--json]"},
    {"prune", ctl_prune,
     "prune [--expired-for DURATION] [--unused-for DURATION] [--dry-run] "
     "[--yes]"},
    {"audit", ctl_audit, "audit [--json]"},
    {"verifier", ctl_verifier,
     "verifier [list [--json] | add SERVICE... | remove SERVICE...]"},
    {"verify", ctl_verify,
     "verify USER [--rhost ADDR] [--service NAME]  (the key on stdin)"},
};

#define COMMAND_COUNT (sizeof COMMANDS / sizeof COMMANDS[0])

static void print_usage(FILE *out, const char *only)
{
	fprintf(out, "usage:\n");
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		if (only == NULL || strcmp(only, COMMANDS[i].name) == 0)
			fprintf(out, "  apikeyctl %s\n", COMMANDS[i].usage);
	fprintf(
	    out,
	    "REF is a key id (as 'list' prints it) or USER/NAME.\n"
	    "WHEN is YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS]Z, +Nd, +Nh or +Nw.\n"
	    "DURATION is 0 or N with s, m, h, d or w (--grace: default 24h).\n"
	    "Every command takes --db PATH, --pepper PATH and --policy "
	    "PATH\n(default %s, %s and %s),\n"
	    "and --central CONNINFO (a libpq connection string, or the path "
	    "of a\ncentral.conf such as %s) to run on the central store.\n",
	    APIKEY_DB_PATH, APIKEY_PEPPER_PATH, APIKEY_POLICY_PATH,
	    APIKEY_CENTRAL_CONF_PATH);
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
	case 'Y': ctl->policy = arg; return true;
	case 'C': ctl->central = arg; return true;
	case 'h': print_usage(stdout, ctl->command); exit(0);
	case '?': ctl_usage(ctl, NULL);
	default: return false;
	}
}

bool ctl_json_options(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
	    COMMON_OPTIONS, {"json", no_argument, NULL, 'j'}, {0}};
	bool json = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (opt == 'j')
			json = true;
		else
			ctl_common_option(ctl, opt, optarg);
	}
	return json;
}

long long ctl_duration(const struct ctl *ctl, const char *option,
		       const char *text)
{
	long long seconds;

	if (!duration_parse(text, &seconds))
		ctl_usage(ctl, "bad %s '%s' (want 0 or N with s, m, h, d or w)",
			  option, text);
	return seconds;
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
		const char **target =
		    strcmp(argv[i], "--db") == 0	? &ctl->db
		    : strcmp(argv[i], "--pepper") == 0	? &ctl->pepper
		    : strcmp(argv[i], "--policy") == 0	? &ctl->policy
		    : strcmp(argv[i], "--central") == 0 ? &ctl->central
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
	struct ctl ctl = {NULL, APIKEY_DB_PATH, APIKEY_PEPPER_PATH,
			  APIKEY_POLICY_PATH, NULL};
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
		err(ctl_failure_status, "writing output");
	return status;
}
