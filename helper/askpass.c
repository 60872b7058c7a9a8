/*
 * apikey-askpass: an SSH_ASKPASS program for API keys.
 *
 *   APIKEY=pak1_... SSH_ASKPASS=apikey-askpass SSH_ASKPASS_REQUIRE=force \
 *       ssh user@host ... </dev/null
 *   APIKEY_FILE=~/.config/ci.pak  ... (the same, from a .pak file)
 *
 * Prints the key for a password prompt and nothing for anything else (a
 * yes/no host-key question must never be answered with a key).  A .pak
 * file must belong to the caller and be unreadable by group and others,
 * as ssh demands of private keys.
 */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyfmt.h"
#include "pak.h"

#define EXIT_FAIL 1

/* ssh asks "user@host's password: " or "(user@host) Password: ". */
static int is_password_prompt(const char *prompt)
{
	return prompt == NULL || strstr(prompt, "assword") != NULL ||
	       strstr(prompt, "API key") != NULL;
}

static void key_from_file(const char *path, char key[KEY_LEN + 1])
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
	    !pak_parse_key(text, (size_t)len, key))
		errx(EXIT_FAIL, "%s is not a valid .pak file", path);
	explicit_bzero(text, sizeof text);
}

static void key_from_env(const char *value, char key[KEY_LEN + 1])
{
	size_t len = strlen(value);

	if (!key_parse(value, len, NULL))
		errx(EXIT_FAIL, "$APIKEY does not hold a valid API key");
	memcpy(key, value, KEY_LEN + 1);
}

int main(int argc, char **argv)
{
	const char *env = getenv("APIKEY"), *file = getenv("APIKEY_FILE");
	char key[KEY_LEN + 1];

	if (!is_password_prompt(argc > 1 ? argv[1] : NULL))
		errx(EXIT_FAIL, "not a password prompt; not answering: %s",
		     argv[1]);
	if (env != NULL && env[0] != '\0' && file != NULL && file[0] != '\0')
		errx(EXIT_FAIL, "both $APIKEY and $APIKEY_FILE are set; "
				"unset one");
	if (env != NULL && env[0] != '\0')
		key_from_env(env, key);
	else if (file != NULL && file[0] != '\0')
		key_from_file(file, key);
	else
		errx(EXIT_FAIL, "set $APIKEY or $APIKEY_FILE");
	if (printf("%s\n", key) < 0 || fflush(stdout) != 0)
		err(EXIT_FAIL, "writing the key");
	explicit_bzero(key, sizeof key);
	return 0;
}
