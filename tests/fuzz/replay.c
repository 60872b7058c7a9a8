/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Replays fuzz inputs without libFuzzer: each file named on the command
 * line (the seed corpus and saved crash regressions) is fed once to the
 * target it is linked with.  Built with the normal compiler for make check.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	static uint8_t buf[1 << 20];

	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		size_t n;

		if (f == NULL) {
			perror(argv[i]);
			return 1;
		}
		n = fread(buf, 1, sizeof buf, f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
	}
	printf("replayed %d input(s)\n", argc - 1);
	return 0;
}
