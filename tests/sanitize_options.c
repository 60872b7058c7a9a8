/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Linked into the sanitized helper only (make check-sanitize).  The helper
 * clears its environment and makes itself non-dumpable, so ASAN_OPTIONS
 * cannot reach it and LeakSanitizer (which needs ptrace) cannot run there;
 * leaks are checked by the valgrind suite instead.
 */
const char *__asan_default_options(void);

const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}
