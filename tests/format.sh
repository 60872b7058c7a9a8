#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Every C file of the project -- programs, tests, fuzzers, bench -- follows
# .clang-format.  With --fix it formats them instead (make format).
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1
files=$(find . -name '*.[ch]' -not -path './build*' -not -path './.git/*' \
	-not -path './debian/*' | sed 's|^\./||' | sort)
if [ "${1-}" = --fix ]; then
	# shellcheck disable=SC2086
	exec clang-format -i $files
fi
check "the format check finds the C files (tests and bench too)" \
	grep -q '^bench/genkeys.c$' <<<"$files"
for f in $files; do
	if clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		ok "$f follows .clang-format"
	else
		not_ok "$f follows .clang-format" "run 'make format'"
	fi
done
