#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# make bench [QUICK=1]: what a whole login costs (pam_start ->
# pam_authenticate -> pam_acct_mgmt -> pam_end) with pam_apikey through
# apikeyd and through its setuid helper, against the floor (a module that
# only posix_spawns a setuid no-op), pam_pwdfile, pam_userdb and pam_unix,
# as root and as an unprivileged account, at 1, 2 and 8 clients and at 1k
# and 1M keys; apikeyd's memory; and a load with concurrent deletes that
# must accept no key after its delete returned and refuse no live key;
# and a fleet (bench/fleet.sh, issue 15): a central PostgreSQL store with
# 20 hosts and their agents, how soon a central delete is refused on each
# host, the initial synchronisation of 100k keys, a central key's login
# against a local one's.  BENCH_PARTS="login fleet" (the default) names
# the parts to run.  See bench/README.md.
#
# Runs as root inside a private mount namespace (as tests/sandbox.sh does):
# the product's store, pepper and socket directories are test directories
# bound over /var/lib/pam_apikey, /etc/pam_apikey and /run/pam_apikey, /dev
# is a private tmpfs with a log socket at /dev/log; the host's /etc/pam.d,
# store, pepper and apikeyd are never touched.  One test account,
# pakb_bench, is created on the host and removed at exit.  Results:
# bench/results/ (QUICK: bench/results/quick/).
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD:-$TOP/build}
export BENCH_BUILD=$BUILD
QUICK=${QUICK:-}
[ "$QUICK" = 0 ] && QUICK=
BENCH_PARTS=${BENCH_PARTS:-login fleet}
export BENCH_PARTS
for p in $BENCH_PARTS; do
	case $p in login | fleet) ;; *)
		echo "bench: unknown part '$p' in BENCH_PARTS (login, fleet)" >&2
		exit 2
		;;
	esac
done
# has_part NAME: NAME is one of the parts this run makes
has_part() { case " $BENCH_PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
if [ -n "$QUICK" ]; then
	OUT=${BENCH_OUT:-$TOP/bench/results/quick}
else
	OUT=${BENCH_OUT:-$TOP/bench/results}
fi

# tests/sandbox.sh: sandbox_run (the namespace), sandbox_log (/dev) and
# DAEMON_DIR; sourcing it must not change this script's BUILD
bench_build=$BUILD
. "$TOP/tests/sandbox.sh"
BUILD=$bench_build

# ---- outside: enter the private namespace --------------------------------
if [ -z "${PAM_APIKEY_SANDBOX-}" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "bench: must run as root (it installs a setuid helper in a private namespace)" >&2
		exit 1
	fi
	[ -x "$BUILD/bench/deleteload" ] && [ -x "$BUILD/bench/fleetwatch" ] &&
		[ -x "$BUILD/apikeyd" ] && [ -x "$BUILD/apikey-sync" ] || {
		echo "bench: run it as 'make bench' (it builds the bench's tools into $BUILD)" >&2
		exit 1
	}
	sandbox_run "$@"
	rc=$?
	if [ "$rc" = 0 ]; then
		echo "bench: PASS - run complete, results well-formed, no late accept, no false refusal (${QUICK:+QUICK, }parts: $BENCH_PARTS; $OUT)"
	else
		echo "bench: FAIL - exit $rc (see the messages above)"
	fi
	exit "$rc"
fi

# ---- inside the namespace -------------------------------------------------
if [ -n "$QUICK" ]; then
	MODE=quick ROUNDS=2 LAT_S=0.25 LAT_MIN=3 TP_S=0.3 TP_MIN=2
	SCALE_ROUNDS=2 SCALE_S=0.25 RSS_RUNS=5
	SIZES="1k:1000 100k:100000" LOAD_S=4 POOL=600
else
	MODE=full ROUNDS=5 LAT_S=2 LAT_MIN=20 TP_S=3 TP_MIN=5
	SCALE_ROUNDS=5 SCALE_S=1.5 RSS_RUNS=30
	SIZES="1k:1000 1M:1000000" LOAD_S=20 POOL=4000
fi
MAIN_SIZE=1k
U=pakb_bench
PAM_SUCCESS=0 PAM_AUTH_ERR=7
T_START=$(date +%s.%N)

say() { echo "bench: $*"; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
die() {
	echo "bench: FAILED: $*" >&2
	exit 1
}

WORK=$(mktemp -d /tmp/pam_apikey-bench.XXXXXX)
chmod 0755 "$WORK"
LOG_PID="" DAEMON_PID=""
cleanup() {
	stop_apikeyd
	sandbox_stop_agents # bench/fleet.sh's apikey-sync agents
	sandbox_pg_cleanup  # and its PostgreSQL
	[ -n "$LOG_PID" ] && kill "$LOG_PID" 2>/dev/null
	umount -R -l "$WORK/olddev" 2>/dev/null
	# userdel rewrites /etc/group: never while the copy is bound over it
	mountpoint -q /etc/group && umount /etc/group
	userdel "$U" >/dev/null 2>&1
	rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

BIN=$WORK/bin
mkdir -m 0755 "$BIN"
install -m 4755 -o root "$BUILD/apikey-helper" "$BIN/apikey-helper" || die "make all first"
install -m 4755 -o root "$BUILD/bench/noop" "$BIN/noop"
install -m 0644 "$BUILD/pam_apikey.so" "$BIN/pam_apikey.so"
install -m 0644 "$BUILD/bench/pam_floor.so" "$BIN/pam_floor.so"
for t in apikeyd apikeyctl apikey-sync log-listen; do install -m 0755 "$BUILD/$t" "$BIN/$t" || die "missing $BUILD/$t"; done
for t in authbench deleteload genkeys helperrun fleetwatch; do install -m 0755 "$BUILD/bench/$t" "$BIN/$t"; done
# sealed bulk rows for a central store whose schema seals them (bench/fleet.sh)
[ -x "$BUILD/centralgen" ] && install -m 0755 "$BUILD/centralgen" "$BIN/centralgen"
CTL=$BIN/apikeyctl

mkdir -m 0700 "$WORK/store" "$WORK/pepper"
mount --bind "$WORK/store" "$STORE_DIR" || die "bind $STORE_DIR"
mount --bind "$WORK/pepper" "$PEPPER_DIR" || die "bind $PEPPER_DIR"
# never the host's apikeyd: this run's socket directory, or none
mkdir -m 0755 "$WORK/daemon"
mount --bind "$WORK/daemon" "$DAEMON_DIR" || die "bind $DAEMON_DIR"
SOCK=$DAEMON_DIR/apikeyd.sock

# a private /dev with a log socket: the helper, apikeyd and the modules log
# as they would on a real host (sandbox_log sets SYSLOG and LOG_PID)
sandbox_log

# ---- apikeyd: started for each store it serves -------------------------------
start_apikeyd() {
	sandbox_apikeyd "$SOCK" || die "apikeyd does not start"
}

stop_apikeyd() {
	[ -n "$DAEMON_PID" ] || return 0
	kill "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=""
}

# ---- the account, its password, the password files -------------------------
userdel "$U" >/dev/null 2>&1
for _ in 1 2 3 4 5; do
	useradd -M -d /nonexistent -s /usr/sbin/nologin "$U" 2>/dev/null && break
	sleep 0.5 # /etc/passwd may be locked by another useradd
done
id "$U" >/dev/null 2>&1 || die "cannot create account $U"
UID_U=$(id -u "$U")
PW=$(head -c 15 /dev/urandom | base64 | tr -d '+/=')
for _ in 1 2 3 4 5; do
	echo "$U:$PW" | chpasswd -c YESCRYPT 2>/dev/null && break
	sleep 0.5
done
HASH_U=$(getent shadow "$U" | cut -d: -f2)
case $HASH_U in '$y$'*) ;; *) die "account hash is not yescrypt: ${HASH_U:0:4}" ;; esac
# the verifier group exists on an installed host (make install and the
# packages make it; pakb_bench is not in it): without it, every check by an
# unprivileged caller would also look the group up through every NSS
# source.  Here only: a copy of /etc/group bound over it.
getent group apikey-verify >/dev/null || sandbox_verifier_group
SHA512=$(printf '%s' "$PW" | openssl passwd -6 -stdin)
SEC=$WORK/secrets
mkdir -m 0755 "$SEC"
printf '%s\n' "$PW" >"$SEC/pw"
printf '%s:%s\n' "$U" "$SHA512" >"$WORK/pwdfile"
printf '%s\n%s\n' "$U" "$SHA512" | db5.3_load -T -t hash "$WORK/userdb.db" || die "db5.3_load"
chmod 0644 "$SEC/pw" "$WORK/pwdfile" "$WORK/userdb.db"

# ---- the stores -------------------------------------------------------------
$CTL init >/dev/null 2>&1 || die "apikeyctl init"
rm -f "$STORE_DIR"/keys.db*
RAW=$WORK/raw
mkdir -p "$RAW/lat"
chmod 1777 "$RAW/lat"
META=$RAW/meta.txt
RUNS=$RAW/runs.csv
echo "phase,row,size,round,clients,n,fail,wall_s,per_s,median_us,p99_us" >"$RUNS"
meta() { echo "$1=$2" >>"$META"; }
meta mode "$MODE"
meta parts "$BENCH_PARTS"
meta host "$(nproc) cores, $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")"
meta date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
meta commit "$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$TOP" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
meta sizes "$SIZES"
meta main_size "$MAIN_SIZE"
meta account_hash yescrypt
# genkeys LABEL N [POOL]: the store keys-LABEL.db, its good and wrong key
genkeys() {
	local label=$1 n=$2 t0 t1 bytes
	t0=$(date +%s.%N)
	"$BIN/genkeys" "$STORE_DIR/keys-$label.db" "$PEPPER_DIR/pepper" "$n" "$U" "$UID_U" \
		"$SEC/key-$label" "$SEC/wrong-$label" ${3:+"$3" "$SEC/pool-$label"} >/dev/null ||
		die "genkeys $label"
	t1=$(date +%s.%N)
	bytes=$(stat -c %s "$STORE_DIR/keys-$label.db")
	say "store $label: $n keys generated in $(minus "$t1" "$t0") s ($((bytes / 1048576)) MiB)"
	meta "gen_s_$label" "$(minus "$t1" "$t0")"
	meta "db_mib_$label" "$((bytes / 1048576))"
	chmod 0644 "$SEC/key-$label" "$SEC/wrong-$label"
}
if has_part login; then
	for entry in $SIZES; do
		genkeys "${entry%%:*}" "${entry#*:}"
	done
	genkeys load $((POOL + 1000)) "$POOL"
fi

# settle_helpers: waits (at most 5 s) until no helper of this run (nor its
# tracking child, which writes after the answer) runs; other helpers on
# the host are not this run's
settle_helpers() {
	local busy p
	for _ in $(seq 100); do
		busy=""
		for p in $(pgrep -x apikey-helper); do
			[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$BIN/apikey-helper" ] && busy=1
		done
		[ -z "$busy" ] && return 0
		sleep 0.05
	done
}

# use_store LABEL: keys-LABEL.db becomes the store, served by a fresh apikeyd
ACTIVE=""
use_store() {
	[ "$ACTIVE" = "$1" ] && return 0
	stop_apikeyd
	settle_helpers
	if [ -n "$ACTIVE" ]; then
		for sfx in "" -wal -shm; do
			[ -e "$STORE_DIR/keys.db$sfx" ] && mv "$STORE_DIR/keys.db$sfx" "$STORE_DIR/keys-$ACTIVE.db$sfx"
		done
	fi
	for sfx in "" -wal -shm; do
		[ -e "$STORE_DIR/keys-$1.db$sfx" ] && mv "$STORE_DIR/keys-$1.db$sfx" "$STORE_DIR/keys.db$sfx"
	done
	ACTIVE=$1
	cp "$SEC/key-$1" "$SEC/key"
	cp "$SEC/wrong-$1" "$SEC/wrong"
	start_apikeyd
}

# ---- the PAM services: whole stacks, auth and account ------------------------
PAMD=$WORK/pam.d
mkdir -m 0755 "$PAMD"
# through apikeyd only: the helper named is absent, so a login the daemon
# did not answer is an error (counted), never a helper run measured as the
# daemon's
VIA_D="daemon=$SOCK helper=$BIN/no-such-helper nodelay"
VIA_H="nodaemon helper=$BIN/apikey-helper nodelay"
PERMIT="account required pam_permit.so"
service() {
	local name=$1
	shift
	printf '%s\n' "$@" >"$PAMD/$name"
}
service apikeyd "auth required $BIN/pam_apikey.so $VIA_D" "account required $BIN/pam_apikey.so $VIA_D"
service helper "auth required $BIN/pam_apikey.so $VIA_H" "account required $BIN/pam_apikey.so $VIA_H"
service authonly "auth required $BIN/pam_apikey.so $VIA_H" "$PERMIT"
service floor "auth required $BIN/pam_floor.so helper=$BIN/noop" "$PERMIT"
service pwdfile "auth required pam_pwdfile.so pwdfile=$WORK/pwdfile nodelay" "$PERMIT"
service userdb "auth required pam_userdb.so db=$WORK/userdb crypt=crypt" "$PERMIT"
service unix "auth required pam_unix.so nodelay" "$PERMIT"
chmod 0644 "$PAMD"/*

# stack id | service | password file | label; each runs as root and as $U
STACKS="apikeyd|apikeyd|key|pam_apikey via apikeyd
helper|helper|key|pam_apikey via the helper (nodaemon)
authonly|authonly|key|pam_apikey via the helper, authenticate only (account: pam_permit)
floor|floor|pw|floor: posix_spawn a setuid no-op, once (account: pam_permit)
pwdfile|pwdfile|pw|pam_pwdfile, sha512-crypt (account: pam_permit)
userdb|userdb|pw|pam_userdb, Berkeley DB, sha512-crypt (account: pam_permit)
unix|unix|pw|pam_unix, yescrypt (account: pam_permit)"
# row id | service | password file | expected | runs as | label
ROWS=$(echo "$STACKS" | while IFS='|' read -r id svc pwf label; do
	echo "${id}_root|$svc|$pwf|$PAM_SUCCESS|root|$label"
	echo "${id}_user|$svc|$pwf|$PAM_SUCCESS|user|$label"
done)
# checked once, not timed: a wrong key is refused on both paths
CHECKS="wrong_apikeyd_root|apikeyd|wrong|$PAM_AUTH_ERR|root|wrong key via apikeyd
wrong_apikeyd_user|apikeyd|wrong|$PAM_AUTH_ERR|user|wrong key via apikeyd
wrong_helper_root|helper|wrong|$PAM_AUTH_ERR|root|wrong key via the helper
wrong_helper_user|helper|wrong|$PAM_AUTH_ERR|user|wrong key via the helper"
echo "$ROWS" | cut -d'|' -f1,5,6 >"$RAW/rows.txt"
ROW_IDS=$(echo "$ROWS" | cut -d'|' -f1)
SCALE_IDS="apikeyd_root apikeyd_user helper_root helper_user"

# bench_run PHASE ROW SIZE ROUND CLIENTS SECONDS MIN: one authbench run
bench_run() {
	local phase=$1 row=$2 size=$3 round=$4 clients=$5 secs=$6 min=$7
	local line svc pwf exp as out rc
	# EXTRA_ROWS: a part's own rows (bench/fleet.sh)
	line=$(printf '%s\n%s\n%s\n' "$ROWS" "$CHECKS" "${EXTRA_ROWS-}" | grep "^$row|")
	IFS='|' read -r _ svc pwf exp as _ <<<"$line"
	local latf=$RAW/lat/$phase.$row.$size.$round.c$clients.txt
	local cmd=("$BIN/authbench" "$PAMD" "$svc" "$U" "$SEC/$pwf" "$exp" "$clients" "$secs" "$min" 100000 "$latf")
	if [ "$as" = user ]; then
		out=$(as_user "$U" "${cmd[@]}")
	else
		out=$("${cmd[@]}")
	fi
	rc=$?
	[ -n "$out" ] || die "$row: authbench printed nothing (exit $rc)"
	# clients=C n=N fail=F wall_s=W per_s=P median_us=M p99_us=Q
	echo "$out" | sed -E 's/[a-z0-9_]+=//g' | {
		read -r c n f w p m q
		echo "$phase,$row,$size,$round,$c,$n,$f,$w,$p,$m,$q" >>"$RUNS"
	}
	LAST=$out
	return $rc
}

# ---- the login part (sections 1 to 6) ---------------------------------------------
if has_part login; then

# ---- 1. every stack once: does each give the expected answer? ---------------
use_store "$MAIN_SIZE"
for row in $ROW_IDS $(echo "$CHECKS" | cut -d'|' -f1); do
	bench_run check "$row" "$MAIN_SIZE" 0 1 0 1 >/dev/null || die "$row does not give the expected PAM result: $LAST"
done
say "every stack answers as expected (good key and passwords accepted, wrong key refused, as root and as $U)"

# ---- 2. latency and one client's logins/s, rounds interleaved ------------------
for r in $(seq "$ROUNDS"); do
	for row in $ROW_IDS; do
		bench_run latency "$row" "$MAIN_SIZE" "$r" 1 "$LAT_S" "$LAT_MIN" || die "$row failures: $LAST"
	done
	say "latency round $r/$ROUNDS done"
done

# ---- 3. 2 and 8 concurrent clients ------------------------------------------
for row in $ROW_IDS; do
	for c in 2 8; do
		bench_run throughput "$row" "$MAIN_SIZE" 1 "$c" "$TP_S" "$TP_MIN"
		# failures are counted against a target, not fatal: under load
		# they may be timeouts
	done
	say "throughput $row (clients,fails,logins/s): $(grep "^throughput,$row," "$RUNS" | cut -d, -f5,9,7 | tr '\n' ' ')"
done

# ---- 4. store size, rounds interleaved ----------------------------------------
for r in $(seq "$SCALE_ROUNDS"); do
	for entry in $SIZES; do
		label=${entry%%:*}
		use_store "$label"
		for row in $SCALE_IDS; do
			bench_run scale "$row" "$label" "$r" 1 "$SCALE_S" "$LAT_MIN" || die "$row at $label: $LAST"
		done
	done
	say "store-size round $r/$SCALE_ROUNDS done"
done

# ---- 5. memory at the largest store: apikeyd after 8 clients, the helper ------
last=${SIZES##* } last=${last%%:*}
first=${SIZES%% *} first=${first%%:*}
meta size_first "$first"
meta size_last "$last"
use_store "$last"
for row in apikeyd_root apikeyd_user; do
	bench_run scale8 "$row" "$last" 1 8 "$TP_S" "$TP_MIN"
done
# status_kib PID FIELD: VmHWM or VmRSS of a process, in KiB
status_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
WRITER_PID=$(pgrep -P "$DAEMON_PID" | head -1)
[ -n "$WRITER_PID" ] || die "apikeyd has no writer process"
for f in VmHWM VmRSS; do
	meta "apikeyd_${f}_kib" "$(status_kib "$DAEMON_PID" "$f")"
	meta "writer_${f}_kib" "$(status_kib "$WRITER_PID" "$f")"
done
say "apikeyd at $last keys: $(grep -E '^(apikeyd|writer)_' "$META" | tr '\n' ' ')"
out=$(as_user "$U" "$BIN/helperrun" "$BIN/apikey-helper" "$U" "$SEC/key" "$RSS_RUNS")
echo "$out" | grep -q 'status=0 ' || die "helper refused the good key: $out"
meta helper_rss_kib "$(echo "$out" | sed -E 's/.*maxrss_kib=([0-9]+).*/\1/')"
say "the helper alone, $last keys, as $U: $out"

# ---- 6. logins through apikeyd while keys are deleted ---------------------------
use_store load
out=$("$BIN/deleteload" "$PAMD" apikeyd "$U" "$SEC/pool-load" 8 "$LOAD_S" "$CTL")
rc=$?
[ -n "$out" ] || die "deleteload printed nothing (exit $rc)"
say "delete load: $out"
for kv in $out; do meta "load_${kv%%=*}" "${kv#*=}"; done
meta load_pool "$POOL"

fi # the login part

# ---- the fleet part: a central store, 20 hosts (bench/fleet.sh) ------------------
if has_part fleet; then
	. "$TOP/bench/fleet.sh"
fi

# ---- 7. report --------------------------------------------------------------
stop_apikeyd
grep -Eq "apikeyd\\[[0-9]+\\]: stopping after [1-9][0-9]* requests" "$SYSLOG" ||
	die "apikeyd logged no requests served"
T_END=$(date +%s.%N)
meta bench_s "$(minus "$T_END" "$T_START")"
meta syslog_lines "$(wc -l <"$SYSLOG")"
rm -rf "$OUT/raw" # an earlier run's raw files are not this run's
mkdir -p "$OUT/raw"
cp "$RUNS" "$META" "$RAW/rows.txt" "$OUT/raw/"
for f in fleet_revoke.txt fleet_sync.txt; do
	[ -e "$RAW/$f" ] && cp "$RAW/$f" "$OUT/raw/"
done
python3 "$TOP/bench/report.py" "$RAW" "$OUT" || die "report: the results are incomplete or malformed, or a correctness count is not zero"
