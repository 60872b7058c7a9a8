# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
# The fleet part of `make bench` (issue 15), sourced by bench/bench.sh
# inside its namespace (BENCH_PARTS=fleet runs it alone): a central
# PostgreSQL store and hosts that mirror it, each with its own apikey-sync.
#
#  1. revocation: FLEET_HOSTS hosts (each its own store and agent, logging
#     in as its own role) on one private PostgreSQL 15; FLEET_TRIALS times,
#     a key is created centrally, accepted on every host, then deleted
#     centrally; bench/fleetwatch.c times, per host, from `apikeyctl
#     --central delete` returning to the host's store refusing the key
#     (the product's verify_key on that store), and confirms each side with
#     a whole login through libpam on every host;
#  2. the login path: whole logins through apikeyd and through the helper,
#     as root and as pakb_bench, with a local key and with a central key
#     (mirrored, its agent running) of the same store, rounds interleaved;
#  3. initial synchronisation: SYNC_KEYS keys written straight into the
#     central store (SQL through psql, one transaction), then `apikey-sync
#     --once` into an empty host store, timed; the copy is checked (counts
#     of keys, IP rules, services and host groups, integrity_check, whole
#     logins with real keys among them).
# Uses bench.sh's BIN, CTL, WORK, SEC, RAW, PAMD, U, genkeys, use_store,
# bench_run, say, die, meta; tests/sandbox.sh's sandbox_postgres and
# psql_admin.  The cleanup (bench.sh) stops the agents and PostgreSQL.

FLEET_HOSTS=20
if [ "$MODE" = quick ]; then
	FLEET_TRIALS=5 SYNC_KEYS=10000 SYNC_RUNS=1
else
	FLEET_TRIALS=50 SYNC_KEYS=100000 SYNC_RUNS=3
fi
FLEET_PAUSE_MS=100 # the delete comes 100-200 ms after the hosts accepted
FLEET=$WORK/fleet
mkdir -m 0700 "$FLEET"
meta fleet_hosts "$FLEET_HOSTS"
meta fleet_trials_planned "$FLEET_TRIALS"
meta sync_keys "$SYNC_KEYS"
meta sync_runs "$SYNC_RUNS"

# ---- the central store ----------------------------------------------------------
sandbox_postgres >"$FLEET/pg-start.log" 2>&1 ||
	die "PostgreSQL 15 does not start: $(cat "$FLEET/pg-start.log")"
meta fleet_postgres "$("$PG_BIN/postgres" --version | sed 's/^postgres (PostgreSQL) //')"
central() { "$CTL" --central "$PG_ADMIN" "$@"; }
central init >/dev/null || die "apikeyctl --central init"
agent_conninfo() { echo "host=$PG_DIR dbname=postgres user=$1"; }
for r in $(seq -f 'host%g' "$FLEET_HOSTS") loginhost synchost; do
	psql_admin -c "CREATE ROLE $r LOGIN IN ROLE apikey_agent" || die "CREATE ROLE $r"
done

# start_agent ROLE DB [apikey-sync options]: that host's agent (its pid is
# in AGENT_PIDS, stopped by the cleanup)
start_agent() {
	"$BIN/apikey-sync" --central "$(agent_conninfo "$1")" --db "$2" \
		--max-stale 1h --log-stderr "${@:3}" 2>>"$FLEET/agent-$1.log" &
	AGENT_PIDS="$AGENT_PIDS $!"
}

# synced DB: the agent has made its first full synchronisation
synced() { [ "$(sqlite3 -cmd '.timeout 2000' "$1" 'SELECT count(*) FROM central_sync' 2>/dev/null)" = 1 ]; }

# ---- 1. revocation with FLEET_HOSTS agents -----------------------------------------
: >"$FLEET/hosts"
for n in $(seq "$FLEET_HOSTS"); do
	d=$FLEET/h$n
	mkdir -m 0700 "$d"
	"$CTL" --db "$d/keys.db" init >/dev/null 2>&1 || die "apikeyctl --db $d/keys.db init"
	m="$BIN/pam_apikey.so $VIA_H db=$d/keys.db"
	service "fleet$n" "auth required $m" "account required $m"
	echo "fleet$n $d/keys.db" >>"$FLEET/hosts"
done
chmod 0644 "$PAMD"/*
t0=$(date +%s.%N)
for n in $(seq "$FLEET_HOSTS"); do
	start_agent "host$n" "$FLEET/h$n/keys.db"
done
for n in $(seq "$FLEET_HOSTS"); do
	for _ in $(seq 600); do synced "$FLEET/h$n/keys.db" && break; sleep 0.05; done
	synced "$FLEET/h$n/keys.db" || die "host$n's agent did not synchronise: $(tail -3 "$FLEET/agent-host$n.log")"
done
s=$(minus "$(date +%s.%N)" "$t0")
meta fleet_start_s "$s"
say "fleet: $FLEET_HOSTS agents connected and synchronised in $s s"

REVOKE=$RAW/fleet_revoke.txt
: >"$REVOKE"
out=$("$BIN/fleetwatch" "$PAMD" "$U" "$PEPPER_DIR/pepper" "$FLEET/hosts" "$CTL" \
	"$PG_ADMIN" "$FLEET_TRIALS" "$FLEET_PAUSE_MS" "$REVOKE")
rc=$?
[ -n "$out" ] || die "fleetwatch printed nothing (exit $rc)"
say "fleet revocation: $out"
for kv in $out; do meta "fleet_${kv%%=*}" "${kv#*=}"; done
[ "$rc" = 0 ] || die "fleet revocation: a host did not accept or refuse the key as it should ($out)"
# what the agents cost over the trials: CPU (utime + stime) and peak RSS
cpu=0 hwm=0
for p in $AGENT_PIDS; do
	t=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null) || continue
	cpu=$((cpu + t))
	h=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$p/status")
	[ "$h" -gt "$hwm" ] && hwm=$h
done
meta fleet_agents_cpu_s "$(awk -v t="$cpu" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }')"
meta fleet_agent_hwm_kib "$hwm"
sandbox_stop_agents

# ---- 2. the login path: a central key beside a local one --------------------------
# one store: 1,000 local keys (genkeys, pakb_bench's bench-good among them)
# and pakb_bench's central key, mirrored by its agent; the same apikeyd and
# the same helper answer both
genkeys fleetmix 1000
use_store fleetmix
start_agent loginhost "$STORE_DIR/keys.db"
for _ in $(seq 600); do synced "$STORE_DIR/keys.db" && break; sleep 0.05; done
synced "$STORE_DIR/keys.db" || die "the login store's agent did not synchronise"
central create "$U" --name bench-central --never-expire --quiet >"$SEC/key-central" ||
	die "apikeyctl --central create"
chmod 0644 "$SEC/key-central"
cid=$(cut -c6-17 "$SEC/key-central")
for _ in $(seq 600); do
	[ "$(sqlite3 -cmd '.timeout 2000' "$STORE_DIR/keys.db" "SELECT origin FROM keys WHERE id = '$cid'")" = central ] && break
	sleep 0.05
done
meta fleetlogin_keys "$(sqlite3 -cmd '.timeout 2000' "$STORE_DIR/keys.db" \
	"SELECT count(*) || ' (' || sum(origin = 'local') || ' local, ' || sum(origin = 'central') || ' central)' FROM keys")"
EXTRA_ROWS=""
for path in apikeyd helper; do
	for who in root user; do
		for k in local central; do
			f=key
			[ $k = central ] && f=key-central
			EXTRA_ROWS="$EXTRA_ROWS${EXTRA_ROWS:+
}fl_${k}_${path}_$who|$path|$f|$PAM_SUCCESS|$who|$k key via $path"
		done
	done
done
FL_IDS=$(echo "$EXTRA_ROWS" | cut -d'|' -f1)
for row in $FL_IDS; do
	bench_run check "$row" fleetmix 0 1 0 1 >/dev/null || die "$row does not log in: $LAST"
done
# rounds interleaved, every other round in the reverse order (a row's
# place in a round must not favour it)
FL_REV=$(echo "$FL_IDS" | tac)
for r in $(seq "$ROUNDS"); do
	order=$FL_IDS
	[ $((r % 2)) = 0 ] && order=$FL_REV
	for row in $order; do
		bench_run fleetlogin "$row" fleetmix "$r" 1 "$LAT_S" "$LAT_MIN" || die "$row failures: $LAST"
	done
	say "fleet login round $r/$ROUNDS done"
done
synced "$STORE_DIR/keys.db" && [ "$(sqlite3 -cmd '.timeout 2000' "$STORE_DIR/keys.db" \
	"SELECT count(*) FROM keys WHERE id = '$cid'")" = 1 ] || die "the central key left the login store"
sandbox_stop_agents
# the agents' logs (the 20 hosts' and this one's): no lost connection, no
# key left out (NOT_MIRRORED: the warning, or a count in a summary line)
NOT_MIRRORED='not mirrored:\| [1-9][0-9]* not mirrored\|key row(s) with a damaged id'
meta fleet_agent_errors "$(cat "$FLEET"/agent-*.log | grep -c "lost the central store\|cannot connect\|$NOT_MIRRORED")"

# ---- 3. initial synchronisation of SYNC_KEYS keys ----------------------------------
# real keys first, made the product's way (apikeyctl --central reads the
# whole central store for each command: before the bulk)
central create "$U" --name sync-real --never-expire --quiet >"$SEC/key-sync1" || die "create sync-real"
central create "$U" --name sync-real-web --never-expire --host-group web \
	--allow 198.51.100.0/24 --service fleetsync --quiet >"$SEC/key-sync2" || die "create sync-real-web"
chmod 0644 "$SEC/key-sync1" "$SEC/key-sync2"
pgq() { psql_admin -c "$1"; }
C_BEFORE=$(pgq "SELECT count(*) FROM apikey.keys")
SEALED=$(pgq "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'apikey'
	AND table_name = 'keys' AND column_name = 'seal'")
t0=$(date +%s.%N)
if [ "$SEALED" = 1 ]; then
	# a central store whose rows apikeyctl seals with the pepper (an agent
	# mirrors only rows whose seal it can check): the rows are made by
	# centralgen, sealed as apikeyctl seals them, in one transaction
	# by 10,000 a transaction, ANALYZE after each: a session's foreign-key
	# check keeps the plan made at its first row, and one made on the
	# few keys the trials left (a sequential scan) would make a single
	# 100k transaction quadratic (910 s against 31 s on a fresh table)
	meta sync_method centralgen
	[ -x "$BIN/centralgen" ] || die "the central schema seals its rows: make $BUILD/centralgen"
	: >"$FLEET/bulk.log"
	for c in $(seq 0 $(((SYNC_KEYS - 1) / 10000))); do
		n=$((SYNC_KEYS - c * 10000))
		[ "$n" -gt 10000 ] && n=10000
		"$BIN/centralgen" "$PG_ADMIN" "$PEPPER_DIR/pepper" insert "$n" "$U" "$UID_U" \
			"$(printf 'b%03d' "$c")" >>"$FLEET/bulk.log" 2>&1 || die "centralgen: $(cat "$FLEET/bulk.log")"
		psql_admin -c "ANALYZE apikey.keys" >>"$FLEET/bulk.log" 2>&1 || die "ANALYZE"
	done
	psql_admin -c "VACUUM ANALYZE" >>"$FLEET/bulk.log" 2>&1 || die "VACUUM ANALYZE"
else
	# rows as the committed schema has them, straight in SQL: base62 ids
	# from md5 bytes; 1,000 made-up users; some keys with an expiry, a
	# description, IP rules (IPv4 and IPv6 allow, deny, one disabled),
	# service scopes and the host group web (the synchronised host's)
	meta sync_method sql
	A=0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz
	ID_SQL=$(for j in $(seq 0 11); do printf "substr('$A', get_byte(d, $j) %% 62 + 1, 1)"; [ "$j" -lt 11 ] && printf ' || '; done)
	psql_admin >"$FLEET/bulk.log" 2>&1 <<SQL || die "bulk insert: $(cat "$FLEET/bulk.log")"
BEGIN;
UPDATE apikey.meta SET revision = revision + 1 WHERE id = 1;
CREATE TEMP TABLE b ON COMMIT DROP AS
  SELECT i, $ID_SQL AS id
  FROM (SELECT i, decode(md5('fleet-bulk-' || i), 'hex') AS d FROM generate_series(1, $SYNC_KEYS) i) s;
INSERT INTO apikey.keys (id, user_name, uid, name, description, hash, created_at, expires_at, revision)
SELECT id, 'pakb_f' || lpad((i % 1000)::text, 4, '0'), 200000 + i % 1000, 'bulk-' || i,
       CASE WHEN i % 4 = 0 THEN 'bulk key ' || i ELSE '' END,
       decode(md5('h' || i) || md5('j' || i), 'hex'),
       extract(epoch FROM now())::bigint - 86400,
       CASE WHEN i % 5 = 0 THEN extract(epoch FROM now())::bigint + 31536000 END,
       (SELECT revision FROM apikey.meta WHERE id = 1)
FROM b;
INSERT INTO apikey.ip_rules (key_id, list, cidr, enabled, position)
  SELECT id, 'allow', '10.' || (i % 256) || '.0.0/16', true, 0 FROM b WHERE i % 10 = 0
  UNION ALL SELECT id, 'allow', '2001:db8:' || to_hex(i % 65535 + 1) || '::/48', true, 1 FROM b WHERE i % 30 = 0
  UNION ALL SELECT id, 'deny', '192.0.2.0/24', i % 40 <> 0, 0 FROM b WHERE i % 20 = 0;
INSERT INTO apikey.key_services (key_id, service)
  SELECT id, 'sshd' FROM b WHERE i % 7 = 0
  UNION ALL SELECT id, 'nginx' FROM b WHERE i % 14 = 0;
INSERT INTO apikey.key_host_groups (key_id, host_group)
  SELECT id, 'web' FROM b WHERE i % 3 = 0
  UNION ALL SELECT id, 'db' FROM b WHERE i % 6 = 0;
COMMIT;
VACUUM ANALYZE;
SQL
fi
meta sync_bulk_s "$(minus "$(date +%s.%N)" "$t0")"
C_KEYS=$(pgq "SELECT count(*) FROM apikey.keys")
C_RULES=$(pgq "SELECT count(*) FROM apikey.ip_rules")
C_SERVICES=$(pgq "SELECT count(*) FROM apikey.key_services")
C_GROUPS=$(pgq "SELECT count(*) FROM apikey.key_host_groups")
meta sync_central_keys "$C_KEYS"
say "fleet: $SYNC_KEYS keys written into the central store in $(grep '^sync_bulk_s=' "$META" | cut -d= -f2) s ($C_KEYS keys, $C_RULES IP rules, $C_SERVICES services, $C_GROUPS host groups)"
[ "$C_KEYS" = $((C_BEFORE + SYNC_KEYS)) ] || die "the central store holds $C_KEYS keys, not $C_BEFORE + $SYNC_KEYS"

SYNC=$RAW/fleet_sync.txt
: >"$SYNC"
for r in $(seq "$SYNC_RUNS"); do
	d=$FLEET/sync$r
	mkdir -m 0700 "$d"
	"$CTL" --db "$d/keys.db" init >/dev/null 2>&1 || die "apikeyctl --db $d/keys.db init"
	t0=$(date +%s.%N)
	"$BIN/apikey-sync" --central "$(agent_conninfo synchost)" --db "$d/keys.db" \
		--host-group web --once --log-stderr 2>>"$FLEET/sync.log" ||
		die "apikey-sync --once: $(tail -3 "$FLEET/sync.log")"
	s=$(minus "$(date +%s.%N)" "$t0")
	hq() { sqlite3 -cmd '.timeout 5000' "$d/keys.db" "$1"; }
	h_keys=$(hq "SELECT count(*) FROM keys WHERE origin = 'central'")
	h_rules=$(hq "SELECT count(*) FROM ip_rules")
	h_services=$(hq "SELECT count(*) FROM key_services")
	h_groups=$(hq "SELECT count(*) FROM key_host_groups")
	h_check=$(hq "PRAGMA integrity_check")
	mib=$(du -sm --apparent-size "$d" | cut -f1)
	echo "$r $s $h_keys $h_rules $h_services $h_groups $h_check $mib" >>"$SYNC"
	say "fleet: initial sync $r/$SYNC_RUNS: $h_keys keys in $s s ($h_rules IP rules, $h_services services, $h_groups host groups, integrity_check $h_check, $mib MiB)"
	[ "$h_keys/$h_rules/$h_services/$h_groups/$h_check" = "$C_KEYS/$C_RULES/$C_SERVICES/$C_GROUPS/ok" ] ||
		die "the synchronised store is not the central one: keys/rules/services/groups/integrity $h_keys/$h_rules/$h_services/$h_groups/$h_check, central $C_KEYS/$C_RULES/$C_SERVICES/$C_GROUPS"
done
grep -q "$NOT_MIRRORED" "$FLEET/sync.log" && die "keys not mirrored: $(grep -m3 "$NOT_MIRRORED" "$FLEET/sync.log")"
# the copy works: real keys log in on it (whole logins as root through the
# helper; only root may name a store with db=)
m="$BIN/pam_apikey.so $VIA_H db=$d/keys.db"
service fleetsync "auth required $m" "account required $m"
chmod 0644 "$PAMD/fleetsync"
for k in key-sync1 key-sync2; do
	"$BIN/authbench" "$PAMD" fleetsync "$U" "$SEC/$k" "$PAM_SUCCESS" 1 0 1 1 /dev/null >/dev/null ||
		die "a real central key ($k) does not log in on the synchronised host"
done
meta sync_logins ok
sandbox_pg_cleanup
