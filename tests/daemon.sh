#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# apikeyd abused, and the module facing a daemon that misbehaves: requests
# over the size cap, slow and stalled clients, one uid hogging connections,
# clients that never read or keep writing, a listener that is not root's,
# a daemon that hangs, answers garbage or is killed mid-request, faults
# injected into the daemon (tests/fault/fault.c), the caller rules through
# the socket, and SIGTERM's drain.  Each test names what it covers.
. "$(dirname "$0")/sandbox.sh"
sandbox_enter "$@"
sandbox_setup

# accounts of this suite's own: suites may run side by side
ALICE=pakt_dalice
BOB=pakt_dbob
CAROL=pakt_dcarol
sandbox_login_users
sandbox_user $CAROL
# carol is a web server's worker: in the verifier group (after every
# useradd: it binds a copy of /etc/group)
sandbox_verifier_group $CAROL
# a verifier group the host has (an installation's) would shadow this one:
# the bound copy keeps ours only (written in place: the bind holds it)
awk -F: -v m=$CAROL '$1 != "apikey-verify" || $4 == m' "$WORK/group" >"$WORK/group.new" &&
	cat "$WORK/group.new" >"$WORK/group"
$CTL verifier add webapi >/dev/null

SOCK=$DAEMON_DIR/apikeyd.sock
SHIM=$BUILD/libfault.so
# a sanitized daemon needs its runtime first in the preload list
[ -n "${APIKEY_SANITIZED-}" ] && SHIM="$(gcc -print-file-name=libasan.so) $SHIM"
BG_PIDS=""
# shellcheck disable=SC2034 # lib.sh's cleanup_workdir runs it
CLEANUP_HOOK="daemon_cleanup; sandbox_cleanup"

# background processes this suite started, by pid; a stopped daemon is
# let go on so that it can be stopped
daemon_cleanup() {
	for p in $BG_PIDS; do kill "$p" 2>/dev/null; done
	[ -n "${DAEMON_PID-}" ] && kill -CONT "$DAEMON_PID" 2>/dev/null
}

# bg_as USER COMMAND...: the command in the background as that user, its
# pid in BG (setpriv execs it: a simple command, so $! is the command's),
# killed at exit if still running
bg_as() {
	# (<&0: a background command's stdin is /dev/null unless redirected)
	setpriv --reuid="$1" --regid="$1" --init-groups "${@:2}" <&0 &
	BG=$!
	BG_PIDS="$BG_PIDS $BG"
}

# ms_since T0: milliseconds since T0 (date +%s%N)
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# ask FILE [testtool ask options]: root's request in FILE to apikeyd; the
# answer line (tests/pam/testtool.c: RESULT STATUS LENGTH MS WROTE TEXT)
ask() { "$BIN/testtool" ask "$SOCK" "${@:2}" <"$1"; }
# user_ask USER FILE: the same from an unprivileged user
user_ask() { as_user "$1" "$BIN/testtool" ask "$SOCK" <"$2"; }
# short ANSWER-LINE: "RESULT STATUS TEXT", without the length and times
short() { awk '{print $1, $2, $6}' <<<"$1"; }

# daemon_start [VAR=VALUE]...: a fresh apikeyd with these variables added
# to its environment (run through DAEMON_WRAP, a command that execs it,
# when set), once it logs that it serves; DAEMON_PID.  With QUIET_START
# set a daemon that does not start is not a failed test.
daemon_start() {
	# shellcheck disable=SC2086 # DAEMON_WRAP: a command and its options
	env "$@" ${DAEMON_WRAP-} "$BIN/apikeyd" 2>>"$WORK/apikeyd.err" &
	DAEMON_PID=$!
	for _ in $(seq 250); do
		grep -q "apikeyd\\[$DAEMON_PID\\]: serving on" "$SYSLOG" && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.02
	done
	[ -n "${QUIET_START-}" ] || not_ok "apikeyd starts (${*:-plain})" "$(tail -5 "$WORK/apikeyd.err")"
	kill -9 "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=""
	return 1
}

# daemon_stop: SIGTERM, then its exit status in DAEMON_STATUS
daemon_stop() {
	kill -TERM "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_STATUS=$?
	DAEMON_PID=""
}

# daemon_kill: kill -9 (and reaped)
daemon_kill() {
	kill -9 "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=""
}

# the daemon's open descriptors; its resident memory in KiB
daemon_fds() { find "/proc/$DAEMON_PID/fd" -mindepth 1 -maxdepth 1 | wc -l; }
daemon_rss() { awk '/^VmRSS:/ {print $2}' "/proc/$DAEMON_PID/status"; }

# wait_fds N: until the daemon holds N descriptors again (at most 5 s)
wait_fds() {
	for _ in $(seq 100); do
		[ "$(daemon_fds)" -le "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# wait_until COMMAND...: until the command succeeds (at most 5 s)
wait_until() {
	for _ in $(seq 100); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# wait_line FILE TEXT: until FILE holds a line starting with TEXT (10 s)
wait_line() {
	for _ in $(seq 500); do
		grep -q "^$2" "$1" 2>/dev/null && return 0
		sleep 0.02
	done
	return 1
}

# the module: one service that only apikeyd can say yes through (its
# helper does not exist), one with the real helper behind it, one whose
# helper is a spy that records that it ran (and says "system error")
MOD="$BIN/pam_apikey.so nodelay"
cat >"$BIN/spy-helper" <<SPY
#!/bin/sh
touch $WORK/spy-ran
exit 12
SPY
chmod 0755 "$BIN/spy-helper"
service donly "auth required $MOD helper=$WORK/no-such-helper"
service both "auth required $MOD helper=$BIN/apikey-helper timeout=10"
service hang "auth required $MOD helper=$BIN/spy-helper timeout=1"

akey=$(newkey $ALICE --name main)
awrong=$(wrong_secret "$akey")
bkey=$(newkey $BOB --name bobs)
request A $ALICE 127.0.0.1 "$akey" >"$WORK/good.req"
request A $ALICE 127.0.0.1 "$awrong" >"$WORK/wrong.req"
request A $BOB 127.0.0.1 "$bkey" >"$WORK/bob.req"
chmod 0644 "$WORK"/*.req

# this suite starts and stops its own daemons (APIKEY_TEST_DAEMON's too)
[ -n "${DAEMON_PID-}" ] && daemon_stop
daemon_start || exit 1

# ---- size -------------------------------------------------------------

# The request cap (protocol.h REQ_MAX, every field at its cap: 1667 bytes)
# is read whole and decided; a byte more is refused unread, as is a
# stream that never ends; the daemon serves on.
test_sizes() {
	exact=$("$BIN/testtool" request A "$(printf 'u%.0s' $(seq 256))" "$(printf 'h%.0s' $(seq 255))" \
		"$(printf 's%.0s' $(seq 64))" "/$(printf 'd%.0s' $(seq 1023))" "$akey" | tee "$WORK/exact.req" | wc -c)
	expect_eq "a request with every field at its cap is the cap (1667 bytes)" 1667 "$exact"
	: >"$SYSLOG"
	expect_eq "a request of exactly the cap is read and decided: refused for naming a store" \
		"answer 13 |||" "$(short "$(ask "$WORK/exact.req")")"
	log=$(syslog_text)
	expect_contains "... as its log line says" "refused: a request naming another store from uid 0" "$log"
	expect_lacks "... not as over the cap" "a request over" "$log"
	"$BIN/testtool" request A "$(printf 'u%.0s' $(seq 256))" "$(printf 'h%.0s' $(seq 255))" \
		"$(printf 's%.0s' $(seq 64))" "" "$akey" >"$WORK/longest.req"
	expect_eq "the longest request the module can send is decided: an unknown user" \
		"answer 11 unknown_user|||" "$(short "$(ask "$WORK/longest.req")")"
	{ cat "$WORK/exact.req"; printf x; } >"$WORK/over.req"
	: >"$SYSLOG"
	expect_eq "a request one byte over the cap is refused (bad request), never decided" \
		"answer 13 |||" "$(short "$(ask "$WORK/over.req")")"
	expect_contains "... and logged as over the cap" "refused: a request over 1667 bytes from uid 0" "$(syslog_text)"
	head -c 1048576 /dev/zero | tr '\0' k >"$WORK/huge.req"
	read -r res st _ ms wrote _ <<<"$(as_user $ALICE "$BIN/testtool" ask "$SOCK" <"$WORK/huge.req")"
	echo "# a 1 MiB request: the client could write $wrote bytes, answered in $ms ms"
	expect_eq "a 1 MiB stream from a user is answered with a refusal" "answer 13" "$res $st"
	check "... the daemon stopped reading it (the writer was cut off)" test "$wrote" -lt 1048576
	{ cat "$WORK/good.req" "$WORK/good.req"; } >"$WORK/two.req"
	expect_eq "two requests in one connection (pipelined) get one refusal, no decision" \
		"answer 13 4 |||" "$(ask "$WORK/two.req" | awk '{print $1, $2, $3, $6}')"
	expect_eq "after all that the daemon serves a good request" "answer 0" "$(ask "$WORK/good.req" | cut -d' ' -f1-2)"
	expect_eq "... and a login through the module" PAM_SUCCESS "$(pam_auth donly $ALICE "$akey")"
}

# ---- slow clients -----------------------------------------------------

# A request must be whole within 2 s of the connection: a client that
# stalls (or trickles a byte at a time) is closed unanswered, and nobody
# waits for it meanwhile.
test_slow_clients() {
	base=$(daemon_fds)
	bg_as $ALICE "$BIN/testtool" stall "$SOCK" 20 10 0 <"$WORK/good.req" >"$WORK/stall.out"
	p1=$BG
	bg_as $ALICE "$BIN/testtool" stall "$SOCK" 1 5 100 <"$WORK/good.req" >"$WORK/trickle.out"
	p2=$BG
	connected() { [ "$(daemon_fds)" -ge $((base + 21)) ]; }
	check "the stalled clients are connected to the daemon" wait_until connected
	t0=$(date +%s%N)
	got=$(pam_auth donly $ALICE "$akey")
	ms=$(ms_since "$t0")
	echo "# a login while 21 clients stall: $ms ms"
	expect_eq "while clients stall, a login through the module is answered by apikeyd" PAM_SUCCESS "$got"
	check "... promptly (under 1 s, the stall lasts 2 s)" test "$ms" -lt 1000
	read -r res st _ ms _ <<<"$(user_ask $BOB "$WORK/bob.req")"
	expect_eq "... and another user's request too" "answer 0" "$res $st"
	check "... promptly" test "$ms" -lt 1000
	wait "$p1" "$p2"
	read -r closed received first last <"$WORK/stall.out"
	echo "# 20 stalled clients closed after $first..$last ms"
	expect_eq "20 clients that stall after 10 bytes are all closed, with no answer" "20 0" "$closed $received"
	check "... once their 2 s are up (not before 1.5 s, by 5 s)" test "$first" -ge 1500 -a "$last" -le 5000
	read -r closed received first last <"$WORK/trickle.out"
	echo "# a client trickling a byte every 100 ms closed after $first ms"
	expect_eq "a client trickling a byte every 100 ms is closed with no answer" "1 0" "$closed $received"
	check "... at the same deadline (a byte does not extend it)" test "$first" -ge 1500 -a "$first" -le 5000
	check "their slots are freed (the daemon's descriptors back to before)" wait_fds "$base"
}

# ---- one uid hogging connections --------------------------------------

# At most 64 connections per uid: the 65th from that uid is closed
# unread, others (another user, root) are served; the module of the hog's
# uid falls back to the helper; once the hog goes, its uid is served again.
test_per_uid_cap() {
	base=$(daemon_fds)
	bg_as $ALICE "$BIN/testtool" hog "$SOCK" 64 "$WORK/good.req" >"$WORK/hog.out"
	hog=$BG
	wait_line "$WORK/hog.out" holding
	expect_eq "a user holds 64 idle connections" "alive 64" "$(sed -n 1p "$WORK/hog.out")"
	read -r res _ len _ <<<"$(sed -n 2p "$WORK/hog.out")"
	echo "# the hog's 65th connection: $res"
	check "its 65th connection is closed without a byte of answer (closed or reset)" \
		test "$len" = 0 -a \( "$res" = closed -o "$res" = reset \)
	expect_eq "meanwhile another user is served by apikeyd" PAM_SUCCESS "$(user_auth $BOB donly $BOB "$bkey")"
	expect_eq "... and root" PAM_SUCCESS "$(pam_auth donly $ALICE "$akey")"
	expect_eq "the hog's own uid is not served by apikeyd (no helper to fall back on)" \
		PAM_AUTHINFO_UNAVAIL "$(user_auth $ALICE donly $ALICE "$akey")"
	: >"$SYSLOG"
	got=""
	for _ in 1 2 3 4 5 6; do got="$got $(user_auth $ALICE both $ALICE "$akey")"; done
	expect_eq "the hog's uid logging in through the module: the helper answers, every time" \
		"$(printf ' PAM_SUCCESS%.0s' 1 2 3 4 5 6)" "$got"
	expect_contains "... after the module logged why" "apikeyd closed the connection without an answer; asking the helper" "$(syslog_text)"
	kill "$hog"
	wait "$hog" 2>/dev/null
	for _ in $(seq 50); do
		[ "$(user_ask $ALICE "$WORK/good.req" | cut -d' ' -f1-2)" = "answer 0" ] && break
		sleep 0.05
	done
	expect_eq "once the hog has gone its uid is served again" "answer 0" "$(user_ask $ALICE "$WORK/good.req" | cut -d' ' -f1-2)"
	expect_eq "... through the module too" PAM_SUCCESS "$(user_auth $ALICE donly $ALICE "$akey")"
	check "the hog's slots are freed (the daemon's descriptors back to before)" wait_fds "$base"
}

# ---- clients that never read ------------------------------------------

# The answer is sent without waiting for the client and the connection
# closed: a client that never reads holds nothing of the daemon's, so one
# uid can leave more than 64 of them behind and still be served.
test_never_reads() {
	base=$(daemon_fds)
	rss0=$(daemon_rss)
	for round in 1 2 3; do
		bg_as $ALICE "$BIN/testtool" noread "$SOCK" 100 1500 <"$WORK/good.req" >"$WORK/noread.out"
		p=$BG
		wait_line "$WORK/noread.out" sent
		if [ $round = 1 ]; then
			check "100 clients of one uid that never read hold no connection of the daemon's" wait_fds "$base"
			expect_eq "... and that uid is served meanwhile" "answer 0" "$(user_ask $ALICE "$WORK/good.req" | cut -d' ' -f1-2)"
			expect_eq "... and others" PAM_SUCCESS "$(user_auth $BOB donly $BOB "$bkey")"
		fi
		wait "$p"
		[ $round = 1 ] && expect_eq "each of the 100 got its answer (unread, in its socket)" "answered 100" "$(sed -n 2p "$WORK/noread.out")"
		[ $round = 1 ] && rss1=$(daemon_rss)
	done
	rss3=$(daemon_rss)
	echo "# apikeyd's RSS: $rss0 KiB before, $rss1 after 100 clients that never read, $rss3 after 300"
	# (ASan's quarantine holds freed memory back: no figure to judge by)
	if [ -z "${APIKEY_SANITIZED-}" ]; then
		check "its memory does not grow with more such clients (rounds 2 and 3 add under 512 KiB)" test $((rss3 - rss1)) -lt 512
	else
		echo "# not judged in a sanitized build: its memory growth"
	fi
}

# ---- out of descriptors -----------------------------------------------

# cpu_ticks: the daemon's CPU time so far, in clock ticks
cpu_ticks() { awk '{print $14 + $15}' "/proc/$DAEMON_PID/stat"; }

# apikeyd raises its descriptor limit to hold every connection; where it
# cannot (a hard limit of 40) and runs out, accepting pauses instead of
# spinning, the clients wait in the backlog and are served once the
# deadline frees descriptors.
test_out_of_descriptors() {
	daemon_stop
	DAEMON_WRAP="prlimit --nofile=64:4096" daemon_start || return
	room=$(awk '$1 == "#define" && ($2 == "MAX_CONNS" || $2 == "OWN_FDS") {n += $3} END {print n}' "$TOP/daemon/server.h")
	expect_eq "apikeyd raises its soft descriptor limit to room for every connection" "$room" \
		"$(awk '/^Max open files/ {print $4}' "/proc/$DAEMON_PID/limits")"
	daemon_stop
	: >"$SYSLOG"
	DAEMON_WRAP="prlimit --nofile=40:40" daemon_start || return
	bg_as $ALICE "$BIN/testtool" stall "$SOCK" 48 0 0 </dev/null >"$WORK/fds.out"
	p=$BG
	for _ in $(seq 100); do grep -q 'accept: Too many open files' "$SYSLOG" && break; sleep 0.02; done
	check "out of descriptors, apikeyd logs it" grep -q "apikeyd\\[$DAEMON_PID\\]: accept: Too many open files; accepting again in 100 ms" "$SYSLOG"
	ask "$WORK/good.req" >"$WORK/fds-root.out" &
	r=$!
	c0=$(cpu_ticks)
	sleep 1
	c1=$(cpu_ticks)
	echo "# out of descriptors: apikeyd used $((c1 - c0)) clock ticks in 1 s"
	check "... and does not spin meanwhile (under 30% of a core)" test $((c1 - c0)) -lt 30
	wait "$r"
	read -r res st _ ms _ <"$WORK/fds-root.out"
	echo "# a request waiting for a descriptor was answered after $ms ms"
	expect_eq "a request waiting in the backlog is answered once the deadline frees descriptors" "answer 0" "$res $st"
	check "... within the deadline and a pause (by 5 s)" test "$ms" -lt 5000
	wait "$p"
	expect_eq "the clients holding the descriptors were all closed at their deadline, unanswered" "48 0" "$(cut -d' ' -f1-2 "$WORK/fds.out")"
	lines=$(grep -c 'accept: Too many open files' "$SYSLOG")
	echo "# $lines log lines about accept failing"
	check "... and it logged accept failing at most once per pause (under 60 lines)" test "$lines" -lt 60
	daemon_stop
	expect_eq "... and stops cleanly" 0 "$DAEMON_STATUS"
	daemon_start
}

# ---- the module against a listener that is not root's ----------------

# The socket's name could be taken by someone else: the module checks its
# peer is root before it sends the key, and says so when it is not.
test_peer_not_root() {
	mkdir -m 0755 "$WORK/fake"
	chown $ALICE "$WORK/fake"
	bg_as $ALICE "$BIN/testtool" listen "$WORK/fake/sock" "$WORK/fake/log"
	fake=$BG
	for _ in $(seq 100); do [ -S "$WORK/fake/sock" ] && break; sleep 0.02; done
	service fake "auth required $MOD daemon=$WORK/fake/sock helper=$BIN/spy-helper"
	rm -f "$WORK/spy-ran"
	: >"$SYSLOG"
	expect_eq "a listener run by a user: the login is a system error" PAM_AUTHINFO_UNAVAIL "$(pam_auth fake $ALICE "$akey")"
	wait_line "$WORK/fake/log" got
	expect_eq "... the listener received zero bytes (the key was never sent)" "got 0" "$(cat "$WORK/fake/log")"
	expect_contains "... the module logged why" \
		"the process listening at $WORK/fake/sock is not root's (uid $(id -u $ALICE)): the key was not sent" "$(syslog_text)"
	check "... and did not hand the key to the helper either" test ! -e "$WORK/spy-ran"
	: >"$WORK/fake/log"
	expect_eq "the same for a module run by an unprivileged user" PAM_AUTHINFO_UNAVAIL "$(user_auth $BOB fake $BOB "$bkey")"
	wait_line "$WORK/fake/log" got
	expect_eq "... zero bytes received" "got 0" "$(cat "$WORK/fake/log")"
	: >"$WORK/fake/log"
	ask "$WORK/good.req" >/dev/null 2>&1 # the default socket: not the fake
	"$BIN/testtool" ask "$WORK/fake/sock" <"$WORK/good.req" >/dev/null
	wait_line "$WORK/fake/log" got
	expect_eq "the listener does count what it is sent (the checks above can fail)" \
		"got $(wc -c <"$WORK/good.req")" "$(cat "$WORK/fake/log")"
	kill "$fake"
	wait "$fake" 2>/dev/null
}

# ---- a root listener answering garbage --------------------------------

# Anything but a whole, well-formed answer is a system error, never a
# success and never a second try with the helper.
test_garbage_answers() {
	service junk "auth required $MOD daemon=$WORK/junk.sock helper=$BIN/spy-helper timeout=2"
	big="00$(printf '00%.0s' $(seq 1000))"
	while IFS='|' read -r label hex; do
		rm -f "$WORK/junk.log" "$WORK/spy-ran"
		"$BIN/testtool" listen "$WORK/junk.sock" "$WORK/junk.log" "$hex" &
		junk=$!
		for _ in $(seq 100); do [ -S "$WORK/junk.sock" ] && break; sleep 0.02; done
		expect_eq "an answer that is $label: PAM_AUTHINFO_UNAVAIL" PAM_AUTHINFO_UNAVAIL "$(pam_auth junk $ALICE "$awrong")"
		wait_line "$WORK/junk.log" got
		check "... it came after the module sent its request, and no helper ran" \
			test -n "$(grep '^got [1-9]' "$WORK/junk.log")" -a ! -e "$WORK/spy-ran"
		kill "$junk"
		wait "$junk" 2>/dev/null
	done <<JUNK
the status byte of success alone|00
a success followed by junk without NULs|006a756e6b
a success with a field too many|0000000078
a success with two fields|000000
an unknown status|63000000
a success longer than any answer|$big
JUNK
	"$BIN/testtool" listen "$WORK/junk.sock" "$WORK/junk.log" 00000000 &
	junk=$!
	for _ in $(seq 100); do [ -S "$WORK/junk.sock" ] && break; sleep 0.02; done
	expect_eq "a well-formed success from a root listener is a success (the checks above can fail)" \
		PAM_SUCCESS "$(pam_auth junk $ALICE "$awrong")"
	kill "$junk"
	wait "$junk" 2>/dev/null
}

# ---- a daemon that hangs ----------------------------------------------

# A daemon that takes the connection and never answers: after the
# module's timeout a system error, never a success, never the helper.
test_hang() {
	rm -f "$WORK/spy-ran"
	kill -STOP "$DAEMON_PID"
	t0=$(date +%s%N)
	got=$(pam_auth hang $ALICE "$akey")
	ms=$(ms_since "$t0")
	kill -CONT "$DAEMON_PID"
	echo "# a login to a stopped daemon (timeout=1) took $ms ms"
	expect_eq "a stopped daemon (SIGSTOP): the login is a system error" PAM_AUTHINFO_UNAVAIL "$got"
	check "... after the module's timeout (1 s), not before, and not much after" test "$ms" -ge 900 -a "$ms" -lt 4000
	check "... without asking the helper" test ! -e "$WORK/spy-ran"
	expect_eq "let go on, the daemon serves again" PAM_SUCCESS "$(pam_auth donly $ALICE "$akey")"
	# hung inside the store read
	daemon_stop
	mkdir -p "$WORK/pause"
	rm -f "$WORK/pause/"*
	daemon_start LD_PRELOAD="$SHIM" FAULT_PAUSE_SQL="FROM ip_rules" FAULT_PAUSE_DIR="$WORK/pause"
	t0=$(date +%s%N)
	got=$(pam_auth hang $ALICE "$akey")
	ms=$(ms_since "$t0")
	check "a daemon hung inside the store read (the shim paused it there)" test -e "$WORK/pause/paused"
	expect_eq "... the login is a system error" PAM_AUTHINFO_UNAVAIL "$got"
	check "... after the timeout" test "$ms" -ge 900 -a "$ms" -lt 4000
	check "... without asking the helper" test ! -e "$WORK/spy-ran"
	touch "$WORK/pause/go"
	expect_eq "let go on, it answers the next request right" PAM_SUCCESS "$(pam_auth donly $ALICE "$akey")"
	daemon_stop
	expect_eq "... and stops cleanly" 0 "$DAEMON_STATUS"
	rm -rf "$WORK/pause"
}

# ---- a daemon killed mid-request --------------------------------------

# kill_mid_request HOW KEY: a login (service both: helper behind) whose
# request apikeyd holds -- "read" paused inside the store read, "unread"
# stopped before it read it -- when apikeyd is killed; the login's result
kill_mid_request() {
	if [ "$1" = read ]; then
		mkdir -p "$WORK/pause"
		rm -f "$WORK/pause/"*
		daemon_start LD_PRELOAD="$SHIM" FAULT_PAUSE_SQL="FROM ip_rules" FAULT_PAUSE_DIR="$WORK/pause" || return
	else
		daemon_start || return
		kill -STOP "$DAEMON_PID"
	fi
	pam_auth both $ALICE "$2" >"$WORK/killed.out" &
	p=$!
	if [ "$1" = read ]; then
		for _ in $(seq 250); do [ -e "$WORK/pause/paused" ] && break; sleep 0.02; done
		[ -e "$WORK/pause/paused" ] || echo "# the daemon did not pause in the store read"
	else
		sleep 0.3
	fi
	daemon_kill
	wait "$p"
	cat "$WORK/killed.out"
}

test_killed_mid_request() {
	: >"$SYSLOG"
	expect_eq "apikeyd killed inside the store read: the helper accepts the right key" \
		PAM_SUCCESS "$(kill_mid_request read "$akey")"
	check "... (it was paused there when it was killed)" test -e "$WORK/pause/paused"
	expect_contains "... after the module logged why" "apikeyd closed the connection without an answer; asking the helper" "$(syslog_text)"
	expect_eq "apikeyd killed inside the store read: a wrong key is refused (by the helper)" \
		PAM_AUTH_ERR "$(kill_mid_request read "$awrong")"
	expect_eq "apikeyd killed before it read the request: the helper accepts the right key" \
		PAM_SUCCESS "$(kill_mid_request unread "$akey")"
	expect_eq "apikeyd killed before it read the request: a wrong key is refused" \
		PAM_AUTH_ERR "$(kill_mid_request unread "$awrong")"
	rm -rf "$WORK/pause"
	check "the killed daemon left its socket behind" test -S "$SOCK"
	expect_eq "nothing answers on it: the module asks the helper" PAM_SUCCESS "$(pam_auth both $ALICE "$akey")"
	: >"$SYSLOG"
	daemon_start
	expect_eq "a fresh apikeyd replaces the stale socket and serves" PAM_SUCCESS "$(pam_auth donly $ALICE "$akey")"
	expect_lacks "... without complaint" "another apikeyd" "$(syslog_text)"
	"$BIN/apikeyd" 2>/dev/null
	expect_eq "a second apikeyd does not replace a live one" 1 "$?"
	expect_contains "... and says why" "another apikeyd serves on $SOCK" "$(syslog_text)"
	expect_eq "... the first still serves" PAM_SUCCESS "$(pam_auth donly $ALICE "$akey")"
	check "the store is intact after the kills" store_intact
}

# ---- faults injected into the daemon ----------------------------------

# The sequence of requests each faulted daemon serves: "EXPECTED FILE
# [USER]" (USER: sent as that user, root otherwise); @NEW@ and @GONE@ are
# a key made and a key deleted once the daemon runs.
fault_sequence() {
	cat <<SEQ
0 good.req
10 wrong.req
0 acct.req
0 good.req $ALICE
10 foreign.req $ALICE
10 gone.req
0 fresh.req
0 good.req
SEQ
}

# run_sequence: each request's "EXPECTED GOT" on a line; GOT is the status
# answered, "closed" or "reset" (no byte), or what else came
run_sequence() {
	while read -r want file user; do
		case $file in
		gone.req) $CTL delete $ALICE/gone --yes >/dev/null ;;
		fresh.req)
			fresh=$(newkey $ALICE --name fresh)
			request A $ALICE 127.0.0.1 "$fresh" >"$WORK/fresh.req"
			;;
		esac
		if [ -n "$user" ]; then line=$(user_ask "$user" "$WORK/$file"); else line=$(ask "$WORK/$file"); fi
		read -r res st _ <<<"$line"
		case $res in answer) echo "$want $st" ;; *) echo "$want $res" ;; esac
	done < <(fault_sequence)
}

# fresh_keys: the keys a sequence makes and deletes, made anew
fresh_keys() {
	$CTL delete $ALICE/fresh --yes >/dev/null 2>&1
	$CTL delete $ALICE/gone --yes >/dev/null 2>&1
	gone=$(newkey $ALICE --name gone)
	request A $ALICE 127.0.0.1 "$gone" >"$WORK/gone.req"
}

# count_calls FILE [sequence]: each shimmed function's calls in one
# daemon's life (started, the sequence served or not, stopped)
count_calls() {
	rm -f "$1"
	fresh_keys
	daemon_start LD_PRELOAD="$SHIM" FAULT_COUNT="$1" || return
	[ -n "${2-}" ] && run_sequence >/dev/null
	settle
	daemon_stop
}

test_faults() {
	daemon_stop
	request C $ALICE "" "${akey:5:12}" >"$WORK/acct.req"
	request A $ALICE 127.0.0.1 "$bkey" >"$WORK/foreign.req"
	chmod 0644 "$WORK"/*.req
	count_calls "$WORK/calls.idle"
	count_calls "$WORK/calls.busy" sequence
	funcs="sqlite3_step sqlite3_exec sqlite3_open_v2 sqlite3_prepare_v2 malloc calloc realloc read write open openat fstat fstatat getpwnam getpwnam_r getpwuid_r pwrite64 fsync fdatasync fork pipe2"
	max=${DAEMON_FAULT_SITES:-6}
	t0=$(date +%s%N)
	runs=0 bad="" hits=0 lost=0 logged=0 dead=0 keys_before=$(dbq 'SELECT count(*) FROM keys')
	for func in $funcs; do
		idle=$(awk -v f="$func" '$1 == f {print $2}' "$WORK/calls.idle")
		busy=$(awk -v f="$func" '$1 == f {print $2}' "$WORK/calls.busy")
		if [ -z "$idle" ] || [ -z "$busy" ] || [ "$busy" -le "$idle" ]; then continue; fi
		# the calls the sequence made, spread over at most $max sites
		span=$((busy - idle))
		n=$((span < max ? span : max))
		echo "# $func: $span calls in the sequence, $n of them failed in turn"
		for i in $(seq 0 $((n - 1))); do
			nth=$((idle + 1 + (n > 1 ? i * (span - 1) / (n - 1) : 0)))
			fresh_keys
			: >"$SYSLOG"
			QUIET_START=1 daemon_start LD_PRELOAD="$SHIM" FAULT_FUNC="$func" FAULT_NTH="$nth" || {
				dead=$((dead + 1))
				continue
			}
			runs=$((runs + 1))
			results=$(run_sequence)
			# every answer is the right one, but for at most one
			# request, which is a system error or closed unanswered
			wrong=$(awk '$1 != $2' <<<"$results")
			nwrong=$(grep -c . <<<"$wrong")
			if [ "$nwrong" -gt 0 ]; then hits=$((hits + 1)); fi
			if [ "$nwrong" -gt 1 ] || { [ "$nwrong" = 1 ] && grep -qvE '^[0-9]+ (12|closed|reset)$' <<<"$wrong"; }; then
				bad="$bad $func#$nth:[$(tr '\n' ',' <<<"$wrong")]"
			fi
			if [ "$(awk '$1 == 10 && $2 == 0' <<<"$results")" != "" ]; then bad="$bad $func#$nth:ACCEPTED-A-WRONG-KEY"; fi
			# stopped, the daemon has waited for its writer: the fresh
			# key's login (the 7th) is recorded, or its loss logged
			daemon_stop
			if [ "$DAEMON_STATUS" != 0 ]; then bad="$bad $func#$nth:exit($DAEMON_STATUS)"; fi
			fresh_ok=$(sed -n 7p <<<"$results")
			if [ "$fresh_ok" = "0 0" ]; then
				used=$(key_json $ALICE/fresh | jq -r .use_count)
				if [ "$used" != 1 ]; then
					lost=$((lost + 1))
					if syslog_text | grep -qE 'could not record|dropping tracking rows|no tracking writer|tracking writer went away'; then
						logged=$((logged + 1))
					else
						bad="$bad $func#$nth:row-lost-silently"
					fi
				fi
			fi
		done
	done
	echo "# faults in apikeyd: $runs runs in $(ms_since "$t0") ms, $hits hit a request, $lost tracking rows lost ($logged logged), $dead did not start"
	expect_eq "faults in apikeyd: never a wrong answer, at most the faulted request a system error, a clean stop" "" "$bad"
	check "the sweep really ran (over 20 faulted daemons)" test "$runs" -gt 20
	check "... and its faults really hit requests (over 10)" test "$hits" -gt 10
	check "the store is intact after the sweep" store_intact
	expect_eq "no key was lost or added by the sweep" "$keys_before" "$(dbq 'SELECT count(*) FROM keys')"
	daemon_start
	t0=$(key_json $ALICE/main | jq -r .use_count)
	expect_eq "a plain daemon afterwards accepts the key" PAM_SUCCESS "$(pam_auth donly $ALICE "$akey" --rhost 192.0.2.7)"
	settle
	expect_eq "... and writes its tracking row" "$((t0 + 1)) 192.0.2.7" "$(key_json $ALICE/main | jq -r '"\(.use_count) \(.last_used_ip)"')"
}

# ---- the caller rules through the socket ------------------------------

# both_answers USER FILE: the same request from the same user answered by
# apikeyd and by the helper, as "STATUS TEXT" in DAEMON_SAYS and
# HELPER_SAYS (the helper's: its exit status, its output)
both_answers() {
	DAEMON_SAYS=$(user_ask "$1" "$WORK/$2" | awk '{print $2, $6}')
	as_user "$1" "$BIN/apikey-helper" <"$WORK/$2" >"$WORK/helper.out" 2>/dev/null
	st=$?
	h=$(tr '\0 ' '|_' <"$WORK/helper.out")
	# a refusal before any decision: the helper writes no response,
	# apikeyd an empty one (three empty fields)
	HELPER_SAYS="$st ${h:-|||}"
}

test_callers() {
	skey=$(newkey $ALICE --name web --service webapi)
	"$BIN/testtool" request A $ALICE 127.0.0.1 webapi "" "$skey" >"$WORK/web.req"
	"$BIN/testtool" request A $ALICE 127.0.0.1 webapi "" "$akey" >"$WORK/web-unscoped.req"
	"$BIN/testtool" request A $ALICE 127.0.0.1 webapi "" "$(wrong_secret "$skey")" >"$WORK/web-wrong.req"
	request A $BOB 127.0.0.1 "$bkey" >"$WORK/bob.req"
	request A $ALICE 127.0.0.1 "$bkey" >"$WORK/foreign.req"
	request C $ALICE "" "${bkey:5:12}" >"$WORK/foreign-acct.req"
	request C $ALICE "" ZZZZZZZZZZZZ >"$WORK/none-acct.req"
	chmod 0644 "$WORK"/*.req
	expect_eq "alice asking about bob's account: refused" "answer 10" "$(user_ask $ALICE "$WORK/bob.req" | cut -d' ' -f1-2)"
	expect_eq "alice presenting bob's key for her own account: the answer of a wrong key" \
		"$(user_ask $ALICE "$WORK/wrong.req" | awk '{print $2, $6}')" "$(user_ask $ALICE "$WORK/foreign.req" | awk '{print $2, $6}')"
	expect_eq "alice checking bob's key id: the answer of an id that does not exist" \
		"$(user_ask $ALICE "$WORK/none-acct.req" | awk '{print $2, $6}')" "$(user_ask $ALICE "$WORK/foreign-acct.req" | awk '{print $2, $6}')"
	expect_eq "... while root is told whose key it is (the checks above can fail)" \
		"10 key_belongs_to_another_user|bobs" "$(ask "$WORK/foreign.req" | awk '{print $2, $6}' | cut -d'|' -f1-2)"
	for r in good wrong bob foreign foreign-acct none-acct web; do
		both_answers $ALICE $r.req
		expect_eq "alice's $r request: apikeyd answers as the helper" "$HELPER_SAYS" "$DAEMON_SAYS"
	done
	: >"$SYSLOG"
	expect_eq "carol (verifier group, a supplementary group) checks a key scoped to a listed service" \
		"answer 0 accepted|||" "$(short "$(user_ask $CAROL "$WORK/web.req")")"
	expect_contains "... logged by apikeyd before it answered" \
		"uid $(id -u $CAROL) (group apikey-verify) checked a key for authentication: service=\"webapi\" user=\"$ALICE\" key_id=${skey:5:12}" "$(syslog_text)"
	expect_eq "carol: a key not scoped to the service is refused" "answer 10 refused|||" "$(short "$(user_ask $CAROL "$WORK/web-unscoped.req")")"
	expect_eq "carol: a wrong secret is refused alike" "answer 10 refused|||" "$(short "$(user_ask $CAROL "$WORK/web-wrong.req")")"
	for r in web web-unscoped web-wrong bob; do
		both_answers $CAROL $r.req
		expect_eq "carol's $r request: apikeyd answers as the helper" "$HELPER_SAYS" "$DAEMON_SAYS"
	done
	expect_eq "bob (not in the group) asking about alice's scoped key: refused" "answer 10" "$(user_ask $BOB "$WORK/web.req" | cut -d' ' -f1-2)"
	service webapi "auth required $MOD helper=$WORK/no-such-helper"
	expect_eq "carol's login of alice through the module and apikeyd" PAM_SUCCESS "$(user_auth $CAROL webapi $ALICE "$skey")"
	expect_eq "bob's login of alice through the module and apikeyd: refused" PAM_AUTH_ERR "$(user_auth $BOB webapi $ALICE "$skey")"
	# a setgid program of the verifier group run by bob: its effective
	# gid is the group's, its real one bob's; the module sends it to the
	# helper, which judges the real one, so bob gains nothing
	install -m 2755 -o root -g apikey-verify "$BIN/pam-test" "$BIN/sgid-pam-test"
	service webapi "auth required $MOD helper=$BIN/apikey-helper"
	# (run by a user, a sanitized setgid pam-test dies in LeakSanitizer
	# with "a fatal error": the unsanitized run has this check)
	if [ -z "${APIKEY_SANITIZED-}" ]; then
		expect_eq "a setgid program of the verifier group run by bob cannot check alice's web key" PAM_AUTH_ERR \
			"$(printf '%s\n' "$skey" | as_user $BOB "$BIN/sgid-pam-test" "$WORK/pam.d" webapi $ALICE | sed -n 's/^auth=//p')"
	else
		echo "# not run in a sanitized build: a setgid program"
	fi
	expect_eq "... while carol, in the group, can (the check above can fail)" PAM_SUCCESS "$(user_auth $CAROL webapi $ALICE "$skey")"
}

# ---- a flood of refusals ----------------------------------------------

# Any user can have apikeyd refuse requests by the thousand: at most 20
# refusal lines a second reach the log, the rest are counted in a summary
# line, and the lines that matter (a verifier group's check) get through.
test_refusal_flood() {
	printf 'PAK1\0junk' >"$WORK/junk.req"
	: >"$SYSLOG"
	t0=$(date +%s%N)
	bg_as $ALICE "$BIN/testtool" noread "$SOCK" 300 0 <"$WORK/junk.req" >"$WORK/flood.out"
	wait "$BG"
	secs=$(($(ms_since "$t0") / 1000 + 1))
	expect_eq "a user's 300 malformed requests in a burst are each refused" "answered 300" "$(sed -n 2p "$WORK/flood.out")"
	expect_eq "... while a verifier's check goes on" "answer 0" "$(user_ask $CAROL "$WORK/web.req" | cut -d' ' -f1-2)"
	for _ in $(seq 150); do grep -q 'were not logged' "$SYSLOG" && break; sleep 0.02; done
	log=$(syslog_text)
	n=$(grep -c "apikeyd\[$DAEMON_PID\]: refused: malformed request from uid $(id -u $ALICE)" <<<"$log")
	echo "# 300 malformed requests over $secs s: $n log lines"
	check "... at most 20 refusal lines a second reach the log" test "$n" -ge 1 -a "$n" -le $((20 * (secs + 1)))
	expect_contains "... the rest are counted in one line" "more refused requests were not logged (at most 20 lines a second)" "$log"
	expect_contains "... and the verifier's check is logged" "uid $(id -u $CAROL) (group apikey-verify) checked a key for authentication" "$log"
}

# ---- what the attacker review found ----------------------------------

# A tracking writer that dies is replaced by one that can lock the store
# (the daemon closes its store before it forks the new one).
test_writer_replaced() {
	writer=$(pgrep -P "$DAEMON_PID" | head -1)
	check "apikeyd has a tracking writer" test -n "$writer"
	: >"$SYSLOG"
	kill -9 "$writer"
	sleep 0.2
	ask "$WORK/good.req" >/dev/null # its row meets the dead writer
	sleep 0.3
	used=$(key_json $ALICE/main | jq -r .use_count)
	for _ in 1 2 3; do ask "$WORK/good.req" >/dev/null; done
	sleep 0.5
	expect_eq "after its writer was killed, apikeyd records every use again" "$((used + 3))" "$(key_json $ALICE/main | jq -r .use_count)"
	log=$(syslog_text)
	expect_contains "... having said it replaced the writer" "the tracking writer went away; starting another" "$log"
	expect_lacks "... and the new writer never failed to lock the store" "locking protocol" "$log"
	check "... a new writer process" test "$(pgrep -P "$DAEMON_PID" | head -1)" != "$writer"
}

# A daemon still draining when a new one starts does not remove the new
# one's socket as it exits.
test_old_daemon_keeps_off() {
	bg_as $ALICE "$BIN/testtool" stall "$SOCK" 1 10 0 <"$WORK/good.req" >/dev/null
	sleep 0.3
	old=$DAEMON_PID
	kill -TERM "$old"
	sleep 0.2
	daemon_start || return
	wait "$old"
	expect_eq "a daemon that drained while a new one started left the new one's socket" "answer 0" \
		"$(ask "$WORK/good.req" | cut -d' ' -f1-2)"
}

# A refused request that held a key leaves no copy of it in the daemon.
test_no_key_left() {
	{ request A $ALICE 127.0.0.1 "$akey"; printf 'trailing'; } >"$WORK/key-junk.req"
	expect_eq "a request with a key and trailing bytes is refused as malformed" "answer 13" "$(ask "$WORK/key-junk.req" | cut -d' ' -f1-2)"
	# shellcheck disable=SC2016
	scan='import re,sys
pid, key = sys.argv[1], sys.argv[2].encode()
n = 0
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in maps:
        lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
        if "r" not in line.split()[1]: continue
        try:
            mem.seek(lo); n += mem.read(hi - lo).count(key)
        except (OSError, ValueError, OverflowError): pass
print(n)'
	# (ASan reserves terabytes of shadow memory: no scan of that)
	if [ -n "${APIKEY_SANITIZED-}" ]; then
		echo "# not run in a sanitized build: the memory scan"
		return
	fi
	expect_eq "... and no copy of the key is left in apikeyd's memory" 0 "$(python3 -c "$scan" "$DAEMON_PID" "$akey")"
	# the scan finds a key where one is (a process holding it)
	printf '%s\n' "$akey" | (read -r k; sleep 2; echo "$k" >/dev/null) &
	holder=$!
	sleep 0.3
	check "... (the scan finds a key in a process that holds one)" test "$(python3 -c "$scan" "$holder" "$akey")" -ge 1
	wait "$holder"
}

# A socket directory others cannot enter is reported; systemd's
# NOTIFY_SOCKET survives the emptied environment (READY=1 is sent).
test_start_up() {
	daemon_stop
	: >"$SYSLOG"
	chmod 0700 "$WORK/daemon"
	daemon_start
	expect_contains "a socket directory others cannot enter is logged as such" \
		"is not open to others (mode 0700): only root's logins reach apikeyd" "$(syslog_text)"
	daemon_stop
	chmod 0755 "$WORK/daemon"
	python3 -c 'import socket,sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); s.settimeout(10)
print(s.recv(4096).decode())' "$WORK/notify.sock" >"$WORK/notify.out" &
	listener=$!
	wait_until test -S "$WORK/notify.sock"
	daemon_start NOTIFY_SOCKET="$WORK/notify.sock"
	wait "$listener"
	expect_eq "with NOTIFY_SOCKET set (apikeyd.service, Type=notify) it tells systemd it is ready" "READY=1" "$(cat "$WORK/notify.out")"
}

# ---- what the second review found -------------------------------------

# A user connecting and closing as fast as it can does not keep the
# daemon from reading others' requests (accepts are taken in batches):
# another's login is answered at once, by apikeyd or (the backlog full)
# by the helper, never left to wait out the module's timeout.
test_connect_storm() {
	bg_as $ALICE "$BIN/testtool" storm "$SOCK" 6 4 >"$WORK/storm.out"
	p=$BG
	sleep 0.5
	prompt=0
	for _ in 1 2 3 4 5; do
		t0=$(date +%s%N)
		r=$(pam_auth both $BOB "$bkey")
		ms=$(ms_since "$t0")
		echo "# during a connect storm: $r in $ms ms"
		[ "$r" = PAM_SUCCESS ] && [ "$ms" -lt 2000 ] && prompt=$((prompt + 1))
		sleep 0.3
	done
	wait "$p"
	echo "# the storm: $(cat "$WORK/storm.out") connections in 4 s"
	expect_eq "during one user's connect storm, 5 of 5 logins of another succeed within 2 s" 5 "$prompt"
}

# A store migrated, or a directory made unsafe, after apikeyd opened the
# store is noticed before the next request, as a fresh open would.
test_store_changed_under_it() {
	version=$(dbq 'PRAGMA user_version')
	dbq 'PRAGMA user_version = 99'
	expect_eq "a store migrated past what apikeyd knows: a system error on the next request" "answer 12" "$(ask "$WORK/good.req" | cut -d' ' -f1-2)"
	expect_contains "... saying why (quoted)" 'newer\x20than\x20this\x20program\x20knows' "$(syslog_text)"
	dbq "PRAGMA user_version = $version"
	expect_eq "... and served again once it is back" "answer 0" "$(ask "$WORK/good.req" | cut -d' ' -f1-2)"
	chmod 0777 "$WORK/store"
	expect_eq "a store directory made writable by all: a system error on the next request" "answer 12" "$(ask "$WORK/good.req" | cut -d' ' -f1-2)"
	expect_contains "... saying why (quoted)" "unsafe\\x20directory\\x20$STORE_DIR" "$(syslog_text)"
	chmod 0700 "$WORK/store"
	expect_eq "... and served again once it is safe" "answer 0" "$(ask "$WORK/good.req" | cut -d' ' -f1-2)"
}

# Requests answered with a store error while the store is gone are
# logged within the refusal budget, not once each.
test_store_error_flood() {
	mv "$DB" "$WORK/away.db"
	: >"$SYSLOG"
	t0=$(date +%s%N)
	bg_as $ALICE "$BIN/testtool" noread "$SOCK" 300 0 <"$WORK/good.req" >"$WORK/sflood.out"
	wait "$BG"
	secs=$(($(ms_since "$t0") / 1000 + 1))
	for _ in $(seq 150); do grep -q 'were not logged' "$SYSLOG" && break; sleep 0.02; done
	n=$(grep -c "apikeyd\[$DAEMON_PID\]: store error" <<<"$(syslog_text)")
	echo "# 300 requests while the store is gone, over $secs s: $n store error lines"
	check "while the store is gone, a user's 300 requests log at most 20 store errors a second" test "$n" -ge 1 -a "$n" -le $((20 * (secs + 1)))
	expect_contains "... the rest counted in one line" "more refused requests were not logged" "$(syslog_text)"
	mv "$WORK/away.db" "$DB"
	expect_eq "... and with the store back, served again" "answer 0" "$(ask "$WORK/good.req" | cut -d' ' -f1-2)"
}

# A failed lookup of the verifier group is not remembered: the next check
# is the group's again.
test_group_lookup_failure() {
	daemon_stop
	daemon_start LD_PRELOAD="$SHIM" FAULT_FUNC=getgrnam_r FAULT_NTH=1 || return
	first=$(user_ask $CAROL "$WORK/web.req" | cut -d' ' -f1-2)
	echo "# carol's check while the group lookup failed: $first"
	expect_eq "after a failed lookup of the verifier group, carol's next check is the group's again" "answer 0" "$(user_ask $CAROL "$WORK/web.req" | cut -d' ' -f1-2)"
	daemon_stop
	daemon_start
}

# ---- SIGTERM ----------------------------------------------------------

# SIGTERM: no new connections (the module asks the helper), the open ones
# answered, every tracking row written, then exit 0 with the count logged
test_sigterm_drains() {
	daemon_stop
	: >"$SYSLOG"
	daemon_start || return
	used0=$(key_json $ALICE/main | jq -r .use_count)
	ask "$WORK/good.req" >/dev/null
	ask "$WORK/good.req" >/dev/null
	ask "$WORK/good.req" 20 1000 >"$WORK/inflight.out" &
	p=$!
	sleep 0.3
	pid=$DAEMON_PID
	t0=$(date +%s%N)
	kill -TERM "$pid"
	sleep 0.2
	expect_eq "while it drains, a new connection is refused" "refused" "$(ask "$WORK/good.req" | cut -d' ' -f1)"
	expect_eq "... so the module asks the helper" PAM_SUCCESS "$(pam_auth both $ALICE "$akey")"
	wait "$p"
	expect_eq "the request in flight at SIGTERM is answered" "answer 0" "$(cut -d' ' -f1-2 "$WORK/inflight.out")"
	wait "$pid"
	st=$?
	ms=$(ms_since "$t0")
	DAEMON_PID=""
	expect_eq "then apikeyd exits 0" 0 "$st"
	check "... as soon as it was answered (under 2 s)" test "$ms" -lt 2000
	log=$(syslog_text)
	expect_contains "it logs how many requests it served" "apikeyd[$pid]: stopping after 2 requests: answering the 1 open connections" "$log"
	expect_contains "... and that it stopped" "apikeyd[$pid]: stopped" "$log"
	check "its socket is removed" test ! -e "$SOCK"
	# the helper's login above adds one row of its own
	settle
	expect_eq "every answered login's tracking row is written" "$((used0 + 4))" "$(key_json $ALICE/main | jq -r .use_count)"
	# a client that never finishes delays the exit by the deadline only
	daemon_start || return
	bg_as $ALICE "$BIN/testtool" stall "$SOCK" 1 10 0 <"$WORK/good.req" >/dev/null
	p=$BG
	sleep 0.3
	pid=$DAEMON_PID
	t0=$(date +%s%N)
	kill -TERM "$pid"
	wait "$pid"
	st=$?
	ms=$(ms_since "$t0")
	DAEMON_PID=""
	wait "$p"
	echo "# SIGTERM with a stalled client: exit after $ms ms"
	expect_eq "with a client that stalls, apikeyd still exits 0" 0 "$st"
	check "... within the drain deadline (2 s, by 4 s)" test "$ms" -lt 4000
	daemon_start
}

test_sizes
test_slow_clients
test_per_uid_cap
test_never_reads
test_out_of_descriptors
test_peer_not_root
test_garbage_answers
test_hang
test_killed_mid_request
test_callers
test_group_lookup_failure
test_connect_storm
test_store_changed_under_it
test_store_error_flood
test_refusal_flood
test_writer_replaced
test_old_daemon_keeps_off
test_no_key_left
test_start_up
test_sigterm_drains
test_faults
daemon_stop
check "apikeyd stops cleanly at the end" test "$DAEMON_STATUS" = 0
