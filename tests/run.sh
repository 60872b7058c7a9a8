#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Runs every test: the C unit tests (as root, then again as an unprivileged
# user) and each tests/*.sh suite.  Each prints "ok - NAME" / "not ok -
# NAME" lines; a suite that dies without saying so, or says nothing at all,
# counts as a failure.  Ends with "N passed, N failed"; exit 1 on failure.
#
# The login suites (pam, ssh, http, central) run twice: through the helper, then
# with apikeyd serving the module (SUITE+apikeyd: APIKEY_TEST_DAEMON=1,
# their results named "apikeyd: ...").
#
#   sh tests/run.sh [SUITE...]     (default: all)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${APIKEY_BUILD:-$TOP/build}
LOG=$(mktemp)
ALL=$(mktemp)
UNPRIV=$(mktemp -d)
trap 'rm -rf "$LOG" "$ALL" "$UNPRIV"' EXIT

if [ "$(id -u)" != 0 ]; then
	echo "tests/run.sh: the tests need root (setuid helper, test users, namespaces)" >&2
	exit 1
fi

if [ $# -gt 0 ]; then
	suites="$*"
else
	suites="unit $(cd "$TOP/tests" && ls ./*.sh | sed 's|^\./||' |
		grep -v -x -e lib.sh -e run.sh -e install-deps.sh -e sandbox.sh \
			-e demo.sh -e valgrind.sh)"
	suites="$suites pam.sh+apikeyd ssh.sh+apikeyd http.sh+apikeyd central.sh+apikeyd"
fi

# the unit tests that need no root run as nobody too, from a copy nobody
# can reach (a checkout under /root cannot be)
unit_unprivileged() {
	chmod 0755 "$UNPRIV"
	cp "$BUILD/unit-tests" "$UNPRIV/unit-tests"
	(cd "$UNPRIV" && setpriv --reuid=nobody --regid=nogroup --clear-groups \
		./unit-tests) >"$UNPRIV/out" 2>&1
	status=$?
	sed 's/^\(not \)\{0,1\}ok - /&unprivileged: /' "$UNPRIV/out"
	return $status
}

for suite in $suites; do
	echo "# --- $suite"
	if [ "$suite" = unit ]; then
		{ "$BUILD/unit-tests"; r1=$?; unit_unprivileged; r2=$?; } >"$LOG" 2>&1
		rc=$((r1 + r2))
	elif [ "${suite%+apikeyd}" != "$suite" ]; then
		APIKEY_TEST_DAEMON=1 bash "$TOP/tests/${suite%+apikeyd}" >"$LOG.raw" 2>&1
		rc=$?
		sed 's/^\(not \)\{0,1\}ok - /&apikeyd: /' "$LOG.raw" >"$LOG"
		rm -f "$LOG.raw"
	else
		bash "$TOP/tests/$suite" >"$LOG" 2>&1
		rc=$?
	fi
	cat "$LOG"
	cat "$LOG" >>"$ALL"
	if ! grep -q '^\(not \)\{0,1\}ok - ' "$LOG"; then
		echo "not ok - $suite printed no result" | tee -a "$ALL"
	elif [ $rc -ne 0 ] && ! grep -q '^not ok' "$LOG"; then
		echo "not ok - $suite exited with status $rc" | tee -a "$ALL"
	fi
done

passed=$(grep -c '^ok - ' "$ALL")
failed=$(grep -c '^not ok - ' "$ALL")
if [ "$failed" -gt 0 ]; then
	echo "# failures:"
	grep '^not ok - ' "$ALL"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
