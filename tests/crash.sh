#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# kill -9 apikeyctl at random moments during creates, edits and deletes:
# afterwards the store must pass integrity_check and every key must be
# whole (its row and all of its IP rules) or absent.
. "$(dirname "$0")/lib.sh"
make_workdir
DB=$WORK/lib/keys.db
CTL="$BUILD/apikeyctl --db $DB --pepper $WORK/etc/pepper"
ROUNDS=${CRASH_ROUNDS:-200}
$CTL init >/dev/null 2>&1

# sets ARGS to a random write: every key is created with 3 rules, and
# edits swap one rule for another
random_args() {
	n=$((RANDOM % 40))
	case $((RANDOM % 3)) in
	0) ARGS=(create root --name "k$n" --allow "192.0.2.$n" --allow "2001:db8::$n"
		--deny "10.$n.0.0/16" --quiet) ;;
	1) ARGS=(edit "root/k$n" --remove "10.$n.0.0/16" --deny "10.$n.1.0/24"
		--description "edited $RANDOM") ;;
	2) ARGS=(delete "root/k$n" --yes) ;;
	esac
}

# kill within the time one create takes here (slower under sanitizers)
t0=$(date +%s%N)
$CTL create root --name calibrate --allow 192.0.2.1 --allow 2001:db8::1 --deny 10.0.0.0/16 --quiet >/dev/null
span_us=$(( ($(date +%s%N) - t0) / 1000 ))
completed=0
for _ in $(seq "$ROUNDS"); do
	random_args
	# a simple command, so $! is apikeyctl itself and kill -9 reaches it
	$CTL "${ARGS[@]}" >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '0.%06d' $(( (RANDOM * 32768 + RANDOM) % span_us )))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ $? = 137 ] || completed=$((completed + 1))
done
echo "# $ROUNDS rounds, $completed finished before the kill"

expect_eq "store passes integrity_check after kill -9" ok "$(sqlite3 "$DB" 'PRAGMA integrity_check')"
expect_eq "no IP rule outlives its key" "" "$(sqlite3 "$DB" 'PRAGMA foreign_key_check')"
partial=$(sqlite3 "$DB" "SELECT k.name FROM keys k LEFT JOIN ip_rules r ON r.key_id = k.id GROUP BY k.id HAVING count(r.cidr) != 3")
expect_eq "every key has all of its rules (whole or absent)" "" "$partial"
expect_eq "every key has a full hash" 0 "$(sqlite3 "$DB" 'SELECT count(*) FROM keys WHERE length(hash) != 32')"
check "some operations were killed mid-way and some finished" test "$completed" -gt 0 -a "$completed" -lt "$ROUNDS"
key=$($CTL create root --name after-crash --quiet)
run_cmd $CTL verify root <<<"$key"
expect_eq "the store still works after the crashes" 0 "$RC"
