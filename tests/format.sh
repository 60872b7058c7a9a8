#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Every C file of the project -- programs, tests, fuzzers, bench -- follows
# .clang-format.  With --fix it formats them instead (make format).  It
# only ever touches the files git tracks in this repository.
set -u
. "$(dirname "$0")/lib.sh" || exit 1
cd "$TOP" && [ -f .clang-format ] && [ -f core/verify.c ] || {
	echo "format.sh: not in the pam_apikey repository ($TOP)" >&2
	exit 1
}
mapfile -t files < <(git ls-files -- '*.c' '*.h')
if [ "${#files[@]}" = 0 ]; then
	echo "format.sh: git lists no C files here" >&2
	exit 1
fi
if [ "${1-}" = --fix ]; then
	exec clang-format -i -- "${files[@]}"
fi
check "the format check covers tests and bench" grep -qx 'bench/genkeys.c' < <(printf '%s\n' "${files[@]}")
for f in "${files[@]}"; do
	if clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		ok "$f follows .clang-format"
	else
		not_ok "$f follows .clang-format" "run 'make format'"
	fi
done
