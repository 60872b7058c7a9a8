#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# apikeyctl, the helper and apikeyd under valgrind memcheck: any invalid
# read or write, use of uninitialised memory or definite leak makes
# valgrind exit 99 instead of the program's own status.
# (make check-valgrind)
. "$(dirname "$0")/sandbox.sh"
sandbox_enter "$@"
sandbox_setup
VG=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
	--show-leak-kinds=definite --track-origins=yes)
sandbox_user $ALICE

# vg_ctl EXPECTED-STATUS NAME ARGS...: apikeyctl under memcheck
vg_ctl() {
	want=$1 name=$2
	shift 2
	run_cmd "${VG[@]}" "$BIN/apikeyctl" "$@"
	expect_eq "valgrind: apikeyctl $name" "$want" "$RC"
	if [ "$RC" = 99 ]; then printf "%s\n" "$ERR" | head -30 | sed "s/^/#   /"; fi
}
# vg_helper EXPECTED-STATUS NAME REQUEST-FILE: the helper under memcheck
# (as root, from a copy without the set-uid bit, which valgrind refuses)
install -m 0755 "$BUILD/apikey-helper" "$BIN/plain-helper"
vg_helper() {
	"${VG[@]}" "$BIN/plain-helper" <"$3" >/dev/null 2>"$WORK/vg.err"
	RC=$?
	ERR=$(cat "$WORK/vg.err")
	expect_eq "valgrind: helper $2" "$1" "$RC"
	if [ "$RC" = 99 ]; then printf "%s\n" "$ERR" | head -30 | sed "s/^/#   /"; fi
}

vg_ctl 0 init init
key=$("${VG[@]}" "$BIN/apikeyctl" create $ALICE --name vg --allow 192.0.2.0/24 --deny 10.0.0.0/8 --quiet)
check "valgrind: apikeyctl create printed a key" grep -q '^pak1_' <<<"$key"
vg_ctl 0 "create --json --save" create $ALICE --name vg2 --json --save "$WORK/vg2.pak"
vg_ctl 1 "create refused (duplicate)" create $ALICE --name vg
vg_ctl 0 list list
vg_ctl 0 "list --json" list --json
vg_ctl 0 show show $ALICE/vg
vg_ctl 0 "show --json" show $ALICE/vg --json
vg_ctl 0 edit edit $ALICE/vg --name vg-renamed --description "d" --disable 10.0.0.0/8 --allow 2001:db8::/32
vg_ctl 1 "edit refused" edit $ALICE/vg-renamed --remove 203.0.113.0/24
vg_ctl 0 rotate rotate $ALICE/vg2 --grace 1h --quiet
vg_ctl 2 "usage error" create
run_cmd "${VG[@]}" "$BIN/apikeyctl" verify $ALICE --rhost 192.0.2.9 <<<"$key"
expect_eq "valgrind: apikeyctl verify" 0 "$RC"

request A $ALICE 192.0.2.9 "$key" >"$WORK/good"
request A $ALICE 198.51.100.1 "$key" >"$WORK/ipdenied"
request A no_such_user_x 192.0.2.9 "$key" >"$WORK/nouser"
request A $ALICE 192.0.2.9 "$(wrong_secret "$key")" >"$WORK/wrong"
request C $ALICE "" "${key:5:12}" >"$WORK/acct"
printf 'PAK1\0A\0garbage' >"$WORK/malformed" # cut short on purpose
vg_helper 0 "accepts a good key" "$WORK/good"
vg_helper 10 "refuses by IP" "$WORK/ipdenied"
vg_helper 11 "unknown user" "$WORK/nouser"
vg_helper 10 "wrong secret" "$WORK/wrong"
vg_helper 0 "account check" "$WORK/acct"
vg_helper 13 "malformed request" "$WORK/malformed"
vg_ctl 0 delete delete $ALICE/vg-renamed --yes

# apikeyd under memcheck (and its writer, a fork): each kind of request
# above, then SIGTERM; the writer's rows too
key=$("$BIN/apikeyctl" create $ALICE --name vgd --quiet)
request A $ALICE 192.0.2.9 "$key" >"$WORK/good"
"${VG[@]}" "$BIN/apikeyd" 2>"$WORK/vgd.err" &
vpid=$!
for _ in $(seq 500); do [ -S "$DAEMON_DIR/apikeyd.sock" ] && break; sleep 0.02; done
answers=""
for r in good ipdenied nouser wrong acct malformed; do
	answers="$answers $("$BIN/testtool" ask "$DAEMON_DIR/apikeyd.sock" <"$WORK/$r" | cut -d' ' -f2)"
done
expect_eq "valgrind: apikeyd answers each kind of request" " 0 10 11 10 10 13" "$answers"
kill -TERM "$vpid"
wait "$vpid"
RC=$?
expect_eq "valgrind: apikeyd stops cleanly" 0 "$RC"
if [ "$RC" = 99 ]; then head -30 "$WORK/vgd.err" | sed "s/^/#   /"; fi
expect_eq "valgrind: apikeyd's writer recorded the use" 1 "$("$BIN/apikeyctl" show $ALICE/vgd --json | jq -r .use_count)"

# the central store: apikeyctl --central and apikey-sync under memcheck,
# against a private PostgreSQL (tests/sandbox.sh)
sandbox_postgres
vg_ctl 0 "--central init" --central "$PG_ADMIN" init
vg_ctl 0 "--central create" --central "$PG_ADMIN" create $ALICE --name vgc \
	--allow 192.0.2.0/24 --service sshd --host-group web --quiet
vg_ctl 0 "--central edit" --central "$PG_ADMIN" edit $ALICE/vgc --deny 10.0.0.0/8 \
	--remove-host-group web --host-group db --description changed
vg_ctl 0 "--central list" --central "$PG_ADMIN" list
vg_ctl 0 "--central show --json" --central "$PG_ADMIN" show $ALICE/vgc --json
vg_ctl 0 "--central rotate" --central "$PG_ADMIN" rotate $ALICE/vgc --quiet
vg_ctl 0 "--central verifier add" --central "$PG_ADMIN" verifier add vg-web
run_cmd "${VG[@]}" "$BIN/apikey-sync" --central "$PG_ADMIN" --db "$DB" \
	--host-group db --once --log-stderr
expect_eq "valgrind: apikey-sync --once mirrors the central keys" 0 "$RC"
if [ "$RC" = 99 ]; then printf "%s\n" "$ERR" | head -30 | sed "s/^/#   /"; fi
expect_eq "valgrind: the mirrored keys are in the host's store" 2 \
	"$(dbq "SELECT count(*) FROM keys WHERE origin = 'central'")"
# the agent following changes, reporting a use, then SIGTERM
"${VG[@]}" "$BIN/apikey-sync" --central "$PG_ADMIN" --db "$DB" --host-group db \
	--log-stderr 2>"$WORK/vgs.err" &
spid=$!
for _ in $(seq 500); do grep -q resynchronised "$WORK/vgs.err" && break; sleep 0.02; done
vg_ctl 0 "--central delete" --central "$PG_ADMIN" delete $ALICE/vgc --yes
for _ in $(seq 500); do grep -q "applied changes" "$WORK/vgs.err" && break; sleep 0.02; done
dbq "UPDATE keys SET use_count = use_count + 1, last_used_at = 1700000000, last_used_ip = '192.0.2.1' WHERE origin = 'central'"
sleep 2
kill -TERM "$spid"
wait "$spid"
RC=$?
expect_eq "valgrind: apikey-sync follows, reports and stops cleanly" 0 "$RC"
if [ "$RC" = 99 ]; then head -30 "$WORK/vgs.err" | sed "s/^/#   /"; fi
expect_eq "valgrind: the agent's report reached the central store" 1 \
	"$(psql_admin -c "SELECT count(*) FROM apikey.usage WHERE host = 'postgres'")"
