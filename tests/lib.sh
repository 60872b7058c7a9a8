# SPDX-License-Identifier: BSD-2-Clause
# Shared by the shell tests: each check prints "ok - NAME" or
# "not ok - NAME"; tests/run.sh counts them.
# shellcheck shell=sh

# the repository, found from this file (not from the calling script)
TOP=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)
BUILD=${APIKEY_BUILD:-$TOP/build}

ok() { echo "ok - $1"; }
not_ok() {
	echo "not ok - $1"
	if [ -n "${2-}" ]; then printf '%s\n' "$2" | sed 's/^/#   /'; fi
}

# check NAME COMMAND...: passes when the command succeeds
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name" "command failed: $*"; fi
}

# refute NAME COMMAND...: passes when the command fails
refute() {
	name=$1
	shift
	if "$@"; then not_ok "$name" "command succeeded: $*"; else ok "$name"; fi
}

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2
actual:   $3"; fi
}

# expect_contains NAME NEEDLE HAYSTACK
expect_contains() {
	case $3 in
	*"$2"*) ok "$1" ;;
	*) not_ok "$1" "expected to contain: $2
actual: $3" ;;
	esac
}

# expect_lacks NAME NEEDLE HAYSTACK
expect_lacks() {
	case $3 in
	*"$2"*) not_ok "$1" "expected NOT to contain: $2
actual: $3" ;;
	*) ok "$1" ;;
	esac
}

# run_cmd COMMAND...: sets OUT (stdout), ERR (stderr), RC
run_cmd() {
	_out=$(mktemp) _err=$(mktemp)
	"$@" >"$_out" 2>"$_err"
	RC=$?
	OUT=$(cat "$_out")
	ERR=$(cat "$_err")
	rm -f "$_out" "$_err"
}

# A private directory, removed when the test script exits.
make_workdir() {
	WORK=$(mktemp -d /tmp/pam_apikey-test.XXXXXX) || exit 1
	[ -d "$WORK" ] || exit 1
	chmod 0755 "$WORK"
	trap 'cleanup_workdir' EXIT
}

cleanup_workdir() {
	if [ -n "${CLEANUP_HOOK-}" ]; then eval "$CLEANUP_HOOK"; fi
	rm -rf --one-file-system "$WORK"
}
