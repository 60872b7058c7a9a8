#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The setuid helper abused by an unprivileged local user, and its store
# attacked: hostile names and bytes in every field, resource limits,
# signals, store paths pointing at other files, planted journal files, an
# unsafe pepper, a full disk.  Each test says which class it covers.
. "$(dirname "$0")/sandbox.sh"
sandbox_enter "$@"
sandbox_setup
sandbox_user $ALICE
key=$($CTL create $ALICE --name abuse --allow 192.0.2.0/24 --quiet 2>/dev/null)
wrong=$(wrong_secret "$key")
$CTL create $ALICE --name held --quiet >/dev/null 2>&1

as_alice() { as_user $ALICE "$@"; }

test_names_and_bytes() {
	while IFS='|' read -r label u; do
		u=$(printf '%b' "$u")
		got=$(raw_request A "$u" 192.0.2.1 test "" "$key" | status_of as_alice "$BIN/apikey-helper")
		check "user name $label from a non-root caller is refused" test "$got" = 10 -o "$got" = 13
		got=$(raw_request A "$u" 192.0.2.1 test "" "$key" | status_of "$BIN/apikey-helper")
		check "user name $label from root is refused or unknown" test "$got" = 10 -o "$got" = 11 -o "$got" = 13
	done <<NAMES
'../x'|../x
'a/b'|a/b
'' (empty)|
of 1 KiB|$(head -c 1024 /dev/zero | tr '\0' u)
of invalid UTF-8|\xff\xfe
NAMES
	expect_eq "invalid UTF-8 in rhost is refused as malformed" 13 "$(raw_request A $ALICE $'\xff' test "" "$key" | status_of as_alice "$BIN/apikey-helper")"
	expect_eq "invalid UTF-8 in the key is refused" 10 "$(raw_request A $ALICE 192.0.2.1 test "" $'\xff'"${key:1}" | status_of as_alice "$BIN/apikey-helper")"
	expect_eq "invalid UTF-8 in the service is harmless" 0 "$(raw_request A $ALICE 192.0.2.1 $'\xff\xfe' "" "$key" | status_of as_alice "$BIN/apikey-helper")"
	expect_eq "invalid UTF-8 in the store path from a non-root caller is refused" 10 "$(request A $ALICE 192.0.2.1 "$key" $'/\xff' | status_of as_alice "$BIN/apikey-helper")"
	expect_eq "the good key still works (the checks above can pass)" 0 "$(request A $ALICE 192.0.2.1 "$key" | status_of as_alice "$BIN/apikey-helper")"
}

test_resource_limits() {
	for lim in "--nofile=4" "--as=16000000" "--fsize=0" "--nproc=0" "--cpu=1"; do
		got=$(request A $ALICE 192.0.2.1 "$wrong" | status_of as_alice prlimit $lim "$BIN/apikey-helper")
		check "rlimit $lim: a wrong key is refused or fails closed, no crash" test "$got" = 10 -o "$got" = 12 -o "$got" = 13
		got=$(request A $ALICE 192.0.2.1 "$key" | status_of as_alice prlimit $lim "$BIN/apikey-helper")
		check "rlimit $lim: a good key is accepted or fails closed" test "$got" = 0 -o "$got" = 12
		check "rlimit $lim: the store is intact" store_intact
	done
}

# Before it has a request the helper is the caller's own process (it
# counts against the caller's limits, and gives up after a deadline);
# once it serves one it is root, and the caller can no longer stop or kill
# it while it holds the store (here: the tracking child, once root and
# waiting for the write lock, as it would behind a busy writer).
test_signals() {
	rm -f "$WORK/slowreq"
	mkfifo -m 0666 "$WORK/slowreq"
	# a simple command, so that $! is the helper itself once setpriv execs
	setpriv --reuid=$ALICE --regid=$ALICE --init-groups "$BIN/apikey-helper" <"$WORK/slowreq" >/dev/null 2>&1 &
	hpid=$!
	exec 7>"$WORK/slowreq"
	sleep 0.3
	expect_eq "a helper waiting for its request runs under the caller's uid" "$(id -u $ALICE)" \
		"$(awk '/^Uid:/ {print $2}' "/proc/$hpid/status")"
	t0=$(date +%s%N)
	wait "$hpid"
	st=$?
	exec 7>&-
	expect_eq "a helper given no request gives up (malformed request)" 13 "$st"
	check "... after its 2 s deadline, not the 20 s alarm" test $(( ($(date +%s%N) - t0) / 1000000 )) -lt 4000
	for sig in STOP KILL TERM INT HUP; do
		before=$($CTL show $ALICE/abuse --json | jq .use_count)
		(echo "BEGIN IMMEDIATE; UPDATE keys SET description = 'held' WHERE name = 'held';"
				sleep 2; echo "COMMIT;") | dbq &
		locker=$!
		sleep 0.3
		request A $ALICE 192.0.2.1 "$key" | as_alice "$BIN/apikey-helper" >/dev/null 2>&1
		answered=$?
		child=$(pgrep -x apikey-helper | head -1)
		# until the helper has gone the child is the caller's and holds
		# nothing; then it becomes root and waits for the write lock
		for _ in $(seq 100); do
			uids=$(awk '/^Uid:/ {print $2, $3, $4}' "/proc/$child/status" 2>/dev/null)
			[ "$uids" = "0 0 0" ] && break
			sleep 0.01
		done
		as_alice kill -$sig "$child" 2>/dev/null
		sent=$?
		wait "$locker"
		settle
		after=$($CTL show $ALICE/abuse --json | jq .use_count)
		expect_eq "SIG$sig from the caller to a serving helper is refused; it finishes its write" \
			"0 0 0 0 1 $((before + 1))" "$answered $uids $sent $after"
	done
	# root may kill it mid-request: the store stays whole
	for _ in $(seq 20); do
		request A $ALICE 192.0.2.1 "$key" | "$BIN/apikey-helper" >/dev/null 2>&1 &
		sleep "0.00$((RANDOM % 10))"
		kill -9 $! 2>/dev/null
		wait $! 2>/dev/null
	done
	check "kill -9 of helpers mid-request leaves the store intact" store_intact
}

# The tracking child is forked as the caller: it counts against the
# caller's process limit (no root processes beyond it).
test_tracking_child_within_caller_limits() {
	before=$(key_json $ALICE/abuse | jq .use_count)
	: >"$SYSLOG"
	got=$(request A $ALICE 192.0.2.1 "$key" | status_of as_alice prlimit --nproc=1 "$BIN/apikey-helper")
	settle
	expect_eq "at its process limit, the caller's login is still decided" 0 "$got"
	expect_eq "... but no child beyond the limit: the row is dropped" "$before" "$(key_json $ALICE/abuse | jq .use_count)"
	expect_contains "... and logged" "no\x20process\x20for\x20it" "$(syslog_text)"
	request A $ALICE 192.0.2.1 "$key" | as_alice prlimit --nproc=2 "$BIN/apikey-helper" >/dev/null 2>&1
	settle
	expect_eq "with room for one more process the row is written (the check above can fail)" \
		"$((before + 1))" "$(key_json $ALICE/abuse | jq .use_count)"
}

# Values a damaged or hand-edited store may hold despite its constraints:
# the key is refused, and the helper logs a store error.
test_damaged_values() {
	dkey=$($CTL create $ALICE --name damaged --allow 192.0.2.0/24 --quiet 2>/dev/null)
	id=${dkey:5:12}
	odd() { sqlite3 -cmd '.timeout 5000' -cmd 'PRAGMA ignore_check_constraints = ON' "$DB" "$1"; }
	expect_eq "before any damage the key works" 0 "$(request A $ALICE 192.0.2.1 "$dkey" | status_of as_alice "$BIN/apikey-helper")"
	while IFS='|' read -r label change; do
		dbq ".backup '$WORK/undamaged.db'"
		odd "$change"
		: >"$SYSLOG"
		got=$(request A $ALICE 198.51.100.1 "$dkey" | status_of as_alice "$BIN/apikey-helper")
		expect_eq "$label: the key is refused (system error)" 12 "$got"
		check "$label: the helper logs a store error naming the damage" grep -q 'store error: ".*damaged' <<<"$(syslog_text)"
		settle
		dbq ".restore '$WORK/undamaged.db'"
	done <<DAMAGE
a rules row whose list is 'Allow'|UPDATE ip_rules SET list = 'Allow' WHERE key_id = '$id'
a rules row whose list is 'deny '|UPDATE ip_rules SET list = 'deny ' WHERE key_id = '$id'
a rules row enabled = 2|UPDATE ip_rules SET enabled = 2 WHERE key_id = '$id'
a rules row enabled = -1|UPDATE ip_rules SET enabled = -1 WHERE key_id = '$id'
a rules row with host bits set|UPDATE ip_rules SET cidr = '192.0.2.1/24' WHERE key_id = '$id'
an expiry of 0|UPDATE keys SET expires_at = 0 WHERE id = '$id'
a negative uid|UPDATE keys SET uid = -5 WHERE id = '$id'
a service scope with a space in its name|INSERT INTO key_services VALUES ('$id', 'ssh d')
a service scope with an empty name|INSERT INTO key_services VALUES ('$id', '')
more services than a scope holds (17)|WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 17) INSERT INTO key_services SELECT '$id', 's' || i FROM n
a 300-byte last denial reason|UPDATE keys SET last_denied_reason = '$(head -c 300 /dev/zero | tr '\0' r)' WHERE id = '$id'
DAMAGE
	expect_eq "restored, the key works again" 0 "$(request A $ALICE 192.0.2.1 "$dkey" | status_of as_alice "$BIN/apikey-helper")"
	long=$(head -c 256 /dev/zero | tr '\0' r)
	odd "UPDATE keys SET last_denied_reason = '$long' WHERE id = '$id'"
	expect_eq "the longest reason the helper answers (256) is still a readable row" 0 \
		"$(request A $ALICE 192.0.2.1 "$dkey" | status_of as_alice "$BIN/apikey-helper")"
}

test_store_paths() {
	before=$(sha256sum /etc/shadow)
	ln -s /etc/shadow "$WORK/store/shadow.db"
	expect_eq "store path that is a symlink to /etc/shadow is refused" 12 "$(request A $ALICE 192.0.2.1 "$key" "$STORE_DIR/shadow.db" | status_of "$BIN/apikey-helper")"
	expect_eq "/etc/shadow is untouched" "$before" "$(sha256sum /etc/shadow)"
	mkfifo "$WORK/store/fifo.db"
	start=$(date +%s)
	expect_eq "store path that is a FIFO is refused" 12 "$(request A $ALICE 192.0.2.1 "$key" "$STORE_DIR/fifo.db" | status_of timeout 10 "$BIN/apikey-helper")"
	check "a FIFO store does not block the helper" test $(($(date +%s) - start)) -lt 3
	mkdir "$WORK/store/dir.db"
	expect_eq "store path that is a directory is refused" 12 "$(request A $ALICE 192.0.2.1 "$key" "$STORE_DIR/dir.db" | status_of "$BIN/apikey-helper")"
	expect_eq "store path that does not exist is refused" 12 "$(request A $ALICE 192.0.2.1 "$key" "$STORE_DIR/none.db" | status_of "$BIN/apikey-helper")"
}

test_planted_files() {
	for f in keys.db-wal keys.db-journal keys.db-shm; do
		existed=0
		[ -e "$STORE_DIR/$f" ] && existed=1 && cp -a "$STORE_DIR/$f" "$WORK/$f.bak"
		touch "$STORE_DIR/$f"
		chown $ALICE "$STORE_DIR/$f"
		expect_eq "a planted $f owned by a user makes the helper refuse the store" 12 \
			"$(request A $ALICE 192.0.2.1 "$key" | status_of as_alice "$BIN/apikey-helper")"
		rm -f "$STORE_DIR/$f"
		[ $existed = 1 ] && cp -a "$WORK/$f.bak" "$STORE_DIR/$f"
	done
	chmod 0444 "$PEPPER_DIR/pepper"
	expect_eq "a pepper readable by others is refused" 12 "$(request A $ALICE 192.0.2.1 "$key" | status_of as_alice "$BIN/apikey-helper")"
	chmod 0400 "$PEPPER_DIR/pepper"
	expect_eq "with everything restored the key works" 0 "$(request A $ALICE 192.0.2.1 "$key" | status_of as_alice "$BIN/apikey-helper")"
}

test_full_disk() {
	mkdir -m 0700 "$WORK/tiny"
	mount -t tmpfs -o size=200k,mode=0700 tmpfs "$WORK/tiny"
	tctl() { "$CTL" --db "$WORK/tiny/keys.db" "$@"; }
	first=$(tctl create $ALICE --name first --quiet 2>/dev/null)
	head -c 10M /dev/zero >"$WORK/tiny/filler" 2>/dev/null
	n=0
	while [ $n -lt 200 ] && tctl create $ALICE --name "fill$n" --description "$(head -c 1000 /dev/zero | tr '\0' d)" --quiet >/dev/null 2>"$WORK/full.err"; do n=$((n + 1)); done
	expect_contains "a full disk gives a clear error" "database or disk is full" "$(cat "$WORK/full.err")"
	check "the disk really is full" test "$(df --output=avail "$WORK/tiny" | tail -1)" -lt 8
	service tiny "auth required $BIN/pam_apikey.so helper=$BIN/apikey-helper db=$WORK/tiny/keys.db nodelay"
	got=$(printf '%s\n' "$first" | "$BIN/pam-test" "$WORK/pam.d" tiny $ALICE | sed -n 's/^auth=//p')
	expect_eq "logins still work on a full disk (tracking fails, the login does not)" PAM_SUCCESS "$got"
	settle
	expect_contains "the tracking write that failed on the full disk is logged" "could not record use of key ${first:5:12}" "$(syslog_text)"
	settle
	expect_eq "the store on a full disk passes integrity_check" ok "$(sqlite3 "$WORK/tiny/keys.db" 'PRAGMA integrity_check')"
	expect_eq "every key created before the disk filled is there" $((n + 1)) "$(sqlite3 "$WORK/tiny/keys.db" 'SELECT count(*) FROM keys')"
	umount "$WORK/tiny"
}

test_names_and_bytes
test_resource_limits
test_signals
test_tracking_child_within_caller_limits
test_damaged_values
test_store_paths
test_planted_files
test_full_disk
