#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Many hosts, one set of keys: a real PostgreSQL 15 (tests/sandbox.sh:
# sandbox_postgres) as the central store, three "hosts" in one namespace
# (each its own store and its own apikey-sync agent, logging in as its own
# database role), and logins through the real libpam and setuid helper.
#   host1: the default store (apikeyd serves it when the suite runs for
#          apikeyd), host group web
#   host2: its own store (db=), host groups web and db
#   host3: its own store (db=), host group db
. "$(dirname "$0")/sandbox.sh"
sandbox_enter "$@"
sandbox_setup
sandbox_login_users
sandbox_postgres || exit 1

MAX_STALE=3
H1_DB=$DB
H2_DB=$WORK/h2/keys.db
H3_DB=$WORK/h3/keys.db
mkdir -m 0700 "$WORK/h2" "$WORK/h3"
$CTL --db "$H2_DB" init >/dev/null 2>&1
$CTL --db "$H3_DB" init >/dev/null 2>&1
MOD="$BIN/pam_apikey.so helper=$BIN/apikey-helper nodelay"
service host1 "auth required $MOD" "account required $MOD"
service host2 "auth required $MOD db=$H2_DB" "account required $MOD db=$H2_DB"
service host3 "auth required $MOD db=$H3_DB" "account required $MOD db=$H3_DB"
central() { $CTL --central "$PG_ADMIN" "$@"; }
DAVE=pakt_dave

# conninfo of host N's agent: its own role
agent_conninfo() { echo "host=$PG_DIR dbname=postgres user=host$1"; }

# start_agent N [--host-group G]...: host N's agent, logging to agentN.log
start_agent() {
	n=$1
	shift
	db_var=H${n}_DB
	"$BIN/apikey-sync" --central "$(agent_conninfo "$n")" --db "${!db_var}" \
		--max-stale ${MAX_STALE}s --log-stderr "$@" 2>>"$WORK/agent$n.log" &
	eval "AGENT$n=$!"
	AGENT_PIDS="$AGENT_PIDS $!"
}

# login HOST USER KEY [RHOST]: PAM_SUCCESS or the error, authentication
# then the account stage, as sshd does
login() {
	out=$(printf '%s\n' "$3" | "$BIN/pam-test" "$WORK/pam.d" "$1" "$2" --acct ${4:+--rhost "$4"})
	a=$(sed -n 's/^auth=//p' <<<"$out")
	c=$(sed -n 's/^acct=//p' <<<"$out")
	if [ "$a" = PAM_SUCCESS ]; then echo "${c:-no account stage}"; else echo "$a"; fi
}

# waited NAME EXPECT SECONDS HOST USER KEY [RHOST]: wait_login, checked,
# with the time it took on a comment line
waited() {
	name=$1
	shift
	ms=$(wait_login "$@")
	rc=$?
	echo "# $name: $ms ms"
	expect_eq "$name" 0 "$rc"
}

# logged TEXT: the module logged a refusal whose reason holds TEXT (the
# log escapes spaces as \x20)
logged() { grep -qF "$(sed 's/ /\\x20/g' <<<"$1")" <<<"$(syslog_text)"; }

# wait_login EXPECT SECONDS HOST USER KEY [RHOST]: until the login gives
# EXPECT (at most SECONDS); prints the milliseconds it took, or "timeout"
wait_login() {
	want=$1 limit=$2
	shift 2
	start=$(date +%s%N)
	while :; do
		got=$(login "$@")
		now=$(date +%s%N)
		if [ "$got" = "$want" ]; then
			echo $(((now - start) / 1000000))
			return 0
		fi
		if [ $(((now - start) / 1000000000)) -ge "$limit" ]; then
			echo "timeout (last: $got)"
			return 1
		fi
		sleep 0.02
	done
}

test_init_and_roles() {
	run_cmd central init
	expect_eq "--central init creates the central schema" 0 "$RC"
	expect_contains "init says what it did" "migrated from schema version 0 to 1" "$OUT"
	run_cmd central init
	expect_contains "init again is a no-op" "is at schema version 1" "$OUT"
	for n in 1 2 3; do
		psql_admin -c "CREATE ROLE host$n LOGIN IN ROLE apikey_agent"
	done
	echo "# the agent role's grants (psql \\dp apikey.*):"
	psql -X -A "$PG_ADMIN" -c '\dp apikey.*' | sed 's/^/#   /'
	expect_eq "the agent role reads the keys, and writes no table" \
		"deleted_keys=r ip_rules=r key_host_groups=r key_services=r keys=r meta=r verifier_services=r" \
		"$(psql_admin -c "SELECT string_agg(c.relname || '=' || substring(split_part(a::text, '/', 1) from '=(.*)'), ' ' ORDER BY c.relname)
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, unnest(c.relacl) a
			WHERE n.nspname = 'apikey' AND a::text LIKE 'apikey_agent=%'")"
	expect_eq "it reports usage through apikey.report_usage only (and PUBLIC cannot)" "t f" \
		"$(psql_admin -c "SELECT has_function_privilege('apikey_agent', 'apikey.report_usage(text, bigint, bigint, text, bigint, text, text)', 'EXECUTE'),
			has_function_privilege('public', 'apikey.report_usage(text, bigint, bigint, text, bigint, text, text)', 'EXECUTE')" | tr '|' ' ')"
}

test_created_everywhere() {
	start_agent 1 --host-group web
	start_agent 2 --host-group web --host-group db
	start_agent 3 --host-group db
	KEY=$(central create $ALICE --name deploy --never-expire --quiet 2>"$WORK/err")
	expect_eq "a key is created centrally" 0 "$?"
	for h in 1 2 3; do
		waited "the central key logs in on host$h" PAM_SUCCESS 10 host$h $ALICE "$KEY"
	done
	expect_eq "a wrong secret is refused on host2" PAM_AUTH_ERR \
		"$(login host2 $ALICE "$(wrong_secret "$KEY")")"
	expect_eq "another user cannot use it" PAM_AUTH_ERR "$(login host2 $BOB "$KEY")"
	id=${KEY:5:12}
	expect_eq "the host's copy is marked central" central \
		"$(sqlite3 "$H2_DB" "SELECT origin FROM keys WHERE id = '$id'")"
	expect_eq "the central store holds only the keyed hash" "" \
		"$(psql_admin -c "SELECT 1 FROM apikey.keys WHERE position('${KEY:18}' in encode(hash, 'escape')) > 0 OR description LIKE '%${KEY:18}%'")"
	expect_lacks "the key is in no host's store" "$KEY" "$(sqlite3 "$H2_DB" .dump)"
}

test_ip_lists_everywhere() {
	central edit $ALICE/deploy --allow 10.0.0.0/8 >/dev/null
	for h in 1 2 3; do
		waited "an allow list added centrally fences host$h" PAM_AUTH_ERR 10 host$h $ALICE "$KEY" 127.0.0.1
		expect_eq "host$h accepts the key from an allowed address" PAM_SUCCESS \
			"$(login host$h $ALICE "$KEY" 10.2.3.4)"
	done
	central edit $ALICE/deploy --disable 10.0.0.0/8 >/dev/null
	waited "an entry switched off centrally no longer fences host3" PAM_SUCCESS 10 host3 $ALICE "$KEY" 127.0.0.1
	central edit $ALICE/deploy --remove 10.0.0.0/8 --deny 127.0.0.0/8 >/dev/null
	waited "a deny entry added centrally refuses on host1" PAM_AUTH_ERR 10 host1 $ALICE "$KEY" 127.0.0.1
	central edit $ALICE/deploy --remove 127.0.0.0/8 >/dev/null
	wait_login PAM_SUCCESS 10 host1 $ALICE "$KEY" 127.0.0.1 >/dev/null
}

test_host_groups() {
	DB_KEY=$(central create $ALICE --name dbonly --never-expire --host-group db --quiet)
	for h in 2 3; do
		waited "a key for host group db works on host$h" PAM_SUCCESS 10 host$h $ALICE "$DB_KEY"
	done
	expect_eq "a key for host group db is refused on host1 (group web)" PAM_AUTH_ERR \
		"$(login host1 $ALICE "$DB_KEY")"
	expect_eq "host1 holds no copy of it" 0 \
		"$(sqlite3 "$H1_DB" "SELECT count(*) FROM keys WHERE id = '${DB_KEY:5:12}'")"
	central edit $ALICE/dbonly --remove-host-group db --host-group web >/dev/null
	waited "moved to group web, it works on host1" PAM_SUCCESS 10 host1 $ALICE "$DB_KEY"
	waited "and is refused on host3, group db only" PAM_AUTH_ERR 10 host3 $ALICE "$DB_KEY"
	expect_eq "host2 (web and db) still accepts it" PAM_SUCCESS "$(login host2 $ALICE "$DB_KEY")"
	run_cmd central edit $ALICE/dbonly --remove-host-group web
	expect_eq "removing a key's last host group is refused (it would reach every host)" 1 "$RC"
	expect_contains "and says to give --all-hosts" "give --all-hosts" "$ERR"
	run_cmd $CTL create $ALICE --name x --host-group web
	expect_eq "--host-group without --central is a usage error" 2 "$RC"
	expect_contains "and says why" "for keys of the central store" "$ERR"
}

test_local_commands_refuse_central_keys() {
	id=${KEY:5:12}
	for cmd in "edit $id --name renamed" "delete $id --yes" "rotate $id --quiet"; do
		run_cmd $CTL --db "$H2_DB" $cmd
		expect_eq "local '${cmd%% *}' refuses a central key" 1 "$RC"
		expect_contains "and names the central store (${cmd%% *})" "mirrored from the central store" "$ERR"
	done
	expect_eq "the central key is unchanged on host2" deploy \
		"$(sqlite3 "$H2_DB" "SELECT name FROM keys WHERE id = '$id'")"
	LOCAL_KEY=$($CTL --db "$H2_DB" create $ALICE --name local-one --never-expire --quiet 2>/dev/null)
	expect_eq "a local key works beside the central ones" PAM_SUCCESS "$(login host2 $ALICE "$LOCAL_KEY")"
	run_cmd $CTL --db "$H2_DB" create $ALICE --name deploy
	expect_eq "a local key cannot take a central key's name" 1 "$RC"
	# a central key whose name a local key holds is not mirrored, and the
	# local key is kept
	$CTL --db "$H3_DB" create $ALICE --name taken --never-expire --quiet >/dev/null 2>&1
	T_KEY=$(central create $ALICE --name taken --never-expire --quiet)
	wait_login PAM_SUCCESS 10 host2 $ALICE "$T_KEY" >/dev/null
	sleep 0.5
	expect_eq "a central key whose name a local key holds is not mirrored there" PAM_AUTH_ERR \
		"$(login host3 $ALICE "$T_KEY")"
	check "the agent says why" grep -q "not mirrored: a local key holds its id or its name" "$WORK/agent3.log"
	expect_eq "the local key keeps its place" local \
		"$(sqlite3 "$H3_DB" "SELECT origin FROM keys WHERE user = '$ALICE' AND name = 'taken'")"
	central delete $ALICE/taken --yes >/dev/null
}

test_verifier_services() {
	central verifier add central-web >/dev/null
	for _ in $(seq 100); do
		sqlite3 "$H3_DB" "SELECT service FROM verifier_services" | grep -qx central-web && break
		sleep 0.05
	done
	expect_contains "a verifier service added centrally is listed on host3" central-web \
		"$($CTL --db "$H3_DB" verifier list)"
	run_cmd $CTL --db "$H3_DB" verifier remove central-web
	expect_eq "a host cannot take a central verifier service off" 1 "$RC"
	expect_contains "and is told where to" "listed by the central store" "$ERR"
	central verifier remove central-web >/dev/null
	for _ in $(seq 100); do
		sqlite3 "$H3_DB" "SELECT service FROM verifier_services" | grep -qx central-web || break
		sleep 0.05
	done
	expect_lacks "taken off centrally, it is gone on host3" central-web \
		"$($CTL --db "$H3_DB" verifier list 2>&1)"
}

test_usage_reported() {
	# times are in seconds: this use is the last by a second at least
	sleep 1.1
	login host2 $ALICE "$KEY" 192.0.2.77 >/dev/null
	settle
	for _ in $(seq 100); do
		out=$(central list $ALICE)
		grep -q "192.0.2.77 on host2" <<<"$out" && break
		sleep 0.05
	done
	expect_contains "--central list shows where and on which host a key was last used" \
		"192.0.2.77 on host2" "$(grep deploy <<<"$out")"
	expect_eq "--central show --json names the host" host2 \
		"$(central show $ALICE/deploy --json | jq -r .last_used_host)"
	login host3 $ALICE "$(wrong_secret "$KEY")" >/dev/null
	login host1 $ALICE "$KEY" 198.51.100.9 >/dev/null
	central edit $ALICE/deploy --allow 10.0.0.0/8 >/dev/null
	wait_login PAM_AUTH_ERR 10 host3 $ALICE "$KEY" 198.51.100.10 >/dev/null
	settle
	for _ in $(seq 100); do
		denied=$(central show $ALICE/deploy --json | jq -r .last_denied_reason)
		[ "$denied" = "address not in allow list" ] && break
		sleep 0.05
	done
	expect_eq "a denial on host3 reaches the central store" "address not in allow list" "$denied"
	central edit $ALICE/deploy --remove 10.0.0.0/8 >/dev/null
	psql -X -q -At "$(agent_conninfo 1)" -c "SELECT apikey.report_usage('${KEY:5:12}', 1, 2000000000, '203.0.113.9', NULL, NULL, NULL)" >/dev/null
	expect_eq "a report is the reporting role's, with a time from the future clamped to now" "host1 1" \
		"$(psql_admin -c "SELECT host, (last_used_at <= extract(epoch FROM now()))::int FROM apikey.usage WHERE key_id = '${KEY:5:12}' AND last_used_ip = '203.0.113.9'" | tr '|' ' ')"
	psql -X -q -At "$(agent_conninfo 1)" -c "SELECT apikey.report_usage('ZZZZZZZZZZZZ', 1, NULL, NULL, NULL, NULL, NULL)" >/dev/null
	expect_eq "a report of a key the central store does not hold is dropped" 0 \
		"$(psql_admin -c "SELECT count(*) FROM apikey.usage WHERE key_id = 'ZZZZZZZZZZZZ'")"
}

test_uid_binding() {
	# dave is unknown here when the key is made: --uid gives his uid on
	# the hosts; host2 then makes a dave with another uid
	userdel -r $DAVE >/dev/null 2>&1
	run_cmd central create $DAVE --name ci --never-expire --quiet
	expect_eq "an unknown user needs --uid" 1 "$RC"
	expect_contains "and is told so" "give --uid" "$ERR"
	DAVE_KEY=$(central create $DAVE --uid 4242 --name ci --never-expire --quiet)
	useradd -u 4343 -M $DAVE
	TEST_USERS="$TEST_USERS $DAVE"
	for _ in $(seq 100); do
		[ -n "$(sqlite3 "$H2_DB" "SELECT id FROM keys WHERE id = '${DAVE_KEY:5:12}'")" ] && break
		sleep 0.05
	done
	expect_eq "a host whose account has another uid refuses the key" PAM_AUTH_ERR \
		"$(login host2 $DAVE "$DAVE_KEY")"
	check "and says why" logged "account uid on this host is not the uid the central store recorded"
	run_cmd central create $ALICE --uid 4242 --name wronguid
	expect_eq "--uid must agree with an account this machine has" 1 "$RC"
}

test_delete_everywhere() {
	DEL_KEY=$(central create $ALICE --name doomed --never-expire --quiet)
	for h in 1 2 3; do wait_login PAM_SUCCESS 10 host$h $ALICE "$DEL_KEY" >/dev/null; done
	central delete $ALICE/doomed --yes >/dev/null
	deleted=$(date +%s%N)
	for h in 1 2 3; do
		ms=$(wait_login PAM_AUTH_ERR 5 host$h $ALICE "$DEL_KEY")
		ok=$?
		echo "# revocation: refused on host$h ${ms} ms after the central delete returned"
		expect_eq "a central delete is refused on host$h within a second" 0 \
			"$([ $ok = 0 ] && [ "$ms" -le 1000 ] && echo 0 || echo "1 ($ms)")"
	done
	echo "# revocation on all three hosts within $((($(date +%s%N) - deleted) / 1000000)) ms"
	# the account stage refuses it too (a login authenticated before the
	# delete does not pass)
	ACCT_KEY=$(central create $ALICE --name acct --never-expire --quiet)
	wait_login PAM_SUCCESS 10 host2 $ALICE "$ACCT_KEY" >/dev/null
	got=$(printf '%s\n' "$ACCT_KEY" | "$BIN/pam-test" "$WORK/pam.d" host2 $ALICE --acct \
		--between "$CTL --central $(printf %q "$PG_ADMIN") delete $ALICE/acct --yes; sleep 0.5" | sed -n 's/^acct=//p')
	expect_eq "deleted centrally between authentication and account, the account stage refuses" \
		PAM_PERM_DENIED "$got"
}

test_offline() {
	sandbox_pg_stop
	expect_eq "the central store stopped: logins on host2 go on" PAM_SUCCESS "$(login host2 $ALICE "$KEY")"
	sleep $((MAX_STALE + 1))
	expect_eq "past max_stale, a central key is refused" PAM_AUTH_ERR "$(login host2 $ALICE "$KEY")"
	check "and the refusal says why" logged "central key stale: no contact with the central store"
	expect_eq "a local key still works" PAM_SUCCESS "$(login host2 $ALICE "$LOCAL_KEY")"
	expect_eq "the host keeps its last copy" central \
		"$(sqlite3 "$H2_DB" "SELECT origin FROM keys WHERE id = '${KEY:5:12}'")"
	check "the agent logged the lost connection" grep -q "lost the central store\|cannot connect" "$WORK/agent2.log"
	sandbox_pg_start
	for h in 1 2 3; do
		waited "started again: host$h resynchronises and accepts it" PAM_SUCCESS 15 host$h $ALICE "$KEY"
	done
}

test_offline_delete_then_resync() {
	# a key deleted while an agent is away is gone after it resynchronises
	DB_KEY=$(central create $ALICE --name away --never-expire --quiet)
	wait_login PAM_SUCCESS 10 host3 $ALICE "$DB_KEY" >/dev/null
	kill "$AGENT3"
	wait "$AGENT3" 2>/dev/null
	central delete $ALICE/away --yes >/dev/null
	expect_eq "a key deleted while host3's agent is stopped is still on host3" 1 \
		"$(sqlite3 "$H3_DB" "SELECT count(*) FROM keys WHERE id = '${DB_KEY:5:12}'")"
	start_agent 3 --host-group db
	for _ in $(seq 200); do
		[ "$(sqlite3 "$H3_DB" "SELECT count(*) FROM keys WHERE id = '${DB_KEY:5:12}'")" = 0 ] && break
		sleep 0.05
	done
	expect_eq "restarted, the agent resynchronises and removes it" 0 \
		"$(sqlite3 "$H3_DB" "SELECT count(*) FROM keys WHERE id = '${DB_KEY:5:12}'")"
}

# A large change to the central store (20,000 keys in one transaction,
# then every description changed in one: tests/central/centralgen.c seals
# them as apikeyctl does), killed with -9
# while the agent applies it: the host's store is intact and holds the old
# or the new state of every key.
big_insert() { "$BIN/centralgen" "$PG_ADMIN" "$PEPPER_DIR/pepper" insert 20000 $BOB "$(id -u $BOB)" big; }
big_update() { "$BIN/centralgen" "$PG_ADMIN" "$PEPPER_DIR/pepper" describe big "$1"; }
states() { sqlite3 -cmd '.timeout 5000' "$H2_DB" "SELECT count(*), count(DISTINCT description) FROM keys WHERE name LIKE 'big-%'"; }

test_kill_during_large_change() {
	mid=0
	for delay in 0.05 0.15 0.3; do
		before=$(states)
		if [ "$before" = "0|0" ]; then big_insert >/dev/null; want_new="20000|1"
		else big_update "v-$delay" >/dev/null; want_new="20000|1"; fi
		sleep "$delay"
		kill -9 "$AGENT2"
		wait "$AGENT2" 2>/dev/null
		after=$(states)
		intact=$(sqlite3 "$H2_DB" 'PRAGMA integrity_check')
		expect_eq "kill -9 after ${delay}s: the store passes integrity_check" ok "$intact"
		check "kill -9 after ${delay}s: every key is in its old or its new state ($before -> $after)" \
			test "$after" = "$before" -o "$after" = "$want_new"
		[ "$after" = "$before" ] && mid=$((mid + 1))
		start_agent 2 --host-group web --host-group db
		for _ in $(seq 300); do
			[ "$(states)" = "$want_new" ] && [ "$(sqlite3 "$H2_DB" "SELECT count(*) FROM keys WHERE description = 'v-$delay' OR '$before' = '0|0'")" != 0 ] && break
			sleep 0.05
		done
		expect_eq "restarted after ${delay}s, the agent catches up" "$want_new" "$(states)"
	done
	echo "# the kill landed before the agent's commit in $mid of 3 tries"
	expect_eq "catching up keeps the store intact" ok "$(sqlite3 "$H2_DB" 'PRAGMA integrity_check')"
}

# A row changed in the database by someone without the pepper (a DBA, a
# leaked connection, a server in the middle): the seal no longer matches,
# and no host mirrors the key.
bump() {
	psql_admin -c "UPDATE apikey.meta SET revision = revision + 1 WHERE id = 1 RETURNING revision" |
		head -1
}
tamper() { # tamper SQL-with-REV: one change, as apikeyctl would commit it
	psql_admin <<SQL >/dev/null
BEGIN;
UPDATE apikey.meta SET revision = revision + 1 WHERE id = 1;
$(sed "s/REV/(SELECT revision FROM apikey.meta WHERE id = 1)/g" <<<"$1")
SELECT pg_notify('apikey_changes', (SELECT revision::text FROM apikey.meta WHERE id = 1));
COMMIT;
SQL
}
test_seal() {
	S_KEY=$(central create $ALICE --name sealed --never-expire --allow 127.0.0.0/8 --quiet)
	wait_login PAM_SUCCESS 10 host1 $ALICE "$S_KEY" 127.0.0.1 >/dev/null
	tamper "UPDATE apikey.keys SET user_name = 'root', uid = 0, revision = REV WHERE id = '${S_KEY:5:12}';"
	waited "a key made root's in the database is dropped by the host" PAM_AUTH_ERR 10 host1 $ALICE "$S_KEY" 127.0.0.1
	expect_eq "and does not log in as root" PAM_AUTH_ERR "$(login host1 root "$S_KEY" 127.0.0.1)"
	check "the agent says the seal does not match" grep -q "${S_KEY:5:12} not mirrored: damaged in the central store (its seal does not match" "$WORK/agent1.log"
	run_cmd central list
	expect_contains "apikeyctl --central leaves the changed key out, and says so" \
		"central key ${S_KEY:5:12} is left out: its seal does not match" "$ERR"
	psql_admin -c "DELETE FROM apikey.keys WHERE id = '${S_KEY:5:12}'"
	S_KEY=$(central create $ALICE --name sealed2 --never-expire --allow 127.0.0.0/8 --quiet)
	wait_login PAM_SUCCESS 10 host1 $ALICE "$S_KEY" 127.0.0.1 >/dev/null
	tamper "DELETE FROM apikey.ip_rules WHERE key_id = '${S_KEY:5:12}'; UPDATE apikey.keys SET revision = REV WHERE id = '${S_KEY:5:12}';"
	waited "an allow list removed in the database does not open the key: it is dropped" PAM_AUTH_ERR 10 host1 $ALICE "$S_KEY" 192.0.2.1
	tamper "INSERT INTO apikey.verifier_services VALUES ('sshd');"
	sleep 0.5
	expect_lacks "a verifier service added in the database is not mirrored" sshd \
		"$(sqlite3 "$H1_DB" "SELECT service FROM verifier_services")"
	check "and the agent says why" grep -q "verifier group's services do not match their seal" "$WORK/agent1.log"
	tamper "DELETE FROM apikey.verifier_services WHERE service = 'sshd';"
	central delete ${S_KEY:5:12} --yes >/dev/null 2>&1
	psql_admin -c "DELETE FROM apikey.keys WHERE id = '${S_KEY:5:12}'"
}

# A deleted key's sealed rows put back, or an older sealed version of a
# key (a narrower allow list undone): the revision is sealed, the
# tombstone and each host's own record of deletes refuse the first, and no
# host takes a row older than the copy it holds.
restart_agent2() {
	kill "$AGENT2"
	wait "$AGENT2" 2>/dev/null
	start_agent 2 --host-group web --host-group db
	for _ in $(seq 200); do
		grep -c "resynchronised" "$WORK/agent2.log" | grep -qx "$1" && break
		sleep 0.05
	done
}
test_replay() {
	R_KEY=$(central create $ALICE --name replayed --never-expire --allow 10.0.0.0/8 --quiet)
	rid=${R_KEY:5:12}
	waited "a key to be deleted logs in on host2" PAM_SUCCESS 10 host2 $ALICE "$R_KEY" 10.9.9.9
	psql_admin -c "CREATE TABLE public.saved_keys AS SELECT * FROM apikey.keys WHERE id = '$rid';
		CREATE TABLE public.saved_rules AS SELECT * FROM apikey.ip_rules WHERE key_id = '$rid'"
	central delete $rid --yes >/dev/null
	wait_login PAM_AUTH_ERR 10 host2 $ALICE "$R_KEY" 10.9.9.9 >/dev/null
	tamper "INSERT INTO apikey.keys SELECT * FROM public.saved_keys; INSERT INTO apikey.ip_rules SELECT * FROM public.saved_rules; UPDATE apikey.keys SET revision = REV WHERE id = '$rid';"
	sleep 0.5
	expect_eq "a deleted key's rows put back with a new revision: refused (the revision is sealed)" PAM_AUTH_ERR \
		"$(login host2 $ALICE "$R_KEY" 10.9.9.9)"
	tamper "UPDATE apikey.keys SET revision = (SELECT revision FROM public.saved_keys) WHERE id = '$rid';"
	n=$(grep -c resynchronised "$WORK/agent2.log")
	restart_agent2 $((n + 1))
	expect_eq "... put back as they were: refused after a full resynchronisation (its tombstone)" PAM_AUTH_ERR \
		"$(login host2 $ALICE "$R_KEY" 10.9.9.9)"
	run_cmd central list
	expect_contains "apikeyctl --central leaves a key put back after its delete out" \
		"central key $rid is left out: deleted" "$ERR"
	psql_admin -c "DELETE FROM apikey.deleted_keys WHERE key_id = '$rid'"
	restart_agent2 $((n + 2))
	expect_eq "... and with its tombstone removed too: refused (the host saw the delete)" PAM_AUTH_ERR \
		"$(login host2 $ALICE "$R_KEY" 10.9.9.9)"
	psql_admin -c "DELETE FROM apikey.keys WHERE id = '$rid'; DROP TABLE public.saved_keys; DROP TABLE public.saved_rules"

	O_KEY=$(central create $ALICE --name narrowed --never-expire --allow 10.0.0.0/8 --quiet)
	oid=${O_KEY:5:12}
	wait_login PAM_SUCCESS 10 host2 $ALICE "$O_KEY" 10.9.9.9 >/dev/null
	psql_admin -c "CREATE TABLE public.saved_keys AS SELECT * FROM apikey.keys WHERE id = '$oid';
		CREATE TABLE public.saved_rules AS SELECT * FROM apikey.ip_rules WHERE key_id = '$oid'"
	central edit $oid --remove 10.0.0.0/8 --allow 10.1.0.0/16 >/dev/null
	wait_login PAM_AUTH_ERR 10 host2 $ALICE "$O_KEY" 10.9.9.9 >/dev/null
	tamper "DELETE FROM apikey.ip_rules WHERE key_id = '$oid'; DELETE FROM apikey.keys WHERE id = '$oid'; INSERT INTO apikey.keys SELECT * FROM public.saved_keys; INSERT INTO apikey.ip_rules SELECT * FROM public.saved_rules;"
	n=$(grep -c resynchronised "$WORK/agent2.log")
	restart_agent2 $((n + 1))
	expect_eq "an older sealed version put back (a wider allow list) does not reopen the key" PAM_AUTH_ERR \
		"$(login host2 $ALICE "$O_KEY" 10.9.9.9)"
	expect_eq "... the host keeps its later copy" PAM_SUCCESS "$(login host2 $ALICE "$O_KEY" 10.1.2.3)"
	restart_agent2 $((n + 2))
	expect_eq "... and still after another full resynchronisation" PAM_AUTH_ERR \
		"$(login host2 $ALICE "$O_KEY" 10.9.9.9)"
	psql_admin -c "DELETE FROM apikey.keys WHERE id = '$oid'; DROP TABLE public.saved_keys; DROP TABLE public.saved_rules"
}

# NOTIFY needs no privilege: a flood from an agent's role is old news to
# the others, and costs their stores no write
test_notify_flood() {
	before=$(sqlite3 "$H2_DB" "SELECT revision FROM central_sync")
	psql -X -q "$(agent_conninfo 1)" -c "DO \$\$ BEGIN FOR i IN 1..300 LOOP PERFORM pg_notify('apikey_changes', '1'); END LOOP; END \$\$" >/dev/null
	sleep 0.3
	expect_eq "a flood of old notifications changes nothing on host2" "$before" \
		"$(sqlite3 "$H2_DB" "SELECT revision FROM central_sync")"
	run_cmd $BIN/apikeyctl --central "host=$PG_DIR dbname=postgres user=postgres password=x" list
	expect_eq "a password in a command-line connection string is refused" 1 "$RC"
	expect_contains "and says why" "readable by every local user" "$ERR"
}

test_grants() {
	c=$(agent_conninfo 1)
	for sql in "INSERT INTO apikey.keys (id, user_name, uid, name, hash, created_at, revision) VALUES ('AAAAAAAAAAAA', 'root', 0, 'evil', decode(repeat('00', 32), 'hex'), 1, 1)" \
		"UPDATE apikey.keys SET uid = 0" \
		"DELETE FROM apikey.keys" \
		"UPDATE apikey.ip_rules SET enabled = false" \
		"DELETE FROM apikey.ip_rules" \
		"INSERT INTO apikey.key_host_groups VALUES ('${KEY:5:12}', 'web')" \
		"INSERT INTO apikey.verifier_services VALUES ('sshd')" \
		"UPDATE apikey.meta SET revision = 0" \
		"SELECT count(*) FROM apikey.usage" \
		"INSERT INTO apikey.usage (key_id, host, uses, received_at) VALUES ('${KEY:5:12}', 'host2', 1, now())" \
		"UPDATE apikey.usage SET uses = 0" \
		"DELETE FROM apikey.usage" \
		"CREATE TABLE apikey.x (i int)"; do
		run_cmd psql -X -q -At -v ON_ERROR_STOP=1 "$c" -c "$sql"
		expect_contains "an agent's credentials cannot: ${sql:0:40}" "permission denied" "$ERR"
	done
	run_cmd psql -X -q -At -v ON_ERROR_STOP=1 "$c" -c "SELECT apikey.report_usage('${KEY:5:12}', 1, NULL, NULL, NULL, NULL, NULL)"
	expect_eq "an agent's credentials can report usage" 0 "$RC"
}

test_conf_file() {
	conf=$WORK/central.conf
	printf 'conninfo = %s\nmax_stale = 2s\nhost_group = web\n' "$PG_ADMIN" >"$conf"
	chmod 0644 "$conf"
	run_cmd $CTL --central "$conf" list
	expect_eq "a central.conf others can read is refused" 1 "$RC"
	chmod 0600 "$conf"
	run_cmd $CTL --central "$conf" list
	expect_eq "a root-only central.conf gives the connection" 0 "$RC"
	expect_contains "and the command runs on the central store" deploy "$OUT"
	printf 'conninfo = %s\nmax_stale = soon\n' "$PG_ADMIN" >"$conf"
	run_cmd "$BIN/apikey-sync" --central "$conf" --db "$H2_DB" --once --log-stderr
	expect_eq "a bad max_stale is refused" 1 "$RC"
	expect_contains "naming the line" "central.conf:2: bad value 'soon' for max_stale" "$ERR"
	run_cmd $CTL --central "host=$PG_DIR dbname=nosuchdb user=postgres" list
	expect_eq "an unreachable central store is an error" 1 "$RC"
	expect_contains "naming it" "central store: cannot connect" "$ERR"
}

test_pepper_mismatch() {
	mkdir -m 0700 "$WORK/h4" "$WORK/p4"
	head -c 32 /dev/urandom >"$WORK/p4/pepper"
	chmod 0600 "$WORK/p4/pepper"
	$CTL --db "$WORK/h4/keys.db" --pepper "$WORK/p4/pepper" init >/dev/null 2>&1
	run_cmd "$BIN/apikey-sync" --central "$(agent_conninfo 1)" --db "$WORK/h4/keys.db" \
		--pepper "$WORK/p4/pepper" --once --log-stderr
	expect_eq "a host whose pepper is not the fleet's does not synchronise" 1 "$RC"
	expect_contains "and is told why" "pepper is not the fleet's" "$ERR"
	expect_eq "and mirrors nothing" 0 "$(sqlite3 "$WORK/h4/keys.db" 'SELECT count(*) FROM keys')"
	run_cmd $CTL --central "$PG_ADMIN" --pepper "$WORK/p4/pepper" create $ALICE --name p4
	expect_eq "apikeyctl with another pepper cannot create central keys" 1 "$RC"
}

test_init_and_roles
test_created_everywhere
test_ip_lists_everywhere
test_host_groups
test_local_commands_refuse_central_keys
test_verifier_services
test_usage_reported
test_uid_binding
test_delete_everywhere
test_seal
test_replay
test_notify_flood
test_grants
test_conf_file
test_pepper_mismatch
test_offline
test_offline_delete_then_resync
test_kill_during_large_change
check "the stores stay intact" store_intact
