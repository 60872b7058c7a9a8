/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * apikey-askpass: an SSH_ASKPASS program for API keys.
 *
 *   APIKEY=pak1_... APIKEY_USER=alice [APIKEY_HOSTS='*.example.org'] \
 *       SSH_ASKPASS=apikey-askpass SSH_ASKPASS_REQUIRE=force \
 *       ssh alice@host ... </dev/null
 *   APIKEY_FILE=~/.config/ci.pak  ... (the same, from a .pak file, whose
 *                                      user: and hosts: fields say it)
 *
 * MUST rules kept here: the key goes only to a password prompt of ssh
 * that names the key's own user ("user@host's password: " or "(user@host)
 * Password: "), and, when a host list is given, only for a host that
 * matches one of its glob patterns.  Nothing else is answered: not a call
 * without a prompt, not a yes/no host-key question, not a jump host's
 * prompt for another account (ProxyJump) or for a host not listed.  A .pak
 * file must belong to the caller and be unreadable by group and others, as
 * ssh demands of private keys.  What is echoed of a prompt is quoted: a
 * server chooses the keyboard-interactive prompt text.
 *
 * OpenSSH before 8.4 shows a server's keyboard-interactive prompt as it is,
 * so a hostile server could word it as ssh's own password prompt: the
 * client needs OpenSSH 8.4 or later (the packages say so).
 */
#include <err.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyfmt.h"
#include "logquote.h"
#include "pak.h"

#define EXIT_FAIL	1
#define PROMPT_MAX	1024
#define PASSWORD_SUFFIX "'s password: "
#define TARGET_TEXT_MAX 512
#define PROMPT_HOST_CUT 128

/* The account and host a prompt asks for. */
struct target {
	char user[TARGET_TEXT_MAX];
	char host[TARGET_TEXT_MAX];
	bool cut; /* the host may be cut short */
};

/* "user@host" (n bytes) into t, split at the last '@' (a host name has
 * none); false when either part is empty or too long. */
static bool split_target(const char *text, size_t n, struct target *t)
{
	const char *at = memrchr(text, '@', n);
	size_t user_n, host_n;

	if (at == NULL)
		return false;
	user_n = (size_t)(at - text);
	host_n = n - user_n - 1;
	if (user_n == 0 || host_n == 0 || user_n >= sizeof t->user ||
	    host_n >= sizeof t->host)
		return false;
	memcpy(t->user, text, user_n);
	t->user[user_n] = '\0';
	memcpy(t->host, at + 1, host_n);
	t->host[host_n] = '\0';
	return true;
}

/* ssh's prompts: "user@host's password: " (password authentication) and
 * "(user@host) Password: " (keyboard-interactive, since OpenSSH 8.4; the
 * text after the parenthesis is the server's and must ask for a password
 * or key).  In the first, ssh cuts the user at 30 and the host at 128
 * characters (sshconnect2.c: "%.30s@%.128s"): t->cut says the host may
 * have been cut. */
static bool prompt_target(const char *prompt, struct target *t)
{
	size_t len = strlen(prompt), suffix = strlen(PASSWORD_SUFFIX);
	const char *close;

	t->cut = false;
	if (len > suffix &&
	    strcmp(prompt + len - suffix, PASSWORD_SUFFIX) == 0) {
		if (!split_target(prompt, len - suffix, t))
			return false;
		t->cut = strlen(t->host) >= PROMPT_HOST_CUT;
		return true;
	}
	if (prompt[0] != '(' || (close = strstr(prompt, ") ")) == NULL)
		return false;
	if (strstr(close, "assword") == NULL &&
	    strstr(close, "API key") == NULL)
		return false;
	return split_target(prompt + 1, (size_t)(close - prompt - 1), t);
}

/* True when host matches one of the comma- or space-separated glob
 * patterns (host names compare without regard to case). */
static bool host_listed(const char *hosts, const char *host)
{
	char copy[PAK_HOSTS_MAX + 1], *save = NULL;
	bool found = false;

	snprintf(copy, sizeof copy, "%s", hosts);
	for (char *p = strtok_r(copy, ", ", &save); p != NULL && !found;
	     p = strtok_r(NULL, ", ", &save))
		found = fnmatch(p, host, FNM_CASEFOLD) == 0;
	return found;
}

static void from_file(const char *path, struct pak *cred)
{
	char text[PAK_MAX_SIZE + 1];
	struct stat st;
	ssize_t len;
	int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		err(EXIT_FAIL, "cannot open %s", path);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		errx(EXIT_FAIL, "%s is not a regular file", path);
	if (st.st_uid != getuid())
		errx(EXIT_FAIL, "%s does not belong to you", path);
	if ((st.st_mode & 077) != 0)
		errx(EXIT_FAIL,
		     "%s is accessible by group or others (mode %04o); "
		     "run: chmod 600 %s",
		     path, (unsigned)(st.st_mode & 07777), path);
	len = read(fd, text, sizeof text);
	close(fd);
	if (len < 0 || len > PAK_MAX_SIZE ||
	    !pak_parse(text, (size_t)len, cred))
		errx(EXIT_FAIL,
		     "%s is not a valid .pak file (it needs key: and user:)",
		     path);
	explicit_bzero(text, sizeof text);
}

static void from_env(const char *key, struct pak *cred)
{
	const char *user = getenv("APIKEY_USER");
	const char *hosts = getenv("APIKEY_HOSTS");

	if (!key_parse(key, strlen(key), NULL))
		errx(EXIT_FAIL, "$APIKEY does not hold a valid API key");
	if (user == NULL || user[0] == '\0' ||
	    strlen(user) >= sizeof cred->user)
		errx(EXIT_FAIL, "set $APIKEY_USER to the account the key "
				"belongs to (the key goes only to its prompt)");
	if (hosts != NULL && hosts[0] != '\0' && !pak_hosts_valid(hosts))
		errx(EXIT_FAIL, "$APIKEY_HOSTS is not a list of host patterns");
	memcpy(cred->key, key, KEY_LEN + 1);
	snprintf(cred->user, sizeof cred->user, "%s", user);
	snprintf(cred->hosts, sizeof cred->hosts, "%s",
		 hosts != NULL ? hosts : "");
}

static void load_credential(struct pak *cred)
{
	const char *key = getenv("APIKEY"), *file = getenv("APIKEY_FILE");
	bool have_key = key != NULL && key[0] != '\0';
	bool have_file = file != NULL && file[0] != '\0';

	if (have_key && have_file)
		errx(EXIT_FAIL, "both $APIKEY and $APIKEY_FILE are set; "
				"unset one");
	if (have_key)
		from_env(key, cred);
	else if (have_file)
		from_file(file, cred);
	else
		errx(EXIT_FAIL, "set $APIKEY (with $APIKEY_USER) or "
				"$APIKEY_FILE");
}

/* Exits unless the prompt asks for the credential's user (and host). */
static void check_prompt(const char *prompt, const struct pak *cred)
{
	char quoted[LOG_QUOTED_SIZE(PROMPT_MAX)];
	struct target t;

	log_quote(prompt, quoted, sizeof quoted);
	if (strlen(prompt) > PROMPT_MAX || !prompt_target(prompt, &t))
		errx(EXIT_FAIL,
		     "not an ssh password prompt naming user@host; "
		     "not answering: %s",
		     quoted);
	if (strcmp(t.user, cred->user) != 0)
		errx(EXIT_FAIL,
		     "the prompt is for another account than the key's; not "
		     "answering: %s",
		     quoted);
	if (cred->hosts[0] != '\0' &&
	    (t.cut || !host_listed(cred->hosts, t.host)))
		errx(EXIT_FAIL,
		     "the prompt's host is not in the key's host list; not "
		     "answering: %s",
		     quoted);
}

int main(int argc, char **argv)
{
	static struct pak cred;

	if (argc != 2)
		errx(EXIT_FAIL, "no prompt given; not answering");
	load_credential(&cred);
	check_prompt(argv[1], &cred);
	if (printf("%s\n", cred.key) < 0 || fflush(stdout) != 0)
		err(EXIT_FAIL, "writing the key");
	explicit_bzero(&cred, sizeof cred);
	return 0;
}
