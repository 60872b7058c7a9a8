#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Torture: kill -9 at random moments during apikeyctl writes and during
# logins, then 8 login loops against concurrent create/edit/delete.  The
# store must stay whole, no deleted key may come back, every decision must
# be right, and nothing may fail with "database is locked".
. "$(dirname "$0")/sandbox.sh"
sandbox_enter "$@"
sandbox_setup
sandbox_user $ALICE
ROUNDS=${TORTURE_ROUNDS:-200}
SECONDS_LOOPS=${TORTURE_SECONDS:-20}
MOD="$BIN/pam_apikey.so helper=$BIN/apikey-helper nodelay"
service keyonly "auth required $MOD"
auth() { pam_auth keyonly "$1" "$2" --rhost 127.0.0.1; }

test_kill_during_writes_and_logins() {
	: >"$WORK/deleted"
	login_key=$($CTL create $ALICE --name steady --quiet 2>/dev/null)
	# kill within the time one create takes here
	t0=$(date +%s%N)
	$CTL create $ALICE --name calibrate --allow 192.0.2.1 --deny 10.0.0.0/16 --quiet >/dev/null 2>&1
	span_us=$(( ($(date +%s%N) - t0) / 1000 ))
	request A $ALICE 127.0.0.1 "$login_key" >"$WORK/login.req"
	for r in $(seq "$ROUNDS"); do
		n=$((RANDOM % 30))
		input=/dev/null
		case $((r % 4)) in
		0) cmd=($CTL create $ALICE --name "t$n" --allow "192.0.2.$n" --deny "10.$n.0.0/16" --quiet) ;;
		1) cmd=($CTL edit "$ALICE/t$n" --remove "10.$n.0.0/16" --deny "10.$n.0.0/16") ;;
		2) id=$($CTL show "$ALICE/t$n" --json 2>/dev/null | jq -r .id)
		   cmd=($CTL delete "${id:-none}" --yes) ;;
		3) cmd=("$BIN/apikey-helper"); input=$WORK/login.req ;;
		esac
		# a simple command, so $! is the program itself and kill -9 reaches it
		"${cmd[@]}" <"$input" >/dev/null 2>&1 &
		pid=$!
		sleep "$(printf '0.%06d' $(( (RANDOM * 32768 + RANDOM) % span_us )))"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		st=$?
		if [ $((r % 4)) = 2 ] && [ $st = 0 ]; then echo "$id" >>"$WORK/deleted"; fi
	done
	settle
	check "after $ROUNDS kill -9 rounds the store passes integrity_check" store_intact
	expect_eq "no IP rule outlives its key" "" "$(dbq 'PRAGMA foreign_key_check')"
	expect_eq "every key is whole (row and both rules) or absent" "" \
		"$(dbq "SELECT k.name FROM keys k LEFT JOIN ip_rules r ON r.key_id = k.id WHERE k.name GLOB 't[0-9]*' GROUP BY k.id HAVING count(r.cidr) != 2")"
	resurrected=""
	while read -r id; do
		[ -n "$(dbq "SELECT id FROM keys WHERE id = '$id'")" ] && resurrected="$resurrected $id"
	done <"$WORK/deleted"
	expect_eq "no key whose delete returned came back" "" "$resurrected"
	check "some deletes really happened" test -s "$WORK/deleted"
	expect_eq "the key used for logins still works" PAM_SUCCESS "$(auth $ALICE "$login_key")"
}

test_loops_against_writers() {
	for i in $(seq 8); do $CTL create $ALICE --name "loop$i" --allow 127.0.0.0/8 --quiet >"$WORK/loop$i.key" 2>/dev/null; done
	end=$(( $(date +%s) + SECONDS_LOOPS ))
	pids=""
	for i in $(seq 8); do
		(
			k=$(cat "$WORK/loop$i.key")
			while [ "$(date +%s)" -lt "$end" ]; do
				echo "$i $(auth $ALICE "$k")"
			done >"$WORK/loop$i.log"
		) &
		pids="$pids $!"
	done
	writes=0
	: >"$WORK/writer.err"
	while [ "$(date +%s)" -lt "$end" ]; do
		n=$((RANDOM % 20))
		$CTL create $ALICE --name "w$n" --allow "198.51.100.$n" --quiet >/dev/null 2>>"$WORK/writer.err"
		$CTL edit "$ALICE/w$n" --description "edit $RANDOM" >/dev/null 2>>"$WORK/writer.err"
		$CTL edit "$ALICE/loop$((n % 8 + 1))" --description "busy $RANDOM" >/dev/null 2>>"$WORK/writer.err"
		$CTL delete "$ALICE/w$n" --yes >/dev/null 2>>"$WORK/writer.err"
		writes=$((writes + 4))
	done
	# shellcheck disable=SC2086
	wait $pids
	settle
	cat "$WORK"/loop[1-8].log >"$WORK/loops.log"
	total=$(wc -l <"$WORK/loops.log")
	wrong=$(grep -vc ' PAM_SUCCESS$' "$WORK/loops.log")
	echo "# $total logins in ${SECONDS_LOOPS} s by 8 loops, $writes writes"
	expect_eq "8 loops for ${SECONDS_LOOPS} s: zero wrong decisions" 0 "$wrong"
	check "the loops really ran (over 100 logins)" test "$total" -gt 100
	expect_eq "no writer failed with 'database is locked'" "" "$(grep -i 'locked' "$WORK/writer.err" | head -5)"
	expect_eq "no login or tracking write failed with 'database is locked'" "" "$(syslog_text | grep -i 'database is locked' | head -5)"
	check "the store passes integrity_check afterwards" store_intact
}

test_kill_during_writes_and_logins
test_loops_against_writers
