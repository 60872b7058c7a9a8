#!/bin/bash
# The C sources follow .clang-format (run 'make format' to fix).
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1
for f in helper/*.[ch] pam_apikey/*.[ch] tests/unit/*.[ch] tests/pam/*.c; do
	if clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		ok "$f follows .clang-format"
	else
		not_ok "$f follows .clang-format" "run 'make format'"
	fi
done
