/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * apikey-sync: the agent of one host (README: Many hosts).  Root only, in
 * the foreground; the packages run it as a systemd service.
 */
#include <err.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "agent.h"
#include "safefile.h"
#include "secret.h"
#include "when.h"

static void usage(FILE *out, int status)
{
	fprintf(out,
		"usage: apikey-sync [--central CONNINFO] [--db PATH] "
		"[--pepper PATH]\n"
		"                   [--host-group NAME]... [--max-stale "
		"DURATION] [--once]\n"
		"                   [--log-stderr]\n"
		"CONNINFO is a libpq connection string, or the path of a "
		"central.conf\n(default %s).  Defaults: --db %s, --pepper %s, "
		"--max-stale 1h.\n",
		APIKEY_CENTRAL_CONF_PATH, APIKEY_DB_PATH, APIKEY_PEPPER_PATH);
	exit(status);
}

/* libpq reads PGHOST, PGSSLMODE, PGPASSFILE and more from the
 * environment: the agent's connection is central.conf's alone. */
static void clear_pg_environment(void)
{
	extern char **environ;
	bool again = true;

	while (again) {
		again = false;
		for (char **e = environ; e != NULL && *e != NULL; e++) {
			char name[128];
			size_t len = strcspn(*e, "=");

			if (strncmp(*e, "PG", 2) != 0 || len >= sizeof name)
				continue;
			memcpy(name, *e, len);
			name[len] = '\0';
			unsetenv(name);
			again = true;
			break;
		}
	}
}

static void on_signal(int sig)
{
	(void)sig;
	agent_stop = 1;
}

static void handle_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* The options; the central.conf (or connection string) read. */
static void parse(int argc, char **argv, struct agent_options *opt,
		  bool *log_stderr)
{
	static const struct option options[] = {
	    {"central", required_argument, NULL, 'C'},
	    {"db", required_argument, NULL, 'D'},
	    {"pepper", required_argument, NULL, 'P'},
	    {"host-group", required_argument, NULL, 'G'},
	    {"max-stale", required_argument, NULL, 'M'},
	    {"once", no_argument, NULL, 'o'},
	    {"log-stderr", no_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {0}};
	const char *central = NULL, *max_stale = NULL;
	const char *groups[HOST_GROUPS_MAX];
	size_t group_count = 0;
	char err[700];
	int c;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'C': central = optarg; break;
		case 'D': opt->db = optarg; break;
		case 'P': opt->pepper = optarg; break;
		case 'G':
			if (group_count == HOST_GROUPS_MAX)
				errx(2, "more than %d --host-group",
				     HOST_GROUPS_MAX);
			groups[group_count++] = optarg;
			break;
		case 'M': max_stale = optarg; break;
		case 'o': opt->once = true; break;
		case 'l': *log_stderr = true; break;
		case 'h': usage(stdout, 0); break;
		default: usage(stderr, 2);
		}
	}
	if (optind != argc)
		errx(2, "unexpected argument '%s'", argv[optind]);
	if (!central_conf_load(central, &opt->conf, err, sizeof err))
		errx(1, "%s", err);
	for (size_t i = 0; i < group_count; i++)
		if (!central_conf_add_group(&opt->conf, groups[i], err,
					    sizeof err))
			errx(2, "--host-group: %s", err);
	if (max_stale != NULL &&
	    (!duration_parse(max_stale, &opt->conf.max_stale) ||
	     opt->conf.max_stale <= 0))
		errx(2, "bad --max-stale '%s' (want N with s, m, h, d or w)",
		     max_stale);
}

int main(int argc, char **argv)
{
	static struct agent_options opt = {.db = APIKEY_DB_PATH,
					   .pepper = APIKEY_PEPPER_PATH};
	bool log_stderr = false;

	if (!std_fds_open())
		return 1;
	if (getuid() != 0 || geteuid() != 0)
		errx(1, "must be run as root");
	umask(077);
	clear_pg_environment();
	parse(argc, argv, &opt, &log_stderr);
	if (!secret_init())
		errx(1, "libsodium could not start");
	openlog("apikey-sync", LOG_PID | (log_stderr ? LOG_PERROR : 0),
		LOG_AUTHPRIV);
	handle_signals();
	return agent_run(&opt);
}
