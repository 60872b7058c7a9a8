/* SPDX-License-Identifier: BSD-2-Clause */
#include "deadline.h"

#include <errno.h>
#include <poll.h>
#include <time.h>

long long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool fd_ready(int fd, short events, long long deadline)
{
	for (;;) {
		struct pollfd pfd = {fd, events, 0};
		long long left = deadline - monotonic_ms();
		int ready;

		if (left <= 0)
			return false;
		ready = poll(&pfd, 1, (int)left);
		if (ready > 0)
			return true;
		if (ready == 0 || errno != EINTR)
			return false;
	}
}
