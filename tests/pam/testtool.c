/*
 * testtool: small things the shell tests cannot do themselves.
 *   testtool key ID SECRET          print the key string for id and secret
 *                                   (a well-formed key with a wrong secret)
 *   testtool noargv PROGRAM [VAR=VALUE]...
 *                                   exec PROGRAM with argc == 0 and only the
 *                                   given environment (pkexec CVE-2021-4034)
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "keyfmt.h"

int main(int argc, char **argv)
{
	char key[KEY_LEN + 1];

	if (argc == 4 && strcmp(argv[1], "key") == 0) {
		if (!key_assemble(argv[2], argv[3], key, sizeof key))
			return 1;
		puts(key);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "noargv") == 0) {
		char *empty[] = {NULL};
		execve(argv[2], empty, argv + 3);
		perror("execve");
		return 127;
	}
	fprintf(stderr,
		"usage: testtool key ID SECRET | noargv PROGRAM [ENV]...\n");
	return 2;
}
