#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Fault injection: tests/fault/fault.c (LD_PRELOAD, tests only) fails one
# call at a time — allocation, open, read/write, fstat, getpwnam(_r),
# getpwuid_r, getgrnam_r, fsync, fork, pipe, SQLite open/prepare/step/exec,
# sodium_init — at call sites
# swept across each function's calls in a normal run.  Never a crash, never
# a success for a wrong key, never PAM_IGNORE for a key, never half a key
# in the store.
. "$(dirname "$0")/sandbox.sh"
sandbox_enter "$@"
sandbox_setup
SHIM=$BUILD/libfault.so
sandbox_user $ALICE
MAX_SITES=${FAULT_SITES:-12}
install -m 0755 "$BUILD/apikey-helper" "$BIN/root-helper"
service keyonly "auth required $BIN/pam_apikey.so helper=$BIN/apikey-helper nodelay"
key=$($CTL create $ALICE --name good --quiet 2>/dev/null)
wrong=$(wrong_secret "$key")
$CTL create $ALICE --name base --allow 192.0.2.0/24 --deny 10.0.0.0/8 --quiet >/dev/null 2>&1
request A $ALICE 192.0.2.1 "$key" >"$WORK/good.req"
request A $ALICE 192.0.2.1 "$wrong" >"$WORK/wrong.req"

# sites SCOPE COMMAND...: "func n" lines, the call sites to fail
sites() {
	scope=$1
	shift
	rm -f "$WORK/counts"
	FAULT_SCOPE=$scope FAULT_COUNT=$WORK/counts LD_PRELOAD=$SHIM "$@" >/dev/null 2>&1 <"${STDIN_FILE:-/dev/null}"
	settle
	awk -v max="$MAX_SITES" '$2 > 0 {
		n = $2 < max ? $2 : max
		for (i = 0; i < n; i++) print $1, 1 + int(i * ($2 - 1) / (n > 1 ? n - 1 : 1))
	}' "$WORK/counts" | sort -u
}

# faulted SCOPE FUNC N COMMAND...: runs with that call failing; sets RC
faulted() {
	scope=$1 func=$2 nth=$3
	shift 3
	FAULT_SCOPE=$scope FAULT_FUNC=$func FAULT_NTH=$nth LD_PRELOAD=$SHIM "$@" >"$WORK/out" 2>/dev/null <"${STDIN_FILE:-/dev/null}"
	RC=$?
}

whole() { # every key has its two rules, no rule without its key
	[ -z "$(dbq "SELECT k.id FROM keys k LEFT JOIN ip_rules r ON r.key_id = k.id GROUP BY k.id HAVING count(r.cidr) NOT IN (0, 2)")" ] &&
		[ -z "$(dbq 'PRAGMA foreign_key_check')" ] && [ "$(dbq 'PRAGMA integrity_check')" = ok ]
}

sweep_ctl() { # NAME COMMAND-TEMPLATE (with @N@ for a fresh number)
	label=$1 template=$2 bad="" runs=0 i=0
	# shellcheck disable=SC2086
	while read -r func nth; do
		i=$((i + 1))
		cmd=${template//@N@/$i}
		# shellcheck disable=SC2086
		faulted apikeyctl,libsqlite3 "$func" "$nth" $CTL $cmd
		runs=$((runs + 1))
		settle
		if [ "$RC" -ge 128 ]; then bad="$bad $func#$nth:crash($RC)"; fi
		if ! whole; then bad="$bad $func#$nth:partial"; fi
		if [ "$RC" = 0 ] && [[ $cmd == create* ]] && [[ $(cat "$WORK/out") == pak1_* ]] &&
			! $CTL verify $ALICE --rhost 192.0.2.1 <"$WORK/out" >/dev/null 2>&1; then
			bad="$bad $func#$nth:reported-success-but-key-fails"
		fi
	done < <(sites apikeyctl,libsqlite3 $CTL ${template//@N@/0})
	echo "# apikeyctl $label: $runs call sites failed"
	expect_eq "faults in apikeyctl $label: no crash, no half-written key" "" "$bad"
	check "the apikeyctl $label sweep really failed calls" test "$runs" -gt 20
}

test_apikeyctl() {
	sweep_ctl create "create $ALICE --name k@N@ --allow 192.0.2.0/24 --deny 10.@N@.0.0/16 --quiet"
	sweep_ctl edit "edit $ALICE/base --remove 10.0.0.0/8 --deny 10.0.0.0/8 --description d@N@"
	for i in $(seq 60); do $CTL create $ALICE --name "del$i" --allow 192.0.2.$i --deny 10.$i.0.0/16 --quiet >/dev/null 2>&1; done
	sweep_ctl delete "delete $ALICE/del@N@ --yes"
}

test_helper() {
	for which in wrong good; do
		bad="" runs=0
		while read -r func nth; do
			STDIN_FILE=$WORK/$which.req faulted root-helper,libsqlite3 "$func" "$nth" "$BIN/root-helper"
			runs=$((runs + 1))
			[ "$RC" -ge 128 ] && bad="$bad $func#$nth:crash($RC)"
			[ "$which" = wrong ] && [ "$RC" = 0 ] && bad="$bad $func#$nth:ACCEPTED"
		done < <(STDIN_FILE=$WORK/$which.req sites root-helper,libsqlite3 "$BIN/root-helper")
		settle
		echo "# helper, $which key: $runs call sites failed"
		expect_eq "faults in the helper, $which key: never accepted wrongly, no crash" "" "$bad"
		check "the helper sweep really failed calls ($which key)" test "$runs" -gt 20
	done
	check "the store is whole after the helper sweeps" whole
}

# The tracking row needs a child (track.c); without one it is dropped and
# logged, never written inline, where its write would be a timing signal.
test_lost_rows() {
	for func in pipe2 fork; do
		before=$($CTL show $ALICE/good --json | jq .use_count)
		: >"$SYSLOG"
		STDIN_FILE=$WORK/good.req faulted root-helper "$func" 1 "$BIN/root-helper"
		settle
		expect_eq "$func failing for the tracking child: the login is still accepted" 0 "$RC"
		expect_eq "$func failing: the row is dropped, not written inline" "$before" "$($CTL show $ALICE/good --json | jq .use_count)"
		expect_contains "$func failing: the lost row is logged" "could not record use of key ${key:5:12}: \"no\\x20process\\x20for\\x20it\"" "$(syslog_text)"
	done
}

test_module() {
	for which in wrong good; do
		pw=$key
		[ "$which" = wrong ] && pw=$wrong
		printf '%s\n' "$pw" >"$WORK/pw"
		bad="" runs=0
		while read -r func nth; do
			STDIN_FILE=$WORK/pw faulted pam_apikey.so "$func" "$nth" "$BIN/pam-test" "$WORK/pam.d" keyonly $ALICE --rhost 192.0.2.1
			runs=$((runs + 1))
			got=$(sed -n 's/^auth=//p' "$WORK/out")
			[ "$RC" -ge 128 ] && bad="$bad $func#$nth:crash($RC)"
			[ "$got" = PAM_IGNORE ] && bad="$bad $func#$nth:IGNORE"
			[ "$which" = wrong ] && [ "$got" = PAM_SUCCESS ] && bad="$bad $func#$nth:SUCCESS"
		done < <(STDIN_FILE=$WORK/pw sites pam_apikey.so "$BIN/pam-test" "$WORK/pam.d" keyonly $ALICE --rhost 192.0.2.1)
		echo "# module, $which key: $runs call sites failed"
		expect_eq "faults in the module, $which key: never SUCCESS wrongly, never IGNORE, no crash" "" "$bad"
		check "the module sweep really failed calls ($which key)" test "$runs" -gt 3
	done
}

test_apikeyctl
test_helper
test_lost_rows
test_module
