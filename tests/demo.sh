#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# make demo: the product's story, told with the real module, helper and sshd
# in a private sandbox (tests/sandbox.sh: mount namespace, loopback only,
# nothing of the host's PAM, SSH or key store touched; a demo user that is
# removed at the end).  Every command it prints is the very text it runs, in
# one shell session (run: print, then eval), so each can be copied.  Ends
# with a one-line verdict and exits non-zero if any step misbehaved.
# DEMO_TRANSCRIPT=FILE: also write every command run to FILE (the test
# compares it with what was printed).
. "$(dirname "$0")/sandbox.sh"
sandbox_enter "$@"
sandbox_setup
USER_NAME=pakt_demo
sandbox_user $USER_NAME
sandbox_verifier_group www-data
MOD="$BIN/pam_apikey.so helper=$BIN/apikey-helper"
sandbox_sshd "$KEY_OR_PASSWORD $MOD" \
	"auth required pam_unix.so" \
	"account required pam_unix.so" "account required $MOD" \
	"session required pam_unix.so" >/dev/null || exit 1
sandbox_postgres >/dev/null || exit 1
mkdir -m 0700 "$WORK/web2"
export PATH="$BIN:$PATH"
STEPS=0 GOOD=0

if [ -t 1 ]; then B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' N=$'\e[0m'; else B="" G="" R="" N=""; fi
say() { printf '\n%s%s%s\n' "$B" "$*" "$N"; }
indent() { sed 's/^/    /'; }
step() { # step DESCRIPTION RESULT(0=as expected)
	STEPS=$((STEPS + 1))
	if [ "$2" = 0 ]; then GOOD=$((GOOD + 1)); printf '  %s✔ %s%s\n' "$G" "$1" "$N"; else printf '  %s✘ %s%s\n' "$R" "$1" "$N"; fi
}
# run COMMAND: prints it as typed, then runs exactly that text in this shell
run() {
	printf '  $ %s\n' "$1"
	[ -n "${DEMO_TRANSCRIPT-}" ] && printf '%s\n' "$1" >>"$DEMO_TRANSCRIPT"
	eval "$1" >"$WORK/out" 2>&1
	RAN=$?
	indent <"$WORK/out"
	return $RAN
}

# the client's side: an ssh configuration for this sandbox's sshd
CONF=$WORK/ssh_config
printf '%s\n' "Host 127.0.0.1" "  Port $SSH_PORT" "  StrictHostKeyChecking no" \
	"  UserKnownHostsFile /dev/null" "  PubkeyAuthentication no" \
	"  PreferredAuthentications keyboard-interactive" "  NumberOfPasswordPrompts 1" \
	"  LogLevel ERROR" >"$CONF"
mkdir -m 0755 "$WORK/client"
echo "release 1.2.3" >"$WORK/client/artifact.txt"
chmod 0644 "$WORK/client/artifact.txt"
cd "$WORK/client" || exit 1

say "pam_apikey demo: a real sshd on 127.0.0.1:$SSH_PORT; its /etc/pam.d/sshd is:"
indent <"$WORK/etc-pam.d/sshd"
say "The client's ssh configuration for it:"
run "cat $CONF"

say "1. An administrator creates a key for $USER_NAME, usable only from 127.0.0.2"
run "KEY=\$(apikeyctl create $USER_NAME --name ci-deploy --description 'nightly deploy' --allow 127.0.0.2 --expires +30d)"
run 'echo "$KEY"'
[[ $KEY =~ ^pak1_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}$ ]]
step "the key is shown once, on stdout" $?

say "2. A CI job logs in over SSH with it from an allowed address"
run "export SSH_ASKPASS=apikey-askpass SSH_ASKPASS_REQUIRE=force APIKEY_USER=$USER_NAME"
run "APIKEY=\$KEY ssh -F $CONF -b 127.0.0.2 $USER_NAME@127.0.0.1 'echo \"logged in as \$USER with key \$PAM_APIKEY_NAME\"' </dev/null"
grep -q "logged in as $USER_NAME with key ci-deploy" "$WORK/out"
step "SSH login from 127.0.0.2 succeeds" $?

say "3. ... and copies a file with sftp"
run "echo 'put artifact.txt' | APIKEY=\$KEY sftp -F $CONF -o BindAddress=127.0.0.2 -o BatchMode=no -b - $USER_NAME@127.0.0.1"
cmp -s "$WORK/client/artifact.txt" "/home/$USER_NAME/artifact.txt"
step "the file arrived byte for byte" $?

say "4. The same key from another address is refused, and the admin sees why"
run "APIKEY=\$KEY ssh -F $CONF -b 127.0.0.3 $USER_NAME@127.0.0.1 'echo should not get here' </dev/null"
[ $RAN != 0 ] && ! grep -q "should not get here" "$WORK/out"
step "SSH login from 127.0.0.3 is refused" $?
settle
run "apikeyctl verify $USER_NAME --rhost 127.0.0.3 <<<\"\$KEY\""
verdict=$(cat "$WORK/out")
run "apikeyctl show $USER_NAME/ci-deploy"
[[ $verdict == *"address not in allow list"* ]] && grep -q "Last denied:.*127.0.0.3: address not in allow list" "$WORK/out"
step "verify and show both name the allow list" $?

say "5. The key list shows the last login and where it came from"
run "apikeyctl list"
grep ci-deploy "$WORK/out" | grep -q 127.0.0.2
step "LAST IP is 127.0.0.2" $?

say "6. The admin adds 127.0.0.3 to the allow list; the key string stays the same"
run "apikeyctl edit $USER_NAME/ci-deploy --allow 127.0.0.3"
run "APIKEY=\$KEY ssh -F $CONF -b 127.0.0.3 $USER_NAME@127.0.0.1 'echo now allowed from 127.0.0.3' </dev/null"
step "the same key now logs in from 127.0.0.3" $RAN

say "7. The key is rotated: a new key, the old one kept for a grace period"
run "NEW=\$(apikeyctl rotate $USER_NAME/ci-deploy --grace 1h --quiet)"
run "APIKEY=\$NEW ssh -F $CONF -b 127.0.0.2 $USER_NAME@127.0.0.1 'echo the new key works' </dev/null"
step "the rotated key logs in" $RAN

say "8. The key is deleted: it stops working at once"
run "apikeyctl delete $USER_NAME/ci-deploy --yes"
run "APIKEY=\$NEW ssh -F $CONF -b 127.0.0.2 $USER_NAME@127.0.0.1 'echo should not get here' </dev/null"
[ $RAN != 0 ] && ! grep -q "should not get here" "$WORK/out"
step "the deleted key is refused on the next connection" $?

say "9. A key that has expired is refused"
run "OLD=\$(apikeyctl create $USER_NAME --name expiring --expires +2s --quiet)"
run "sleep 3"
run "APIKEY=\$OLD ssh -F $CONF -b 127.0.0.2 $USER_NAME@127.0.0.1 'echo should not get here' </dev/null"
[ $RAN != 0 ] && ! grep -q "should not get here" "$WORK/out"
step "the expired key is refused" $?
run "apikeyctl verify $USER_NAME <<<\"\$OLD\""
grep -q "key expired" "$WORK/out"
step "verify says it expired" $?

say "10. An HTTP API behind nginx, whose workers (www-data, in the group apikey-verify) check keys scoped to its service"
sandbox_pamd nginx-api "auth required $MOD nodelay" "account required $MOD"
mkdir -p "$WORK/www/api"
echo "hello from the api" >"$WORK/www/api/index.html"
chmod -R a+rX "$WORK/www"
HTTP_PORT=$(free_port)
printf '%s\n' "server {" "  listen 127.0.0.1:$HTTP_PORT;" "  root $WORK/www;" "  location /api/ {" \
	"    auth_pam \"api\";" "    auth_pam_service_name \"nginx-api\";" "  }" "}" >"$WORK/nginx-server.conf"
sandbox_nginx "$WORK/nginx" "$WORK/nginx-server.conf"
wait_port "$HTTP_PORT" "$NGINX_PID"
run "cat /etc/pam.d/nginx-api $WORK/nginx-server.conf"
run "apikeyctl verifier add nginx-api"
run "API=\$(apikeyctl create $USER_NAME --name deploy-api --service nginx-api --allow 127.0.0.2 --quiet)"
run "printf 'user = \"$USER_NAME:%s\"\\n' \"\$API\" | curl -s -K - -w ' (HTTP %{http_code})\\n' --interface 127.0.0.2 http://127.0.0.1:$HTTP_PORT/api/"
grep -q "hello from the api" "$WORK/out" && grep -q "(HTTP 200)" "$WORK/out"
step "a key scoped to the API is served from 127.0.0.2" $?
run "printf 'user = \"$USER_NAME:%s\"\\n' \"\$API\" | curl -s -o /dev/null -K - -w 'HTTP %{http_code}\\n' --interface 127.0.0.3 http://127.0.0.1:$HTTP_PORT/api/"
grep -q "HTTP 401" "$WORK/out"
step "from 127.0.0.3, outside its allow list: 401" $?
run "OTHER=\$(apikeyctl create $USER_NAME --name ssh-only --quiet)"
run "printf 'user = \"$USER_NAME:%s\"\\n' \"\$OTHER\" | curl -s -o /dev/null -K - -w 'HTTP %{http_code}\\n' --interface 127.0.0.2 http://127.0.0.1:$HTTP_PORT/api/"
grep -q "HTTP 401" "$WORK/out"
step "a key without the API's scope is not the web server's to check: 401" $?
run "apikeyctl delete $USER_NAME/deploy-api --yes"
run "printf 'user = \"$USER_NAME:%s\"\\n' \"\$API\" | curl -s -o /dev/null -K - -w 'HTTP %{http_code}\\n' --interface 127.0.0.2 http://127.0.0.1:$HTTP_PORT/api/"
grep -q "HTTP 401" "$WORK/out"
step "once deleted, the next request gets 401" $?

say "11. apikeyd: the same decisions from a root daemon that keeps the store open, without a process per login"
run "apikeyd & APIKEYD=\$!"
DAEMON_PID=$APIKEYD # stopped at exit, should a step below fail
run "until [ -S /run/pam_apikey/apikeyd.sock ]; do sleep 0.1; done"
run "API2=\$(apikeyctl create $USER_NAME --name api-daemon --service nginx-api --allow 127.0.0.2 --quiet)"
run "printf 'user = \"$USER_NAME:%s\"\\n' \"\$API2\" | curl -s -K - -w ' (HTTP %{http_code})\\n' --interface 127.0.0.2 http://127.0.0.1:$HTTP_PORT/api/"
grep -q "(HTTP 200)" "$WORK/out"
step "the key is served, checked by apikeyd" $?
run "apikeyctl delete $USER_NAME/api-daemon --yes"
run "printf 'user = \"$USER_NAME:%s\"\\n' \"\$API2\" | curl -s -o /dev/null -K - -w 'HTTP %{http_code}\\n' --interface 127.0.0.2 http://127.0.0.1:$HTTP_PORT/api/"
grep -q "HTTP 401" "$WORK/out"
step "deleted, it is refused by apikeyd on the next request" $?
run "kill \$APIKEYD"
wait "$APIKEYD" 2>/dev/null
DAEMON_PID=""
syslog_text | grep -q "apikeyd\[[0-9]*\]: uid [0-9]* (group apikey-verify) checked a key"
step "apikeyd answered those requests (its log says so)" $?

say "12. Many hosts: one central PostgreSQL store, an agent (apikey-sync) on each host mirroring its keys; here two hosts: web1 (this sshd's store) and web2 (a store of its own)"
run "apikeyctl --central '$PG_ADMIN' init"
run "psql -q '$PG_ADMIN' -c 'CREATE ROLE web1 LOGIN IN ROLE apikey_agent' -c 'CREATE ROLE web2 LOGIN IN ROLE apikey_agent'"
run "apikeyctl --db $WORK/web2/keys.db init"
run "apikey-sync --central 'host=$PG_DIR dbname=postgres user=web1' --host-group web & SYNC1=\$!"
run "apikey-sync --central 'host=$PG_DIR dbname=postgres user=web2' --db $WORK/web2/keys.db --host-group web & SYNC2=\$!"
AGENT_PIDS="$SYNC1 $SYNC2" # stopped at exit, should a step below fail
run "FLEET=\$(apikeyctl --central '$PG_ADMIN' create $USER_NAME --name fleet-deploy --host-group web --allow 127.0.0.2 --quiet)"
run "until apikeyctl --db $WORK/web2/keys.db list | grep -q fleet-deploy; do sleep 0.1; done"
run "APIKEY=\$FLEET ssh -F $CONF -b 127.0.0.2 $USER_NAME@127.0.0.1 'echo web1 let me in with a central key' </dev/null"
step "the central key logs in over SSH on web1" $RAN
run "apikeyctl --db $WORK/web2/keys.db verify $USER_NAME --rhost 127.0.0.2 <<<\"\$FLEET\""
step "and is accepted on web2" $RAN
run "sleep 2; apikeyctl --central '$PG_ADMIN' list $USER_NAME"
grep fleet-deploy "$WORK/out" | grep -q "127.0.0.2 on web1"
step "the central list shows the last login and the host it was on" $?
run "apikeyctl delete $USER_NAME/fleet-deploy --yes"
grep -q "mirrored from the central store" "$WORK/out"
step "a host cannot delete a central key: it names the central store" $?
run "apikeyctl --central '$PG_ADMIN' delete $USER_NAME/fleet-deploy --yes"
run "sleep 0.2; APIKEY=\$FLEET ssh -F $CONF -b 127.0.0.2 $USER_NAME@127.0.0.1 'echo should not get here' </dev/null"
[ $RAN != 0 ] && ! grep -q "should not get here" "$WORK/out"
step "deleted centrally, it is refused on web1" $?
run "apikeyctl --db $WORK/web2/keys.db verify $USER_NAME --rhost 127.0.0.2 <<<\"\$FLEET\""
[ $RAN != 0 ]
step "and on web2" $?
run "kill \$SYNC1 \$SYNC2"
wait "$SYNC1" "$SYNC2" 2>/dev/null
AGENT_PIDS=""

say "What the module logged to authpriv (this sandbox's log), keys never included:"
syslog_text >/dev/null # every line so far is in the log file
run "grep -o -e 'pam_apikey(sshd:auth): .*' -e 'apikey-helper.*uid.*checked a key.*' -e 'apikeyd.*uid.*checked a key.*' $SYSLOG"
syslog_text >"$WORK/log"
! grep -q "$KEY\|$NEW\|$OLD\|$API\|$API2\|$OTHER\|$FLEET" "$WORK/log"
step "no key string in the log" $?

echo
if [ "$GOOD" = "$STEPS" ]; then
	echo "${G}${B}demo passed: $GOOD of $STEPS steps behaved as expected${N}"
	exit 0
fi
echo "${R}${B}demo FAILED: $((STEPS - GOOD)) of $STEPS steps misbehaved${N}"
exit 1
