/* SPDX-License-Identifier: BSD-2-Clause */
/* apikeyctl verify: what a login with this key would get, and why.
 * Records nothing: it is the troubleshooting tool. */
#include <err.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "secret.h"
#include "verify.h"

/* One line from stdin, without its newline; false if too long. */
static bool read_key_line(char *key, size_t keylen)
{
	size_t len;

	if (fgets(key, (int)keylen, stdin) == NULL)
		return false;
	len = strcspn(key, "\r\n");
	if (key[len] == '\0' && len == keylen - 1)
		return false;
	key[len] = '\0';
	return true;
}

static void parse_verify(struct ctl *ctl, int argc, char **argv,
			 struct request *req)
{
	static const struct option options[] = {
	    COMMON_OPTIONS,
	    {"rhost", required_argument, NULL, 'r'},
	    {"service", required_argument, NULL, 's'},
	    {0}};
	int opt;

	snprintf(req->service, sizeof req->service, "apikeyctl");
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		const char *value = optarg;
		if (opt == 'r' && strlen(value) < sizeof req->rhost)
			snprintf(req->rhost, sizeof req->rhost, "%s", value);
		else if (opt == 's' && strlen(value) < sizeof req->service)
			snprintf(req->service, sizeof req->service, "%s",
				 value);
		else if (opt == 'r' || opt == 's')
			ctl_usage(ctl, "--%s is too long",
				  opt == 'r' ? "rhost" : "service");
		else
			ctl_common_option(ctl, opt, optarg);
	}
	if (argc - optind != 1 || strlen(argv[optind]) >= sizeof req->user)
		ctl_usage(ctl, "give exactly one USER");
	snprintf(req->user, sizeof req->user, "%s", argv[optind]);
	req->op = REQ_OP_AUTH;
}

int ctl_verify(struct ctl *ctl, int argc, char **argv)
{
	static struct request req;
	static struct verify_result res;
	unsigned char pepper[PEPPER_LEN];
	char line[KEY_LEN + 2];
	struct store *s;

	parse_verify(ctl, argc, argv, &req);
	if (isatty(STDIN_FILENO))
		fprintf(stderr, "API key: ");
	if (!read_key_line(line, sizeof line))
		errx(EXIT_REFUSED, "refused: no key, or a line too long to be "
				   "a key, on standard input");
	snprintf(req.key, sizeof req.key, "%s", line);
	secret_wipe(line, sizeof line);
	ctl_load_pepper(ctl, pepper);
	s = ctl_open_store(ctl, STORE_READ);
	verify_key(s, pepper, &req, SCOPE_ANY_USER, time(NULL), &res);
	secret_wipe(pepper, sizeof pepper);
	secret_wipe(&req.key, sizeof req.key);
	store_close(s);
	if (res.verdict == VERDICT_SYSTEM_ERROR)
		errx(EXIT_REFUSED, "error: %s", res.reason);
	if (res.secret_matched)
		printf("%s: key '%s' (id %s) of user %s: %s\n",
		       res.verdict == VERDICT_ACCEPT ? "accepted" : "refused",
		       res.rec.name, res.rec.id, res.rec.user, res.reason);
	else
		printf("refused: %s\n", res.reason);
	return res.verdict == VERDICT_ACCEPT ? 0 : EXIT_REFUSED;
}
