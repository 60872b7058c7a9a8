#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# make bench [QUICK=1]: what a login costs with pam_apikey, against pam_unix,
# pam_pwdfile, pam_userdb and the floor (a module that only forks and execs
# a do-nothing setuid binary), from 1k to 1M keys.  See bench/README.md.
#
# Runs as root inside a private mount namespace (as tests/sandbox.sh does):
# the product's store and pepper directories are test directories bound
# over /var/lib/pam_apikey and /etc/pam_apikey, /dev is a private tmpfs with
# a log socket at /dev/log; the host's /etc/pam.d, store and pepper are
# never touched.  One test account, pakb_bench, is created on the host and
# removed at exit.  Results: bench/results/ (QUICK: bench/results/quick/).
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD:-$TOP/build}
export BENCH_BUILD=$BUILD
QUICK=${QUICK:-}
[ "$QUICK" = 0 ] && QUICK=
if [ -n "$QUICK" ]; then
	OUT=${BENCH_OUT:-$TOP/bench/results/quick}
else
	OUT=${BENCH_OUT:-$TOP/bench/results}
fi

# tests/sandbox.sh: sandbox_run (the namespace) and sandbox_log (/dev);
# sourcing it must not change this script's BUILD
bench_build=$BUILD
. "$TOP/tests/sandbox.sh"
BUILD=$bench_build

# ---- outside: enter the private namespace --------------------------------
if [ -z "${PAM_APIKEY_SANDBOX-}" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "bench: must run as root (it installs a setuid helper in a private namespace)" >&2
		exit 1
	fi
	[ -x "$BUILD/bench/genkeys" ] || {
		echo "bench: run it as 'make bench' (it builds the bench's tools)" >&2
		exit 1
	}
	sandbox_run "$@"
	rc=$?
	if [ "$rc" = 0 ]; then
		echo "bench: PASS - run complete, results well-formed (${QUICK:+QUICK, }$OUT)"
	else
		echo "bench: FAIL - exit $rc (see the messages above)"
	fi
	exit "$rc"
fi

# ---- inside the namespace -------------------------------------------------
if [ -n "$QUICK" ]; then
	MODE=quick ROUNDS=2 LAT_S=0.25 LAT_MIN=3 TP_S=0.3 TP_MIN=2
	SCALE_ROUNDS=2 SCALE_S=0.25 RSS_RUNS=5
	SIZES="1k:1000 10k:10000 100k:100000" LIST_SIZE=10k
else
	MODE=full ROUNDS=5 LAT_S=2 LAT_MIN=20 TP_S=3 TP_MIN=5
	SCALE_ROUNDS=5 SCALE_S=1.5 RSS_RUNS=30
	SIZES="1k:1000 100k:100000 1M:1000000" LIST_SIZE=100k
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
LOG_PID=""
cleanup() {
	[ -n "$LOG_PID" ] && kill "$LOG_PID" 2>/dev/null
	umount -R -l "$WORK/olddev" 2>/dev/null
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
for t in apikeyctl log-listen; do install -m 0755 "$BUILD/$t" "$BIN/$t" || die "missing $BUILD/$t"; done
for t in authbench genkeys helperrun; do install -m 0755 "$BUILD/bench/$t" "$BIN/$t"; done
CTL=$BIN/apikeyctl

mkdir -m 0700 "$WORK/store" "$WORK/pepper"
mount --bind "$WORK/store" "$STORE_DIR" || die "bind $STORE_DIR"
mount --bind "$WORK/pepper" "$PEPPER_DIR" || die "bind $PEPPER_DIR"

# a private /dev with a log socket: the helper and modules log as they
# would on a real host (sandbox_log sets SYSLOG and LOG_PID)
sandbox_log

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
meta host "$(nproc) cores, $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")"
meta date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
meta commit "$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)"
meta sizes "$SIZES"
meta main_size "$MAIN_SIZE"
meta list_size "$LIST_SIZE"
meta account_hash yescrypt
for entry in $SIZES; do
	label=${entry%%:*} n=${entry#*:}
	t0=$(date +%s.%N)
	"$BIN/genkeys" "$STORE_DIR/keys-$label.db" "$PEPPER_DIR/pepper" "$n" "$U" "$UID_U" \
		"$SEC/key-$label" "$SEC/wrong-$label" >/dev/null || die "genkeys $label"
	t1=$(date +%s.%N)
	bytes=$(stat -c %s "$STORE_DIR/keys-$label.db")
	say "store $label: $n keys generated in $(minus "$t1" "$t0") s ($((bytes / 1048576)) MiB)"
	meta "gen_s_$label" "$(minus "$t1" "$t0")"
	meta "db_mib_$label" "$((bytes / 1048576))"
	chmod 0644 "$SEC/key-$label" "$SEC/wrong-$label"
done

ACTIVE=""
use_store() {
	[ "$ACTIVE" = "$1" ] && return 0
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
}

# ---- the PAM services ---------------------------------------------------------
PAMD=$WORK/pam.d
mkdir -m 0755 "$PAMD"
APIKEY="$BIN/pam_apikey.so helper=$BIN/apikey-helper nodelay"
echo "auth required $APIKEY" >"$PAMD/apikey"
printf '%s\n' "auth [success=done default=ignore] $APIKEY" \
	"auth required pam_unix.so try_first_pass nodelay" >"$PAMD/apikey_or_unix"
echo "auth required pam_unix.so nodelay" >"$PAMD/unix"
echo "auth required pam_pwdfile.so pwdfile=$WORK/pwdfile nodelay" >"$PAMD/pwdfile"
echo "auth required pam_userdb.so db=$WORK/userdb crypt=crypt" >"$PAMD/userdb"
echo "auth required $BIN/pam_floor.so helper=$BIN/noop" >"$PAMD/floor"
chmod 0644 "$PAMD"/*

# row id | service | password file | expected | runs as | label
ROWS="apikey_key|apikey|key|$PAM_SUCCESS|user|pam_apikey: good key
apikey_pw|apikey_or_unix|pw|$PAM_SUCCESS|user|pam_apikey+pam_unix stack: non-key password
apikey_wrong|apikey|wrong|$PAM_AUTH_ERR|user|pam_apikey: wrong key
unix|unix|pw|$PAM_SUCCESS|user|pam_unix (yescrypt, via unix_chkpwd)
pwdfile|pwdfile|pw|$PAM_SUCCESS|user|pam_pwdfile (sha512-crypt)
userdb|userdb|pw|$PAM_SUCCESS|user|pam_userdb (Berkeley DB, sha512-crypt)
floor|floor|pw|$PAM_SUCCESS|user|floor: fork+exec of a setuid no-op
apikey_key_root|apikey|key|$PAM_SUCCESS|root|pam_apikey: good key, root caller (sshd's case)
unix_root|unix|pw|$PAM_SUCCESS|root|pam_unix (yescrypt, root reads shadow)"
echo "$ROWS" | cut -d'|' -f1,5,6 >"$RAW/rows.txt"

# bench PHASE ROW SIZE ROUND CLIENTS SECONDS MIN: one authbench run
bench_run() {
	local phase=$1 row=$2 size=$3 round=$4 clients=$5 secs=$6 min=$7
	local line svc pwf exp as out rc
	line=$(echo "$ROWS" | grep "^$row|")
	IFS='|' read -r _ svc pwf exp as _ <<<"$line"
	local latf=$RAW/lat/$phase.$row.$size.$round.c$clients.txt
	local cmd=("$BIN/authbench" "$PAMD" "$svc" "$U" "$SEC/$pwf" "$exp" "$clients" "$secs" "$min" 100000 "$latf")
	if [ "$as" = user ]; then
		out=$(setpriv --reuid="$U" --regid="$U" --init-groups "${cmd[@]}")
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

# ---- 1. every row once: does each stack give the expected answer? ---------
use_store "$MAIN_SIZE"
for row in $(echo "$ROWS" | cut -d'|' -f1); do
	bench_run check "$row" "$MAIN_SIZE" 0 1 0 1 >/dev/null || die "$row does not give the expected PAM result: $LAST"
done
say "every stack answers as expected (good key accepted, wrong key refused, passwords accepted)"

# ---- 2. latency, one client, rounds interleaved -----------------------------
for r in $(seq "$ROUNDS"); do
	for row in $(echo "$ROWS" | cut -d'|' -f1); do
		bench_run latency "$row" "$MAIN_SIZE" "$r" 1 "$LAT_S" "$LAT_MIN" || die "$row failures: $LAST"
	done
	say "latency round $r/$ROUNDS done"
done

# ---- 3. throughput with 1, 2 and 8 clients ------------------------------------
for row in $(echo "$ROWS" | cut -d'|' -f1); do
	case $row in *_root) continue ;; esac
	for c in 1 2 8; do
		bench_run throughput "$row" "$MAIN_SIZE" 1 "$c" "$TP_S" "$TP_MIN"
		# failures are reported, not fatal: zero failures is a target
	done
	say "throughput $row: $(grep "^throughput,$row," "$RUNS" | cut -d, -f5,9 | tr '\n' ' ')"
done

# ---- 4. store size: 1k .. 1M, rounds interleaved --------------------------
for r in $(seq "$SCALE_ROUNDS"); do
	for entry in $SIZES; do
		label=${entry%%:*}
		use_store "$label"
		for row in apikey_key apikey_wrong; do
			bench_run scale "$row" "$label" "$r" 1 "$SCALE_S" "$LAT_MIN" || die "$row at $label: $LAST"
		done
	done
	say "store-size round $r/$SCALE_ROUNDS done"
done

# ---- 5. the helper alone: peak RSS, instructions ----------------------------
for entry in $SIZES; do
	label=${entry%%:*}
	use_store "$label"
	cp "$SEC/key" "$SEC/rss-key"
	out=$(setpriv --reuid="$U" --regid="$U" --init-groups "$BIN/helperrun" "$BIN/apikey-helper" "$U" "$SEC/key" "$RSS_RUNS")
	say "helper alone, $label store, good key (as $U): $out"
	echo "$out" | grep -q 'status=0 ' || die "helper refused the good key: $out"
	meta "helper_rss_kib_$label" "$(echo "$out" | sed -E 's/.*maxrss_kib=([0-9]+).*/\1/')"
	meta "helper_us_$label" "$(echo "$out" | sed -E 's/.*median_us=([0-9]+).*/\1/')"
	out=$(setpriv --reuid="$U" --regid="$U" --init-groups "$BIN/helperrun" "$BIN/noop" "$U" "$SEC/key" "$RSS_RUNS")
	meta "noop_rss_kib" "$(echo "$out" | sed -E 's/.*maxrss_kib=([0-9]+).*/\1/')"
	meta "noop_us" "$(echo "$out" | sed -E 's/.*median_us=([0-9]+).*/\1/')"
done

CG=$RAW/callgrind
mkdir -p "$CG"
# callgrind NAME STORE KEYFILE PROGRAM: one helper run under callgrind, as
# root, from a copy without the setuid bit (valgrind refuses setuid files;
# for a root caller the helper behaves the same)
callgrind() {
	local name=$1 store=$2 keyfile=$3 prog=$4
	use_store "$store"
	"$BIN/helperrun" --write "$CG/$name.req" "$U" "$keyfile" || die "request"
	install -m 0755 "$prog" "$CG/$(basename "$prog")"
	prog=$CG/$(basename "$prog")
	valgrind --tool=callgrind --callgrind-out-file="$CG/$name.out" \
		"$prog" <"$CG/$name.req" >/dev/null 2>"$CG/$name.log"
	echo "$?" >"$CG/$name.rc"
	callgrind_annotate --inclusive=yes --threshold=100 "$CG/$name.out" >"$CG/$name.incl.txt" 2>/dev/null
	callgrind_annotate --threshold=100 "$CG/$name.out" >"$CG/$name.self.txt" 2>/dev/null
}
first=${SIZES%% *} first=${first%%:*}
last=${SIZES##* } last=${last%%:*}
meta size_first "$first"
meta size_last "$last"
callgrind "good-$first" "$first" "$SEC/key-$first" "$BIN/apikey-helper"
callgrind "good-$last" "$last" "$SEC/key-$last" "$BIN/apikey-helper"
callgrind "wrong-$first" "$first" "$SEC/wrong-$first" "$BIN/apikey-helper"
callgrind "noop" "$first" "$SEC/key-$first" "$BIN/noop"
[ "$(cat "$CG/good-$first.rc")" = 0 ] || die "helper under callgrind did not accept the key: $(tail -3 "$CG/good-$first.log")"
say "callgrind: $(grep -h '^summary' "$CG"/*.out | tr '\n' ' ')"

# ---- 6. apikeyctl list on the list-size store ---------------------------------
use_store "$LIST_SIZE"
times=""
for _ in 1 2 3; do
	t0=$(date +%s.%N)
	$CTL list >"$WORK/list.out" 2>&1 || die "apikeyctl list: $(tail -2 "$WORK/list.out")"
	t1=$(date +%s.%N)
	times="$times $(minus "$t1" "$t0")"
done
lines=$(wc -l <"$WORK/list.out")
meta list_s "$(echo "$times" | tr ' ' '\n' | grep . | sort -n | sed -n 2p)"
meta list_lines "$lines"
say "apikeyctl list, $LIST_SIZE keys: $lines lines, runs:$times s"

# ---- 7. report --------------------------------------------------------------
T_END=$(date +%s.%N)
meta bench_s "$(minus "$T_END" "$T_START")"
meta syslog_lines "$(wc -l <"$SYSLOG")"
mkdir -p "$OUT"
mkdir -p "$OUT/raw"
cp "$RUNS" "$META" "$RAW/rows.txt" "$OUT/raw/"
cp "$CG"/*.incl.txt "$CG"/*.self.txt "$OUT/raw/" 2>/dev/null
python3 "$TOP/bench/report.py" "$RAW" "$OUT" || die "report: the results are incomplete or malformed"
