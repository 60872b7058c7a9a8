#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# HTTP APIs behind a real nginx (ngx_http_auth_pam) and a real Apache
# (mod_authnz_pam), whose workers run PAM as www-data: a member of the
# verifier group, so the setuid helper checks for them the keys whose
# service scope names their PAM service, and nothing else.  Loopback only,
# in a private namespace (tests/sandbox.sh); curl is the client.
. "$(dirname "$0")/sandbox.sh"
sandbox_enter "$@"
sandbox_setup
sandbox_login_users
sandbox_verifier_group www-data
MOD="$BIN/pam_apikey.so helper=$BIN/apikey-helper"
sandbox_pamd nginx-api "auth required $MOD nodelay" "account required $MOD"
sandbox_pamd apache-api "auth required $MOD nodelay" "account required $MOD"
sandbox_pamd nginx-slow "auth required $MOD" "account required $MOD"
sandbox_pamd nginx-closed "auth required $MOD nodelay" "account required $MOD"
$CTL verifier add nginx-api apache-api nginx-slow >/dev/null

# the content the servers serve, readable by www-data
mkdir -p "$WORK/html/api"
echo "hello from the api" >"$WORK/html/index.html"
cp "$WORK/html/index.html" "$WORK/html/api/index.html"
chmod -R a+rX "$WORK/html"

# nginx SERVICE [WORKER-USER]: an nginx serving $WORK/html behind PAM
# SERVICE; sets PORT
nginx_for() {
	PORT=$(free_port)
	printf '%s\n' "server {" "  listen 127.0.0.1:$PORT;" "  root $WORK/html;" \
		"  location / { auth_pam \"api\"; auth_pam_service_name \"$1\"; }" "}" \
		>"$WORK/nginx-$1.conf"
	sandbox_nginx "$WORK/nginx-$1${2:+-${2%% *}}" "$WORK/nginx-$1.conf" "${2-}"
	wait_port "$PORT" "$NGINX_PID"
}

apache_for() { # SERVICE: an Apache serving $WORK/html behind PAM SERVICE
	PORT=$(free_port)
	printf '%s\n' "<Directory $WORK/html>" "  AuthType Basic" "  AuthName \"api\"" \
		"  AuthBasicProvider PAM" "  AuthPAMService $1" "  Require valid-user" \
		"</Directory>" >"$WORK/apache-$1.conf"
	sandbox_apache "$WORK/apache-$1" "$PORT" "$WORK/html" "$WORK/apache-$1.conf"
	wait_port "$PORT" "$APACHE_PID"
}

# as_client USER KEY [curl options]: the status of GET / with Basic auth
as_client() { http_code "http://127.0.0.1:$PORT/" -u "$1:$2" "${@:3}"; }

# The same story for either server (SERVER: nginx or apache, SERVICE:
# its PAM service name, OTHER: another service's name)
test_server() {
	server=$1 service=$2 other=$3
	key=$(newkey $ALICE --name "$server-key" --service "$service")
	unscoped=$(newkey $ALICE --name "$server-unscoped")
	elsewhere=$(newkey $ALICE --name "$server-elsewhere" --service "$other")
	bobs=$(newkey $BOB --name "$server-bobs" --service "$service")
	fenced=$(newkey $ALICE --name "$server-fenced" --service "$service" --allow 127.0.0.2 --deny 127.0.0.0/8)
	expiring=$(newkey $ALICE --name "$server-expiring" --service "$service" --expires +2s)
	doomed=$(newkey $ALICE --name "$server-doomed" --service "$service")
	expect_eq "$server: a key scoped to $service, for its user: 200" 200 "$(as_client $ALICE "$key")"
	expect_eq "$server: the body is served" "hello from the api" \
		"$(curl -s --max-time 20 -u "$ALICE:$key" "http://127.0.0.1:$PORT/")"
	expect_eq "$server: bob's key for bob: 200" 200 "$(as_client $BOB "$bobs")"
	expect_eq "$server: a wrong key: 401" 401 "$(as_client $ALICE "$(wrong_secret "$key")")"
	expect_eq "$server: a mistyped key: 401" 401 "$(as_client $ALICE "${key:0:50}")"
	expect_eq "$server: another user's key: 401" 401 "$(as_client $ALICE "$bobs")"
	expect_eq "$server: a key with no service scope: 401" 401 "$(as_client $ALICE "$unscoped")"
	expect_eq "$server: a key scoped to another service: 401" 401 "$(as_client $ALICE "$elsewhere")"
	expect_eq "$server: the account's password: 401" 401 "$(as_client $ALICE alice-unix-pw)"
	expect_eq "$server: no credentials: 401" 401 "$(http_code "http://127.0.0.1:$PORT/")"
	expect_eq "$server: allow list, an allowed client address: 200" 200 "$(as_client $ALICE "$fenced" --interface 127.0.0.2)"
	expect_eq "$server: allow list, a client address not in it: 401" 401 "$(as_client $ALICE "$fenced" --interface 127.0.0.3)"
	sleep 2.5
	expect_eq "$server: an expired key: 401" 401 "$(as_client $ALICE "$expiring")"
	expect_eq "$server: a key about to be deleted: 200" 200 "$(as_client $ALICE "$doomed")"
	$CTL delete "$ALICE/$server-doomed" --yes >/dev/null
	expect_eq "$server: the next request after its delete returned: 401" 401 "$(as_client $ALICE "$doomed")"
	log=$(syslog_text)
	expect_contains "$server: the client address reaches PAM_RHOST, and the log says why it was refused" \
		"key_id=${fenced:5:12} rhost=\"127.0.0.3\" refused reason=\"address\\x20not\\x20in\\x20allow\\x20list\"" "$log"
	expect_contains "$server: every check by the verifier group is logged with its uid and service" \
		"uid $(id -u www-data) (group apikey-verify) checked a key for authentication: service=\"$service\" user=\"$ALICE\" key_id=${key:5:12} rhost=\"127.0.0.1\" accepted" "$log"
	expect_contains "$server: ... its account checks too" \
		"checked a key for an account: service=\"$service\" user=\"$ALICE\" key_id=${key:5:12}" "$log"
	expect_contains "$server: ... refusals too, for keys it may not check told as wrong keys" \
		"service=\"$service\" user=\"$ALICE\" key_id=${unscoped:5:12} rhost=\"127.0.0.1\" refused reason=\"wrong\\x20or\\x20unknown\\x20key\"" "$log"
	expect_lacks "$server: the server hears yes or no, never a key's name" \
		"key_name=\"$server-" "$log"
	settle
	expect_eq "$server: the use is recorded with the client address" 127.0.0.2 \
		"$(key_json "$ALICE/$server-fenced" | jq -r .last_used_ip)"
	expect_eq "$server: nothing is recorded on a key the group may not check" null \
		"$(key_json "$ALICE/$server-unscoped" | jq -r .last_denied_at)"
}

test_nginx() {
	nginx_for nginx-api || { not_ok "nginx starts" "$(cat "$WORK"/nginx-nginx-api/error.log)"; return; }
	test_server nginx nginx-api apache-api
}

test_apache() {
	apache_for apache-api || { not_ok "Apache starts" "$(cat "$WORK"/apache-apache-api/error.log)"; return; }
	test_server apache apache-api nginx-api
}

# A worker that is not in the verifier group gets nothing: the group is
# what grants the checks.
test_group_is_what_grants() {
	key=$(newkey $ALICE --name outsider --service nginx-api)
	nginx_for nginx-api "nobody nogroup" || { not_ok "nginx as nobody starts" "$(cat "$WORK"/nginx-nginx-api-*/error.log)"; return; }
	expect_eq "a worker outside the verifier group (nobody): a good key gets 401" 401 "$(as_client $ALICE "$key")"
	expect_contains "... the helper says why" "uid $(id -u nobody) asked about another user's key" "$(syslog_text)"
}

# What a member hears from the helper, asked directly (as a worker taken
# over would): yes or no, nothing more, unless it asks about its own account.
# ask OP USER SERVICE KEY [DB]: the helper's status and answer (NULs as |)
ask() {
	"$BIN/testtool" request "$1" "$2" "" "$3" "${5-}" "$4" |
		as_user www-data "$BIN/apikey-helper" >"$WORK/answer"
	echo "$? $(tr '\0' '|' <"$WORK/answer")"
}

test_member_hears_yes_or_no() {
	key=$(newkey $ALICE --name direct --service nginx-api --expires +30d)
	expiring=$(newkey $ALICE --name direct-expiring --service nginx-api --expires +2s)
	own=$(newkey www-data --name own --expires +30d)
	expect_eq "a member asking directly: a good key, only 'accepted' (no name, no expiry)" \
		"0 accepted|||" "$(ask A $ALICE nginx-api "$key")"
	expect_eq "... an account check by key id: no name, no expiry either" \
		"0 accepted|||" "$(ask C $ALICE nginx-api "${key:5:12}")"
	sleep 2.5
	expect_eq "... an expired key: the same answer as a wrong key" \
		"$(ask A $ALICE nginx-api "$(wrong_secret "$expiring")")" "$(ask A $ALICE nginx-api "$expiring")"
	expect_eq "... which is a bare 'refused'" "10 refused|||" "$(ask A $ALICE nginx-api "$expiring")"
	expect_eq "... choosing the store is refused" 10 "$(ask A $ALICE nginx-api "$key" "$DB" | cut -d' ' -f1)"
	expect_eq "... an unknown user: the same bare refusal (status 10, not 11)" \
		"10 refused|||" "$(ask A pakt_nobody_here nginx-api "$key")"
	expect_eq "a member's own account gets no more: its unscoped key is a wrong key to it" \
		"10 refused|||" "$(ask A www-data nginx-api "$own")"
	expect_eq "... through an unlisted service too" "10 refused|||" "$(ask A www-data sshd "$own")"
	nginx_for nginx-api "www-data www-data" || { not_ok "nginx (again) starts" "$(cat "$WORK"/nginx-nginx-api-www-data/error.log)"; return; }
	expect_eq "... so a client cannot log in to the web server as its own user with such a key: 401" \
		401 "$(as_client www-data "$own")"
	expect_eq "... (the same server serves a web key of the server's account: 200)" \
		200 "$(as_client www-data "$(newkey www-data --name own-web --service nginx-api)")"
}

# A service the store does not list for the verifier group: its workers
# check no key, even one scoped to it, and the log says why.
test_service_not_listed() {
	key=$(newkey $ALICE --name closed --service nginx-closed)
	nginx_for nginx-closed || { not_ok "nginx (nginx-closed) starts" "$(cat "$WORK"/nginx-nginx-closed/error.log)"; return; }
	: >"$SYSLOG"
	expect_eq "a service not open to the verifier group: a key scoped to it gets 401" 401 "$(as_client $ALICE "$key")"
	expect_contains "... the log says the service is not open to the group" \
		'service="nginx-closed" user="'$ALICE'" key_id='${key:5:12}' rhost="127.0.0.1" refused reason="service\x20not\x20open\x20to\x20the\x20verifier\x20group"' "$(syslog_text)"
	$CTL verifier add nginx-closed >/dev/null
	expect_eq "... once listed (apikeyctl verifier add): 200, with no restart" 200 "$(as_client $ALICE "$key")"
	$CTL verifier remove nginx-closed >/dev/null
	expect_eq "... taken off the list: 401 on the next request" 401 "$(as_client $ALICE "$key")"
}

# The fail delay: nginx's auth_pam calls PAM in its worker, synchronously,
# so a refused request holds the worker through pam_fail_delay (2 s) and
# every client of that worker waits.  Measured (not asserted): a good
# request sent just after a bad one, with and without nodelay.
test_fail_delay() {
	key=$(newkey $ALICE --name delayed --service nginx-slow --service nginx-api)
	for service in nginx-slow nginx-api; do
		nginx_for "$service" || continue
		as_client $ALICE "$(wrong_secret "$key")" >/dev/null &
		bad=$!
		sleep 0.2
		t0=$(date +%s%N)
		code=$(as_client $ALICE "$key")
		ms=$((($(date +%s%N) - t0) / 1000000))
		wait "$bad"
		echo "# $service ($(grep -q nodelay /etc/pam.d/$service && echo nodelay || echo 'with the fail delay')): a good request behind a bad one got $code after $ms ms"
		expect_eq "the good request behind a bad one is served ($service)" 200 "$code"
	done
}

test_nginx
test_apache
test_group_is_what_grants
test_member_hears_yes_or_no
test_service_not_listed
test_fail_delay
