#!/bin/sh
# Runs every test: the C unit tests and each tests/*.sh script.  Each prints
# "ok - NAME" / "not ok - NAME" lines; a script that dies without saying so
# counts as a failure.  Ends with "N passed, N failed"; exit 1 on failure.
#
#   sh tests/run.sh [SCRIPT...]     (default: all)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

if [ "$(id -u)" != 0 ]; then
	echo "tests/run.sh: the tests need root (setuid helper, test users, namespaces)" >&2
	exit 1
fi

if [ $# -gt 0 ]; then
	suites="$*"
else
	suites="unit $(cd "$TOP/tests" && ls ./*.sh | sed 's|^\./||' | grep -v -x -e lib.sh -e run.sh -e install-deps.sh -e sandbox.sh -e demo.sh -e valgrind.sh)"
fi

for suite in $suites; do
	echo "# --- $suite"
	if [ "$suite" = unit ]; then
		"${APIKEY_BUILD:-$TOP/build}/unit-tests" >"$LOG" 2>&1
	else
		bash "$TOP/tests/$suite" >"$LOG" 2>&1
	fi
	rc=$?
	cat "$LOG"
	cat "$LOG" >>"$LOG.all"
	if [ $rc -ne 0 ] && ! grep -q '^not ok' "$LOG"; then
		echo "not ok - $suite exited with status $rc"
		echo "not ok - $suite exited with status $rc" >>"$LOG.all"
	fi
done

passed=$(grep -c '^ok - ' "$LOG.all")
failed=$(grep -c '^not ok - ' "$LOG.all")
if [ "$failed" -gt 0 ]; then
	echo "# failures:"
	grep '^not ok - ' "$LOG.all"
fi
rm -f "$LOG.all"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
