/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * log-listen: binds a datagram socket at PATH (mode 0666) and appends each
 * message it receives, plus a newline, to FILE until killed.  The tests
 * bind it at /dev/log inside a private mount namespace to read what
 * pam_syslog and syslog write (these machines have no syslog daemon).
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char msg[8192];
	FILE *out;
	int fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof addr.sun_path) {
		fprintf(stderr, "usage: log-listen SOCKET FILE\n");
		return 2;
	}
	strcpy(addr.sun_path, argv[1]);
	unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	out = fopen(argv[2], "a");
	if (fd < 0 || out == NULL ||
	    bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
	    chmod(argv[1], 0666) != 0) {
		perror("log-listen");
		return 1;
	}
	for (;;) {
		ssize_t n = recv(fd, msg, sizeof msg - 1, 0);
		if (n < 0)
			continue;
		msg[n] = '\0';
		fprintf(out, "%s\n", msg);
		fflush(out);
	}
}
