#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Timing must not tell an attacker which key ids exist or that a stolen key
# is valid: an unknown id, a known id with a wrong secret, and the right
# secret from a refused address take the same time, as the module sees it
# (fork + exec of the helper until its exit status), for a key with one
# allow entry and for a key with the most entries apikeyctl accepts
# (RULES_PER_LIST_MAX in each list, IPv6 of every prefix length).  The
# medians of many interleaved runs are compared with a tolerance far below
# what a database write (fsync), a skipped hash or per-entry block building
# would cost (each cost milliseconds before they were removed).
. "$(dirname "$0")/sandbox.sh"
sandbox_enter "$@"
sandbox_setup
sandbox_user $ALICE
ROUNDS=${TIMING_ROUNDS:-200}
PER_LIST=$(sed -n 's/^#define RULES_PER_LIST_MAX \([0-9]*\).*/\1/p' "$TOP/core/record.h")
key=$($CTL create $ALICE --name timed --allow 192.0.2.0/24 --quiet 2>/dev/null)
for i in $(seq 50); do $CTL create $ALICE --name "other$i" --quiet >/dev/null 2>&1; done
entries=()
for i in $(seq 0 $((PER_LIST - 1))); do
	entries+=(--allow "2001:db8:$(printf %x "$i")::/48" --deny "2001:db9:0:$(printf %x "$i")::/$((64 + i))")
done
big=$($CTL create $ALICE --name "most entries" "${entries[@]}" --quiet 2>/dev/null)
expect_eq "the key with the most entries has $PER_LIST in each list" "$PER_LIST $PER_LIST" \
	"$($CTL show $ALICE/"most entries" --json | jq -r '"\(.allow | length) \(.deny | length)"')"
case_file() { request A $ALICE 198.51.100.7 "$1" >"$WORK/$2"; }
case_file "$("$BIN/testtool" key ZZZZZZZZZZZZ "${key:18:32}")" unknown-id
case_file "$(wrong_secret "$key")" wrong-secret
case_file "$key" right-secret-refused-ip
case_file "$(wrong_secret "$big")" most-entries-wrong-secret
case_file "$big" most-entries-right-secret-refused-ip
install -m 0755 "$BUILD/apikey-helper" "$BIN/root-helper"
cd "$WORK" || exit 1
CASES="unknown-id wrong-secret right-secret-refused-ip most-entries-wrong-secret most-entries-right-secret-refused-ip"
# shellcheck disable=SC2086
"$BIN/testtool" time 5 "$BIN/root-helper" $CASES >/dev/null
settle
# shellcheck disable=SC2086
"$BIN/testtool" time "$ROUNDS" "$BIN/root-helper" $CASES >"$WORK/medians"
settle
# median FILE CASE: that case's median in a testtool output file
median() { awk -v n="$2" '$1 == n {print $2}' "$1"; }
# tolerance FILE DIVISOR FLOOR: the fastest median / DIVISOR, at least FLOOR
tolerance() {
	t=$(($(cut -d' ' -f2 "$1" | sort -n | head -1) / $2))
	echo $((t > $3 ? t : $3))
}
# same FILE TOLERANCE A B: the medians of A and B are within the tolerance
same() {
	d=$(($(median "$1" "$3") - $(median "$1" "$4")))
	[ ${d#-} -le "$2" ]
}
sed 's/^/# median µs: /' "$WORK/medians"
check "every case was timed" test "$(wc -l <"$WORK/medians")" = 5
tol=$(tolerance "$WORK/medians" 10 150)
echo "# tolerance ±$tol µs"
close() { same "$WORK/medians" "$tol" "$@"; }
check "unknown key id and wrong secret take the same time" close unknown-id wrong-secret
check "wrong secret and right secret from a refused address take the same time" close wrong-secret right-secret-refused-ip
check "unknown key id and right secret from a refused address take the same time" close unknown-id right-secret-refused-ip
check "most entries: wrong secret and right secret from a refused address take the same time" \
	close most-entries-wrong-secret most-entries-right-secret-refused-ip
check "most entries: unknown key id and right secret from a refused address take the same time" \
	close unknown-id most-entries-right-secret-refused-ip
check "most entries: unknown key id and wrong secret take the same time" close unknown-id most-entries-wrong-secret
# The tracking child's CPU time is readable by every local user in /proc:
# its work must not tell a right secret from a wrong one either.
CPU_ROUNDS=${TIMING_CPU_ROUNDS:-40}
# shellcheck disable=SC2086
"$BIN/testtool" track-cpu "$CPU_ROUNDS" "$BIN/root-helper" unknown-id wrong-secret right-secret-refused-ip >"$WORK/cpu"
sed 's/^/# tracking child median CPU µs: /' "$WORK/cpu"
check "every case left a tracking child" test "$(wc -l <"$WORK/cpu")" = 3
cpu_tol=$(tolerance "$WORK/cpu" 4 100)
echo "# tolerance ±$cpu_tol µs"
cpu_close() { same "$WORK/cpu" "$cpu_tol" "$@"; }
check "the tracking child works as long for a wrong secret as for the right one from a refused address" \
	cpu_close wrong-secret right-secret-refused-ip
check "the tracking child works as long for an unknown id as for the right secret from a refused address" \
	cpu_close unknown-id right-secret-refused-ip
expect_eq "the refusal was really recorded (the right-secret case did write)" "198.51.100.7 address not in allow list" \
	"$($CTL show $ALICE/timed --json | jq -r '"\(.last_denied_ip) \(.last_denied_reason)"')"
expect_eq "the refusal of the key with the most entries was recorded too" "198.51.100.7 address not in allow list" \
	"$($CTL show $ALICE/"most entries" --json | jq -r '"\(.last_denied_ip) \(.last_denied_reason)"')"
