#!/bin/bash
# Timing must not tell an attacker which key ids exist or that a stolen key
# is valid: an unknown id, a known id with a wrong secret, and the right
# secret from a refused address take the same time, as the module sees it
# (fork + exec of the helper until its exit status).  The medians of many
# interleaved runs are compared with a tolerance far below what a database
# write (fsync) or a skipped hash would cost.
. "$(dirname "$0")/sandbox.sh"
sandbox_enter "$@"
sandbox_setup
ALICE=pakt_alice
sandbox_user $ALICE
ROUNDS=${TIMING_ROUNDS:-200}
key=$($CTL create $ALICE --name timed --allow 192.0.2.0/24 --quiet 2>/dev/null)
for i in $(seq 50); do $CTL create $ALICE --name "other$i" --quiet >/dev/null 2>&1; done
req() { printf 'PAK1\0A\0%s\0%s\0sshd\0\0%s\0' $ALICE "$1" "$2" >"$WORK/$3"; }
req 198.51.100.7 "$("$BIN/testtool" key ZZZZZZZZZZZZ "${key:18:32}")" unknown-id
req 198.51.100.7 "$("$BIN/testtool" key "${key:5:12}" "$(printf 't%.0s' $(seq 32))")" wrong-secret
req 198.51.100.7 "$key" right-secret-refused-ip
req 192.0.2.7 "$key" accepted
install -m 0755 "$BUILD/apikey-helper" "$BIN/root-helper"
cd "$WORK" || exit 1
"$BIN/testtool" time 5 "$BIN/root-helper" unknown-id wrong-secret right-secret-refused-ip accepted >/dev/null
settle
"$BIN/testtool" time "$ROUNDS" "$BIN/root-helper" unknown-id wrong-secret right-secret-refused-ip accepted >"$WORK/medians"
settle
sed 's/^/# median µs: /' "$WORK/medians"
median() { awk -v n="$1" '$1 == n {print $2}' "$WORK/medians"; }
u=$(median unknown-id) w=$(median wrong-secret) r=$(median right-secret-refused-ip) a=$(median accepted)
# tolerance: 10 % of the fastest median, at least 150 µs
min=$(printf '%s\n' "$u" "$w" "$r" | sort -n | head -1)
tol=$(( min / 10 > 150 ? min / 10 : 150 ))
close() { d=$(( $1 - $2 )); [ ${d#-} -le "$tol" ]; }
check "unknown key id and wrong secret take the same time ($u vs $w µs, ±$tol)" close "$u" "$w"
check "wrong secret and right secret from a refused address take the same time ($w vs $r µs, ±$tol)" close "$w" "$r"
check "unknown key id and right secret from a refused address take the same time ($u vs $r µs, ±$tol)" close "$u" "$r"
expect_eq "the refusal was really recorded (the right-secret case did write)" "198.51.100.7 address not in allow list" \
	"$($CTL show $ALICE/timed --json | jq -r '"\(.last_denied_ip) \(.last_denied_reason)"')"
