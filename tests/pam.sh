#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The module and the setuid helper through a real libpam (pam_start_confdir
# via tests/pam/pam-test.c) and pamtester, as root and as an unprivileged
# user, in a private mount namespace (tests/sandbox.sh).
. "$(dirname "$0")/sandbox.sh"
sandbox_enter "$@"
sandbox_setup

CAROL=pakt_carol
sandbox_login_users
sandbox_user $CAROL

MOD="$BIN/pam_apikey.so helper=$BIN/apikey-helper nodelay"
service keyonly "auth required $MOD" \
	"account required $MOD" "account required pam_permit.so"
# key or password, as README.md recommends: a key decides (ignore=ignore
# lets only an ordinary password go on), pam_unix takes the rest
KEY_OR_PASSWORD="auth [success=done ignore=ignore default=die]"
service keyorpass "$KEY_OR_PASSWORD $MOD" \
	"auth required pam_unix.so try_first_pass nodelay" \
	"account required $MOD" "account required pam_permit.so"
# the same with a module in between that records every password it is
# handed (pam_exec expose_authtok): what would pam_unix, pam_ldap or
# pam_sss receive?
cat >"$BIN/record-password" <<REC
#!/bin/sh
cat >>$WORK/handed-on
echo >>$WORK/handed-on
REC
chmod 0755 "$BIN/record-password"
service recorder "$KEY_OR_PASSWORD $MOD" \
	"auth optional pam_exec.so expose_authtok quiet $BIN/record-password" \
	"auth required pam_unix.so try_first_pass nodelay"
service withpermit "auth required $MOD" "auth required pam_permit.so"

# spy: a "helper" that only records that it ran
cat >"$BIN/spy-helper" <<SPY
#!/bin/sh
touch $WORK/spy-ran
exit 12
SPY
chmod 0755 "$BIN/spy-helper"
service spy "$KEY_OR_PASSWORD $BIN/pam_apikey.so helper=$BIN/spy-helper nodaemon nodelay" \
	"auth required pam_unix.so try_first_pass nodelay"


test_basic_accept_and_refuse() {
	key=$(newkey $ALICE --name basic)
	id=${key:5:12}
	expect_eq "good key is accepted" PAM_SUCCESS "$(pam_auth keyonly $ALICE "$key" --rhost 127.0.0.1)"
	wrong=$(wrong_secret "$key")
	expect_eq "known id with a wrong secret is refused" PAM_AUTH_ERR "$(pam_auth keyonly $ALICE "$wrong")"
	unknown=$("$BIN/testtool" key "ZZZZZZZZZZZZ" "${key:18:32}")
	expect_eq "unknown id is refused" PAM_AUTH_ERR "$(pam_auth keyonly $ALICE "$unknown")"
	rm -f "$WORK/spy-ran"
	truncated=${key:0:55}
	expect_eq "a truncated key is refused, not ignored" PAM_AUTH_ERR "$(pam_auth keyonly $ALICE "$truncated")"
	flipped=$(sed 's/[a-z]/\U&/' <<<"${key:18}")
	expect_eq "a case-changed key is refused, not ignored" PAM_AUTH_ERR "$(pam_auth keyonly $ALICE "${key:0:18}$flipped")"
	expect_eq "key of one user is refused for another" PAM_AUTH_ERR "$(pam_auth keyonly $BOB "$key")"
	expect_eq "unknown user is reported as such" PAM_USER_UNKNOWN "$(pam_auth keyonly no_such_user_x "$key")"
	expect_eq "key-or-password stack: key accepted" PAM_SUCCESS "$(pam_auth keyorpass $ALICE "$key")"
	expect_eq "a host that ignores SIGCHLD still gets the helper's answer" PAM_SUCCESS "$(pam_auth keyonly $ALICE "$key" --ignore-sigchld)"
	expect_eq "a host that reaps children in a handler still gets the answer" PAM_SUCCESS "$(pam_auth keyonly $ALICE "$key" --reap-sigchld)"
	expect_eq "a host with fd 0 closed still gets the helper's answer" PAM_SUCCESS "$(pam_auth keyonly $ALICE "$key" --close-stdin)"
	expect_eq "key-or-password stack: unix password falls through to pam_unix" PAM_SUCCESS "$(pam_auth keyorpass $ALICE alice-unix-pw)"
	expect_eq "key-or-password stack: wrong unix password fails" PAM_AUTH_ERR "$(pam_auth keyorpass $ALICE not-the-pw)"
	rm -f "$WORK/spy-ran"
	expect_eq "spy stack: unix password still works" PAM_SUCCESS "$(pam_auth spy $ALICE alice-unix-pw)"
	check "no helper runs for a password not shaped like a key" test ! -e "$WORK/spy-ran"
	expect_eq "key-or-password stack: a truncated key fails there, not in pam_unix" PAM_AUTH_ERR "$(pam_auth spy $ALICE "$truncated")"
	check "no helper runs for a truncated key" test ! -e "$WORK/spy-ran"
	pam_auth spy $ALICE "$key" >/dev/null
	check "the spy does run for a key-shaped password (the check above can fail)" test -e "$WORK/spy-ran"
}

# A password with the key prefix is this module's: a mistyped key is refused
# and logged, and never reaches the next module as a password.
test_mistyped_key_not_handed_on() {
	key=$(newkey $ALICE --name typo)
	: >"$SYSLOG"
	: >"$WORK/handed-on"
	for bad in "${key:0:55}" "${key}x" "${key:0:40}" "pak1_" "pak1_${key:5:12}_short"; do
		expect_eq "mistyped key '${bad:0:8}…' (${#bad} chars) is refused" PAM_AUTH_ERR "$(pam_auth recorder $ALICE "$bad")"
	done
	expect_eq "no mistyped key reached the next module" "" "$(cat "$WORK/handed-on")"
	expect_contains "a mistyped key is logged as malformed" 'reason="malformed key' "$(syslog_text)"
	expect_lacks "the mistyped key itself is not logged" "${key:18:20}" "$(syslog_text)"
	expect_eq "an ordinary password still reaches pam_unix" PAM_SUCCESS "$(pam_auth recorder $ALICE alice-unix-pw)"
	expect_eq "... and the recorder saw it (the check above can fail)" alice-unix-pw "$(head -1 "$WORK/handed-on")"
}

test_pamtester() {
	key=$(newkey $ALICE --name viapamtester --allow 198.51.100.0/24)
	mkdir "$WORK/etc-pam.d"
	cp "$WORK/pam.d/keyonly" "$WORK/etc-pam.d/keyonly"
	# a sanitized module needs its runtime loaded first in pamtester
	preload=""
	[ -n "${APIKEY_SANITIZED-}" ] && preload="LD_PRELOAD=$(gcc -print-file-name=libasan.so)"
	out=$(unshare -m --propagation private sh -c "mount --bind '$WORK/etc-pam.d' /etc/pam.d && printf '%s\n' '$key' | env $preload pamtester -I rhost=198.51.100.9 keyonly $ALICE authenticate" 2>&1)
	expect_contains "pamtester authenticates with a key from an allowed address" "successfully authenticated" "$out"
	out=$(unshare -m --propagation private sh -c "mount --bind '$WORK/etc-pam.d' /etc/pam.d && printf '%s\n' '$key' | env $preload pamtester -I rhost=203.0.113.9 keyonly $ALICE authenticate" 2>&1)
	expect_contains "pamtester is refused from an address outside the allow list" "Authentication failure" "$out"
}

# ip_case NAME EXPECTED RHOST (key $key)
ip_case() {
	if [ -z "$3" ]; then got=$(pam_auth keyonly $ALICE "$key"); else got=$(pam_auth keyonly $ALICE "$key" --rhost "$3"); fi
	expect_eq "$1" "$2" "$got"
}

test_ip_rules() {
	key=$(newkey $ALICE --name ip)
	ip_case "no lists: any address" PAM_SUCCESS 203.0.113.7
	ip_case "no lists: hostname rhost allowed" PAM_SUCCESS host.example
	ip_case "no lists: local login" PAM_SUCCESS ""
	$CTL edit $ALICE/ip --deny 10.0.0.0/8 --deny 2001:db8:bad::/48 >/dev/null
	ip_case "deny list: address in it refused" PAM_AUTH_ERR 10.2.3.4
	ip_case "deny list: IPv6 address in it refused" PAM_AUTH_ERR 2001:db8:bad::1
	ip_case "deny list: mapped IPv4 in it refused" PAM_AUTH_ERR ::ffff:10.2.3.4
	ip_case "deny list: other address allowed" PAM_SUCCESS 192.0.2.1
	ip_case "deny list: hostname refused" PAM_AUTH_ERR host.example
	ip_case "deny list: a login without a remote address is refused" PAM_AUTH_ERR ""
	$CTL edit $ALICE/ip --allow 10.1.0.0/16 --allow ::1 >/dev/null
	ip_case "allow wins over deny for an address in both" PAM_SUCCESS 10.1.2.3
	ip_case "allow list: address in neither refused" PAM_AUTH_ERR 192.0.2.1
	ip_case "allow list: deny-only address refused" PAM_AUTH_ERR 10.2.3.4
	ip_case "allow list: IPv6 ::1 allowed" PAM_SUCCESS ::1
	ip_case "allow list: bracketed [::1] allowed" PAM_SUCCESS "[::1]"
	ip_case "allow list: mapped IPv4 allowed" PAM_SUCCESS ::ffff:10.1.9.9
	ip_case "allow list: hostname refused" PAM_AUTH_ERR localhost
	ip_case "allow list: garbage rhost refused" PAM_AUTH_ERR "1.2.3"
	ip_case "allow list: local login refused" PAM_AUTH_ERR ""
	$CTL edit $ALICE/ip --disable 10.1.0.0/16 --disable ::1 >/dev/null
	ip_case "disabled allow entries are ignored" PAM_SUCCESS 192.0.2.1
	ip_case "disabled allow entries admit nothing over the deny list" PAM_AUTH_ERR 10.1.2.3
	$CTL edit $ALICE/ip --disable 10.0.0.0/8 >/dev/null
	ip_case "disabled deny entry is ignored" PAM_SUCCESS 10.1.2.3
	$CTL edit $ALICE/ip --disable 2001:db8:bad::/48 >/dev/null
	ip_case "with every entry disabled a local login works again" PAM_SUCCESS ""
	key=$(newkey $ALICE --name denyall --deny 0.0.0.0/0 --deny ::/0)
	for rhost in 192.0.2.1 2001:db8::1 ::ffff:192.0.2.1 ::1 host.example ""; do
		ip_case "deny 0.0.0.0/0 and ::/0 refuses rhost '$rhost'" PAM_AUTH_ERR "$rhost"
	done
	key=$(newkey $ALICE --name ip2 --deny 10.0.0.0/8)
	ip_case "a key with only a deny list: an address in it refused" PAM_AUTH_ERR 10.9.9.9
	settle
	expect_eq "refusal by IP records the reason" "address in deny list" "$(key_json $ALICE/ip2 | jq -r .last_denied_reason)"
	ip_case "... and one without a remote address is refused" PAM_AUTH_ERR ""
	settle
	expect_eq "refusal without an address records the reason" "no remote address, but the key has IP rules" "$(key_json $ALICE/ip2 | jq -r .last_denied_reason)"
}

test_expiry_boundary() {
	key=$(newkey $ALICE --name exp)
	dbq "UPDATE keys SET expires_at = strftime('%s','now') + 30 WHERE name='exp'"
	expect_eq "key 30 s before expiry is accepted" PAM_SUCCESS "$(pam_auth keyonly $ALICE "$key")"
	dbq "UPDATE keys SET expires_at = strftime('%s','now') WHERE name='exp'"
	expect_eq "key at its expiry instant is refused" PAM_AUTH_ERR "$(pam_auth keyonly $ALICE "$key")"
	settle
	expect_eq "expired refusal records the reason" "key expired" "$(key_json $ALICE/exp | jq -r .last_denied_reason)"
	$CTL edit $ALICE/exp --never-expire >/dev/null
	expect_eq "expiry lifted by edit: accepted again" PAM_SUCCESS "$(pam_auth keyonly $ALICE "$key")"
}

# A key with a service scope works through those services only, for every
# caller: a key for the HTTP API cannot open a shell.
test_service_scope() {
	key=$(newkey $ALICE --name api-only --service keyonly)
	service sshd-like "auth required $MOD" "account required $MOD"
	expect_eq "a scoped key logs in through its service" PAM_SUCCESS "$(pam_auth keyonly $ALICE "$key")"
	: >"$SYSLOG"
	expect_eq "... and is refused through another (root caller)" PAM_AUTH_ERR "$(pam_auth sshd-like $ALICE "$key")"
	expect_contains "the log says why" 'reason="service\x20not\x20in\x20the\x20key'"'"'s\x20scope"' "$(syslog_text)"
	expect_eq "an unprivileged caller: refused through another service too" PAM_AUTH_ERR "$(user_auth $ALICE sshd-like $ALICE "$key")"
	settle
	expect_eq "the refusal is recorded on the key" "service not in the key's scope" "$(key_json $ALICE/api-only | jq -r .last_denied_reason)"
	out=$(printf '%s\n' "$key" | "$BIN/pam-test" "$WORK/pam.d" keyonly $ALICE --acct --between "$CTL edit $ALICE/api-only --remove-service keyonly --service other >/dev/null")
	expect_contains "the account stage refuses a key whose scope changed since" "acct=PAM_PERM_DENIED" "$out"
}

test_lifecycle() {
	key=$(newkey $ALICE --name life)
	$CTL edit $ALICE/life --name life2 --description changed --allow 127.0.0.0/8 >/dev/null
	expect_eq "renamed and edited key still accepted" PAM_SUCCESS "$(pam_auth keyonly $ALICE "$key" --rhost 127.0.0.5)"
	$CTL delete $ALICE/life2 --yes >/dev/null
	expect_eq "deleted key refused on the next login" PAM_AUTH_ERR "$(pam_auth keyonly $ALICE "$key" --rhost 127.0.0.5)"
	ckey=$(newkey $CAROL --name carol)
	expect_eq "carol's key accepted" PAM_SUCCESS "$(pam_auth keyonly $CAROL "$ckey")"
	olduid=$(id -u $CAROL)
	userdel $CAROL
	expect_eq "key of a removed account: unknown user" PAM_USER_UNKNOWN "$(pam_auth keyonly $CAROL "$ckey")"
	useradd -u $((olduid + 1000)) -M $CAROL
	expect_eq "account re-created with another uid does not inherit the key" PAM_AUTH_ERR "$(pam_auth keyonly $CAROL "$ckey")"
	settle
	expect_eq "the reason recorded is the uid change" "account uid changed since the key was created" "$(key_json $CAROL/carol | jq -r .last_denied_reason)"
}

test_tracking() {
	key=$(newkey $ALICE --name track --allow 127.0.0.0/8)
	pam_auth keyonly $ALICE "$key" --rhost 127.0.0.2 >/dev/null
	pam_auth keyonly $ALICE "$key" --rhost 127.0.0.3 >/dev/null
	settle
	j=$(key_json $ALICE/track)
	expect_eq "use count counts successful logins" 2 "$(jq .use_count <<<"$j")"
	expect_eq "last used IP is recorded" 127.0.0.3 "$(jq -r .last_used_ip <<<"$j")"
	check "last used time is recorded" test "$(jq -r .last_used_at <<<"$j")" != null
	expect_contains "list shows LAST LOGIN and LAST IP" "127.0.0.3" "$($CTL list $ALICE | grep ' track ')"
	pam_auth keyonly $ALICE "$key" --rhost 192.0.2.8 >/dev/null
	settle
	j=$(key_json $ALICE/track)
	expect_eq "last denial is recorded with IP and reason" "192.0.2.8 address not in allow list" "$(jq -r '"\(.last_denied_ip) \(.last_denied_reason)"' <<<"$j")"
	expect_eq "a denial does not count as a use" 2 "$(jq .use_count <<<"$j")"
	wrong=$(wrong_secret "$key")
	pam_auth keyonly $ALICE "$wrong" --rhost 127.0.0.4 >/dev/null
	settle
	expect_eq "a wrong secret records nothing for the key" 192.0.2.8 "$(key_json $ALICE/track | jq -r .last_denied_ip)"
	# a writer holds the store: the login must still succeed
	(echo "BEGIN IMMEDIATE; UPDATE keys SET description = 'locked';"; sleep 3; echo "COMMIT;") | dbq &
	locker=$!
	sleep 0.5
	expect_eq "a locked store does not fail a login" PAM_SUCCESS "$(pam_auth keyonly $ALICE "$key" --rhost 127.0.0.2)"
	wait $locker
	settle
	expect_eq "the use made while the store was locked is recorded once it is free" 3 "$(key_json $ALICE/track | jq .use_count)"
}

test_account_management() {
	key=$(newkey $ALICE --name acct)
	out=$(printf '%s\n' "$key" | "$BIN/pam-test" "$WORK/pam.d" keyonly $ALICE --acct)
	expect_contains "account check passes for a live key" "acct=PAM_SUCCESS" "$out"
	out=$(printf '%s\n' "$key" | "$BIN/pam-test" "$WORK/pam.d" keyonly $ALICE --acct --between "$CTL delete $ALICE/acct --yes >/dev/null")
	expect_contains "account check refuses a key deleted after authentication" "acct=PAM_PERM_DENIED" "$out"
	out=$(printf '%s\n' alice-unix-pw | "$BIN/pam-test" "$WORK/pam.d" keyorpass $ALICE --acct)
	expect_contains "account check ignores logins it did not authenticate" "acct=PAM_SUCCESS" "$out"
}

test_login_features() {
	key=$(newkey $ALICE --name "soon due" --expires +3d)
	out=$(printf '%s\n' "$key" | "$BIN/pam-test" "$WORK/pam.d" keyonly $ALICE)
	expect_contains "a key expiring within warn_days is announced" "message=API key 'soon due' expires in 3 days" "$out"
	expect_contains "the session learns the key id" "env=PAM_APIKEY_ID=${key:5:12}" "$out"
	expect_contains "the session learns the key name" "env=PAM_APIKEY_NAME=soon due" "$out"
	service warn2 "auth required $MOD warn_days=2"
	expect_lacks "no warning beyond warn_days" "message=" "$(printf '%s\n' "$key" | "$BIN/pam-test" "$WORK/pam.d" warn2 $ALICE)"
	service warn0 "auth required $MOD warn_days=0 bogus_option"
	expect_lacks "warn_days=0 turns the warning off" "message=" "$(printf '%s\n' "$key" | "$BIN/pam-test" "$WORK/pam.d" warn0 $ALICE)"
	expect_contains "an unknown option is logged" "unknown or malformed option: bogus_option" "$(syslog_text)"
	far=$(newkey $ALICE --name "far off" --expires +30d)
	expect_lacks "a key far from expiry is not announced" "message=" "$(printf '%s\n' "$far" | "$BIN/pam-test" "$WORK/pam.d" keyonly $ALICE)"
}

test_first_pass_options() {
	key=$(newkey $ALICE --name firstpass)
	service usefirst "auth optional pam_unix.so nodelay" "auth required $MOD use_first_pass"
	out=$(printf '%s\n' "$key" | "$BIN/pam-test" "$WORK/pam.d" usefirst $ALICE)
	expect_contains "use_first_pass takes the password read by the module before" "auth=PAM_SUCCESS" "$out"
	expect_eq "use_first_pass does not prompt again" 1 "$(grep -c '^prompt=' <<<"$out")"
	service usefirst-none "auth required $MOD use_first_pass"
	out=$(printf '%s\n' "$key" | "$BIN/pam-test" "$WORK/pam.d" usefirst-none $ALICE)
	expect_eq "use_first_pass without an earlier password fails without prompting" "0 PAM_AUTH_ERR" \
		"$(grep -c '^prompt=' <<<"$out") $(sed -n 's/^auth=//p' <<<"$out")"
	service tryfirst "auth optional pam_unix.so nodelay" "auth required $MOD try_first_pass"
	out=$(printf '%s\n' "$key" | "$BIN/pam-test" "$WORK/pam.d" tryfirst $ALICE)
	expect_eq "try_first_pass uses the earlier password without a second prompt" "1 PAM_SUCCESS" \
		"$(grep -c '^prompt=' <<<"$out") $(sed -n 's/^auth=//p' <<<"$out")"
	service plain "auth required $MOD"
	out=$(printf '%s\n' "$key" | "$BIN/pam-test" "$WORK/pam.d" plain $ALICE)
	expect_eq "without options the module prompts once itself" "1 PAM_SUCCESS" \
		"$(grep -c '^prompt=' <<<"$out") $(sed -n 's/^auth=//p' <<<"$out")"
}

test_logging() {
	: >"$SYSLOG"
	key=$(newkey $ALICE --name "logged key" --allow 127.0.0.0/8)
	pam_auth keyonly $ALICE "$key" --rhost 127.0.0.6 >/dev/null
	pam_auth keyonly $ALICE "$key" --rhost 192.0.2.66 >/dev/null
	log=$(syslog_text)
	expect_contains "success is logged with user, key id, name and rhost, quoted" \
		"pam_apikey(keyonly:auth): accepted key for user=\"$ALICE\" key_id=${key:5:12} key_name=\"logged\\x20key\" rhost=\"127.0.0.6\"" "$log"
	expect_contains "refusal is logged with its reason" 'rhost="192.0.2.66" reason="address\x20not\x20in\x20allow\x20list"' "$log"
	expect_contains "log lines go to authpriv" "<8" "$(grep -m1 pam_apikey <<<"$log" | cut -c1-2)"
	expect_lacks "the key never appears in the log" "$key" "$log"
	expect_lacks "the secret never appears in the log" "${key:18:32}" "$log"
	expect_lacks "a non-key password is not logged" "alice-unix-pw" "$log$(pam_auth keyorpass $ALICE alice-unix-pw >/dev/null; syslog_text)"
}

# A remote client chooses the user name: it must not plant fields or
# terminal controls in what administrators and their parsers read.
test_log_injection() {
	key=$(newkey $ALICE --name 'say "hi" = ok')
	: >"$SYSLOG"
	pam_auth keyonly 'bob rhost=198.51.100.7 reason=accepted' "$key" --rhost 192.0.2.9 >/dev/null
	line=$(syslog_text | grep 'pam_apikey(keyonly:auth)' | tail -1)
	expect_contains "a user name with planted fields is logged as one quoted token" \
		'user="bob\x20rhost\x3d198.51.100.7\x20reason\x3daccepted"' "$line"
	expect_eq "the only rhost= field in the line is the real one" 'rhost="192.0.2.9"' "$(grep -o 'rhost=[^ ]*' <<<"$line")"
	expect_eq "the only reason= field in the line is the module's" 'reason="unknown\x20user"' "$(grep -o 'reason=[^ ]*' <<<"$line")"
	: >"$SYSLOG"
	pam_auth keyonly $'evil\xc2\x9b31m\xff' "$key" >/dev/null
	log=$(syslog_text)
	expect_contains "C1 controls and invalid UTF-8 in a user name are escaped" 'user="evil\xc2\x9b31m\xff"' "$log"
	expect_lacks "no raw C1 byte reaches the log" $'\xc2\x9b' "$log"
	expect_lacks "no raw invalid byte reaches the log" $'\xff' "$log"
	: >"$SYSLOG"
	pam_auth keyonly $ALICE "$key" --rhost 192.0.2.10 >/dev/null
	expect_contains "a key name with quotes and '=' is logged escaped" 'key_name="say\x20\"hi\"\x20\x3d\x20ok"' "$(syslog_text)"
	# any program chooses its PAM service name, and libpam's prefix shows it
	evil='sshd:auth): accepted key for user="root" x'
	service "$evil" "auth required $MOD"
	: >"$SYSLOG"
	pam_auth "$evil" $ALICE "${key:0:30}" >/dev/null
	log=$(syslog_text)
	expect_contains "a service name that is not a plain name is logged quoted" \
		'pam_apikey(service="sshd:auth):\x20accepted\x20key\x20for\x20user\x3d\"root\"\x20x"): authentication failure' "$log"
	expect_lacks "... and plants no line of its own" 'pam_apikey(sshd:auth): accepted' "$log"
	: >"$SYSLOG"
	pam_auth keyonly $ALICE "${key:0:30}" >/dev/null
	expect_contains "a plain service name keeps libpam's usual prefix" 'pam_apikey(keyonly:auth): authentication failure' "$(syslog_text)"
}

test_system_errors() {
	key=$(newkey $ALICE --name syserr)
	# (the helper's failures with nodaemon: with apikeyd running, the
	# store's are the daemon's)
	failing() { # NAME SERVICE-OPTIONS [user-to-run-as]
		service sys "auth required $BIN/pam_apikey.so $2 nodelay" "auth required pam_permit.so"
		if [ -n "${3-}" ]; then got=$(user_auth "$3" sys $ALICE "$key"); else got=$(pam_auth sys $ALICE "$key"); fi
		expect_eq "$1: AUTHINFO_UNAVAIL, never success" PAM_AUTHINFO_UNAVAIL "$got"
	}
	failing "helper missing" "helper=$WORK/no-such-helper nodaemon"
	printf '#!/bin/sh\nkill -9 $$\n' >"$BIN/crash-helper"
	chmod 0755 "$BIN/crash-helper"
	failing "helper killed by a signal" "helper=$BIN/crash-helper nodaemon"
	printf '#!/bin/sh\necho $$ >%s/hang.pid\nexec sleep 30\n' "$WORK" >"$BIN/hang-helper"
	chmod 0755 "$BIN/hang-helper"
	start=$(date +%s)
	failing "helper hanging past the timeout" "helper=$BIN/hang-helper timeout=1 nodaemon"
	check "a hanging helper is killed after the timeout" test $(($(date +%s) - start)) -lt 5
	check "the hanging helper was killed, not left behind" test -s "$WORK/hang.pid" -a ! -e "/proc/$(cat "$WORK/hang.pid")"
	printf '#!/bin/sh\nexit 77\n' >"$BIN/odd-helper"
	chmod 0755 "$BIN/odd-helper"
	failing "helper with an unknown exit status" "helper=$BIN/odd-helper nodaemon"
	install -m 0755 "$BUILD/apikey-helper" "$BIN/plain-helper"
	failing "helper not setuid (unprivileged caller)" "helper=$BIN/plain-helper nodaemon" $ALICE
	mv "$DB" "$WORK/moved.db"
	failing "store missing" "helper=$BIN/apikey-helper"
	mv "$WORK/moved.db" "$DB"
	chmod 0666 "$DB"
	failing "store world-writable" "helper=$BIN/apikey-helper"
	chmod 0600 "$DB"
	expect_eq "the store is fine again afterwards" PAM_SUCCESS "$(pam_auth keyonly $ALICE "$key")"
}

test_unprivileged_caller() {
	key=$(newkey $ALICE --name mine --allow 127.0.0.0/8)
	bkey=$(newkey $BOB --name bobs)
	expect_eq "unprivileged user verifies its own key" PAM_SUCCESS "$(user_auth $ALICE keyonly $ALICE "$key" --rhost 127.0.0.1)"
	expect_eq "unprivileged user: IP rules apply" PAM_AUTH_ERR "$(user_auth $ALICE keyonly $ALICE "$key" --rhost 192.0.2.1)"
	wrong=$(wrong_secret "$key")
	expect_eq "unprivileged user: wrong key refused" PAM_AUTH_ERR "$(user_auth $ALICE keyonly $ALICE "$wrong")"
	expect_eq "unprivileged user cannot verify another user's key" PAM_AUTH_ERR "$(user_auth $ALICE keyonly $BOB "$bkey")"
	expect_contains "the attempt is logged by the helper (or apikeyd)" "asked about another user's key" "$(syslog_text)"
	expect_contains "... and by the module, which was given no reason (helper or apikeyd alike)" \
		'reason="no\x20reason\x20given"' "$(syslog_text)"
	# a setuid-root program run by alice, as su is: its real uid is hers,
	# and it is judged so through apikeyd too (the module asks the helper)
	install -m 4755 -o root "$BIN/pam-test" "$BIN/suid-pam-test"
	suid_auth() { printf '%s\n' "$2" | as_user $ALICE "$BIN/suid-pam-test" "$WORK/pam.d" keyonly "$1" --rhost 127.0.0.1 | sed -n 's/^auth=//p'; }
	expect_eq "a setuid program run by alice verifies her own key" PAM_SUCCESS "$(suid_auth $ALICE "$key")"
	expect_eq "a setuid program run by alice cannot verify bob's key" PAM_AUTH_ERR "$(suid_auth $BOB "$bkey")"
	# a store of alice's own making, offered through db=
	mkdir -m 0700 "$WORK/alt"
	"$CTL" --db "$WORK/alt/keys.db" create $ALICE --name alt --quiet >"$WORK/alt.key" 2>/dev/null
	service altdb "auth required $BIN/pam_apikey.so helper=$BIN/apikey-helper db=$WORK/alt/keys.db nodelay"
	expect_eq "root may point the helper at another store" PAM_SUCCESS "$(pam_auth altdb $ALICE "$(cat "$WORK/alt.key")")"
	expect_eq "unprivileged user cannot point the helper at another store" PAM_AUTH_ERR "$(user_auth $ALICE altdb $ALICE "$(cat "$WORK/alt.key")")"
	run_cmd as_user $ALICE "$CTL" list
	expect_eq "unprivileged user cannot manage keys" 1 "$RC"
}

# helper_answer AS-USER OP USER RHOST KEY: "STATUS REASON|NAME|EXPIRES|"
helper_answer() {
	request "$2" "$3" "$4" "$5" >"$WORK/answer.req"
	if [ "$1" = root ]; then
		"$BIN/apikey-helper" <"$WORK/answer.req" >"$WORK/answer.out" 2>/dev/null
	else
		as_user "$1" "$BIN/apikey-helper" <"$WORK/answer.req" >"$WORK/answer.out" 2>/dev/null
	fi
	echo "$? $(tr '\0' '|' <"$WORK/answer.out")"
}

# An unprivileged caller holding another account's key learns nothing of
# it, and leaves no trace on it.
test_foreign_key_is_a_wrong_key() {
	bkey=$(newkey $BOB --name "bob's deploy key" --expires +20d)
	wrong=$(wrong_secret "$bkey")
	as_wrong=$(helper_answer $ALICE A $ALICE 192.0.2.1 "$wrong")
	expect_eq "a wrong key asked about by alice for her own account" "10 wrong or unknown key|||" "$as_wrong"
	expect_eq "bob's key, presented by alice for her own account, is answered as a wrong key" "$as_wrong" \
		"$(helper_answer $ALICE A $ALICE 192.0.2.1 "$bkey")"
	expect_eq "... through a real PAM stack too" PAM_AUTH_ERR "$(user_auth $ALICE keyonly $ALICE "$bkey" --rhost 192.0.2.1)"
	settle
	expect_eq "nothing is recorded on bob's key" "null null" "$(key_json $BOB/"bob's deploy key" | jq -r '"\(.last_denied_at) \(.last_denied_ip)"')"
	# root (sshd) still learns which key it was, and the admin sees it
	expect_eq "root asking the same is told whose key it is (the check above can fail)" \
		"10 key belongs to another user|bob's deploy key|" "$(helper_answer root A $ALICE 192.0.2.1 "$bkey" | cut -d'|' -f1-2)|"
	settle
	expect_eq "and for root the denial is recorded on bob's key" 192.0.2.1 "$(key_json $BOB/"bob's deploy key" | jq -r .last_denied_ip)"
}

# One decision reads the key and its rules in one snapshot: a delete that
# commits between the two reads must not turn the key into one without
# rules (allowed from anywhere).
test_one_snapshot_per_decision() {
	key=$(newkey $ALICE --name snap --allow 192.0.2.0/24)
	install -m 0755 "$BUILD/apikey-helper" "$BIN/root-helper"
	request A $ALICE 198.51.100.1 "$key" >"$WORK/snap.req"
	mkdir -p "$WORK/pause"
	# a sanitized helper needs its runtime first in the preload list
	preload=$BUILD/libfault.so
	[ -n "${APIKEY_SANITIZED-}" ] && preload="$(gcc -print-file-name=libasan.so) $preload"
	FAULT_PAUSE_SQL="FROM ip_rules" FAULT_PAUSE_DIR=$WORK/pause LD_PRELOAD=$preload \
		"$BIN/root-helper" <"$WORK/snap.req" >/dev/null 2>&1 &
	hpid=$!
	for _ in $(seq 250); do [ -e "$WORK/pause/paused" ] && break; sleep 0.02; done
	check "the helper paused between reading the key and reading its rules" test -e "$WORK/pause/paused"
	$CTL delete $ALICE/snap --yes >/dev/null
	check "the delete committed while the helper was paused" test -z "$($CTL list $ALICE --json | jq -r '.[] | select(.name == "snap") | .id')"
	touch "$WORK/pause/go"
	wait "$hpid"
	expect_eq "a key deleted between two reads of one decision is judged on one snapshot: refused from the refused address" 10 "$?"
	rm -rf "$WORK/pause"
	# and by stress: three login loops from a refused address and a delete
	accepted=0 logins=0
	for r in $(seq "${SNAPSHOT_ROUNDS:-80}"); do
		key=$(newkey $ALICE --name "race$r" --allow 192.0.2.0/24)
		pids=""
		for l in 1 2 3; do
			(for _ in 1 2 3 4 5; do pam_auth keyonly $ALICE "$key" --rhost 198.51.100.1; done >"$WORK/race$l") &
			pids="$pids $!"
		done
		sleep "0.0$((RANDOM % 3))"
		$CTL delete "$ALICE/race$r" --yes >/dev/null
		# shellcheck disable=SC2086
		wait $pids
		accepted=$((accepted + $(cat "$WORK"/race[123] | grep -c PAM_SUCCESS)))
		logins=$((logins + $(cat "$WORK"/race[123] | wc -l)))
	done
	echo "# $logins logins from a refused address raced $r deletes"
	expect_eq "logins from a refused address racing a delete: none accepted" 0 "$accepted"
	check "the race loops really logged in" test "$logins" -gt $((r * 10))
}

test_helper_abuse() {
	key=$(newkey $ALICE --name abuse)
	ud=/home/$ALICE/scratch
	as_user $ALICE mkdir "$ud"
	request A $ALICE 127.0.0.1 "$key" >"$WORK/req"
	chmod 0644 "$WORK/req"
	(cd "$ud" && as_user $ALICE "$BIN/testtool" noargv "$BIN/apikey-helper" "GCONV_PATH=$ud" <"$WORK/req" >/dev/null 2>&1)
	expect_eq "helper refuses argc == 0" 13 "$?"
	(cd "$ud" && as_user $ALICE env SQLITE_TMPDIR="$ud" TMPDIR="$ud" HOME="$ud" "$BIN/apikey-helper" <"$WORK/req" >/dev/null 2>&1)
	expect_eq "helper works with a hostile environment" 0 "$?"
	expect_eq "nothing appears in the caller's directories" "" "$(ls -A "$ud")"
	as_user $ALICE "$BIN/apikey-helper" <"$WORK/req" >&- 2>&-
	expect_eq "helper with stdout and stderr closed still decides" 0 "$?"
	expect_eq "and the store is intact" ok "$(dbq 'PRAGMA integrity_check')"
	as_user $ALICE "$BIN/apikey-helper" <&- >/dev/null 2>&1
	expect_eq "helper with stdin closed refuses" 13 "$?"
	head -c 1048576 /dev/zero | tr '\0' 'k' | as_user $ALICE "$BIN/apikey-helper" >/dev/null 2>&1
	expect_eq "helper refuses a 1 MiB request" 13 "$?"
	raw_request A $ALICE 127.0.0.1 test "" "$(head -c 1048576 /dev/zero | tr '\0' 'k')" |
		as_user $ALICE "$BIN/apikey-helper" >/dev/null 2>&1
	expect_eq "helper refuses a 1 MiB key" 13 "$?"
	{ raw_request A $ALICE 127.0.0.1 test "" "${key:0:20}"; printf '%s\0' "${key:20}"; } | as_user $ALICE "$BIN/apikey-helper" >/dev/null 2>&1
	expect_eq "helper refuses a key with a NUL inside" 13 "$?"
	as_user $ALICE "$BIN/apikey-helper" extra <"$WORK/req" >/dev/null 2>&1
	expect_eq "helper refuses unexpected arguments" 13 "$?"
	raw_request A $ALICE $'\xc2\x9b2J' test "" "$key" | as_user $ALICE "$BIN/apikey-helper" >/dev/null 2>&1
	expect_eq "helper refuses an rhost with terminal escapes" 13 "$?"
	bkey=$(newkey $BOB --name "bob secret project")
	out=$(request C $ALICE "" "${bkey:5:12}" | as_user $ALICE "$BIN/apikey-helper" | tr '\0' '|')
	expect_eq "account check of another user's key id tells nothing" "key no longer exists|||" "$out"
	expect_eq "... exactly as for an id that does not exist" "key no longer exists|||" \
		"$(request C $ALICE "" ZZZZZZZZZZZZ | as_user $ALICE "$BIN/apikey-helper" | tr '\0' '|')"
}

test_concurrent_logins() {
	for i in $(seq 8); do newkey $ALICE --name "c$i" --allow 127.0.0.0/8 >"$WORK/c$i.key"; done
	pids=""
	for i in $(seq 8); do
		(
			for n in $(seq 25); do
				t0=$(date +%s.%N)
				r=$(pam_auth keyonly $ALICE "$(cat "$WORK/c$i.key")" --rhost 127.0.0.1)
				echo "$i $t0 $r"
			done >"$WORK/c$i.log"
		) &
		pids="$pids $!"
	done
	sleep 0.3
	for i in 1 2 3 4 5 6; do $CTL edit $ALICE/c$i --description "edit $i" --allow "192.0.2.$i" >/dev/null; done
	$CTL delete $ALICE/c7 --yes >/dev/null
	deleted_at=$(date +%s.%N)
	$CTL edit $ALICE/c8 --name c8-renamed >/dev/null
	# shellcheck disable=SC2086
	wait $pids
	cat "$WORK"/c[1-8].log >"$WORK/all.log"
	bad_refusals=$(awk '$1 != 7 && $3 != "PAM_SUCCESS"' "$WORK/all.log")
	expect_eq "8 concurrent login loops: no good login refused" "" "$bad_refusals"
	if [ -n "$bad_refusals" ]; then
		grep -E 'apikey-helper|helper failed|failure' "$SYSLOG" | tail -20 | sed 's/^/#   log: /'
	fi
	late=$(awk -v d="$deleted_at" '$1 == 7 && $2 > d && $3 == "PAM_SUCCESS"' "$WORK/all.log")
	expect_eq "no login accepted for a key after its delete returned" "" "$late"
	check "the loops really ran (200 logins)" test "$(wc -l <"$WORK/all.log")" -eq 200
	check "some logins of the deleted key came after the delete" test -n "$(awk -v d="$deleted_at" '$1 == 7 && $2 > d' "$WORK/all.log")"
}

test_basic_accept_and_refuse
test_mistyped_key_not_handed_on
test_pamtester
test_ip_rules
test_expiry_boundary
test_service_scope
test_lifecycle
test_tracking
test_account_management
test_login_features
test_first_pass_options
test_logging
test_log_injection
test_system_errors
test_unprivileged_caller
test_foreign_key_is_a_wrong_key
test_one_snapshot_per_decision
test_helper_abuse
test_concurrent_logins
