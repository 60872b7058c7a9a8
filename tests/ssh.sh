#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# SSH and sftp logins with API keys through a real /usr/sbin/sshd on
# loopback, in a private mount namespace (tests/sandbox.sh), with clients
# bound to different loopback source addresses.
. "$(dirname "$0")/sandbox.sh"
sandbox_enter "$@"
sandbox_setup
sandbox_login_users
MOD="$BIN/pam_apikey.so helper=$BIN/apikey-helper"
sandbox_sshd "$KEY_OR_PASSWORD $MOD warn_days=7" \
	"auth required pam_unix.so try_first_pass" \
	"account required $MOD" \
	"account required pam_unix.so" \
	"session required pam_unix.so" || exit 1

KBD=(-o PreferredAuthentications=keyboard-interactive)
PW=(-o PreferredAuthentications=password)
newkey() { $CTL create $ALICE "$@" --quiet 2>/dev/null; }

test_login_methods() {
	key=$(newkey --name ssh1)
	run_cmd key_ssh "$key" "${KBD[@]}" -b 127.0.0.2 $ALICE@127.0.0.1 'echo hello-from-$USER'
	expect_eq "ssh login with a key (keyboard-interactive)" "hello-from-$ALICE" "$OUT"
	run_cmd key_ssh "$key" "${PW[@]}" -b 127.0.0.3 $ALICE@127.0.0.1 'echo pw-method'
	expect_eq "ssh login with a key (password authentication)" "pw-method" "$OUT"
	settle
	j=$($CTL show $ALICE/ssh1 --json)
	expect_eq "last login IP is the source address used" 127.0.0.3 "$(jq -r .last_used_ip <<<"$j")"
	expect_contains "list shows the source address" "127.0.0.3" "$($CTL list $ALICE | grep ' ssh1 ')"
	check "last login time is now" test $(( $(date +%s) - $(date -d "$(jq -r .last_used_at <<<"$j")" +%s) )) -lt 60
	run_cmd key_ssh "$key" "${KBD[@]}" $ALICE@::1 'echo $PAM_APIKEY_NAME/$PAM_APIKEY_ID'
	expect_eq "the session sees PAM_APIKEY_NAME and PAM_APIKEY_ID (over ::1)" "ssh1/${key:5:12}" "$OUT"
}

test_sftp() {
	key=$(newkey --name sftp1)
	head -c 300000 /dev/urandom >"$WORK/upload.bin"
	chmod 0644 "$WORK/upload.bin"
	printf 'put %s up.bin\nget up.bin %s\n' "$WORK/upload.bin" "$WORK/download.bin" >"$WORK/batch"
	APIKEY=$key APIKEY_USER=$ALICE SSH_ASKPASS="$BIN/apikey-askpass" SSH_ASKPASS_REQUIRE=force \
		sftp "${SSH_OPTS[@]}" -P "$SSH_PORT" -o BindAddress=127.0.0.7 -b "$WORK/batch" \
		$ALICE@127.0.0.1 </dev/null >/dev/null 2>"$WORK/sftp.err"
	expect_eq "sftp put and get with a key" 0 "$?"
	check "sftp round trip is byte-identical" cmp -s "$WORK/upload.bin" "$WORK/download.bin"
	check "the uploaded file arrived" cmp -s "$WORK/upload.bin" "/home/$ALICE/up.bin"
	APIKEY=$key APIKEY_USER=$ALICE SSH_ASKPASS="$BIN/apikey-askpass" SSH_ASKPASS_REQUIRE=force \
		sftp "${SSH_OPTS[@]}" -P "$SSH_PORT" -b - "$ALICE@[::1]" <<<"ls" >/dev/null 2>&1
	expect_eq "sftp over IPv6 with a key" 0 "$?"
}

# login_ok KEY SOURCE [HOST]: 0 when the login worked
login_ok() {
	out=$(key_ssh "$1" "${KBD[@]}" -b "$2" $ALICE@"${3:-127.0.0.1}" 'echo in' 2>/dev/null)
	[ "$out" = in ]
}

test_ip_rules() {
	key=$(newkey --name fenced --allow 127.0.0.2 --allow ::1 --deny 127.0.0.0/8)
	check "allowed source address logs in" login_ok "$key" 127.0.0.2
	refute "source address only in the deny list is refused" login_ok "$key" 127.0.0.5
	check "IPv6 ::1 in the allow list logs in" login_ok "$key" ::1 ::1
	settle
	expect_eq "the refusal is recorded with the source address" "127.0.0.5 address not in allow list" \
		"$($CTL show $ALICE/fenced --json | jq -r '"\(.last_denied_ip) \(.last_denied_reason)"')"
	$CTL edit $ALICE/fenced --remove 127.0.0.2 --remove ::1 >/dev/null
	refute "deny list alone refuses the address" login_ok "$key" 127.0.0.2
	$CTL edit $ALICE/fenced --allow 127.0.0.0/8 >/dev/null
	check "allow wins over deny for the same address" login_ok "$key" 127.0.0.9
	refute "with an allow list, ::1 (not in it) is refused" login_ok "$key" ::1 ::1
}

test_key_or_password() {
	key=$(newkey --name either)
	run_cmd sshpass -p alice-unix-pw ssh "${SSH_OPTS[@]}" "${PW[@]}" -p "$SSH_PORT" $ALICE@127.0.0.1 'echo unix'
	expect_eq "the account's password still works" unix "$OUT"
	check "a key works in the same stack" login_ok "$key" 127.0.0.1
	wrong=$(wrong_secret "$key")
	refute "a wrong key is refused" login_ok "$wrong" 127.0.0.1
}

test_revocation_and_expiry() {
	key=$(newkey --name doomed)
	check "key works before delete" login_ok "$key" 127.0.0.1
	$CTL delete $ALICE/doomed --yes >/dev/null
	refute "the next connection after delete is refused" login_ok "$key" 127.0.0.1
	key=$(newkey --name old)
	dbq "UPDATE keys SET expires_at = strftime('%s','now') - 1 WHERE name='old'"
	refute "an expired key is refused" login_ok "$key" 127.0.0.1
	soon=$(newkey --name "soon due" --expires +2d)
	for method in keyboard-interactive password; do
		# sshd shows PAM's messages with the login banner: an interactive session
		out=$(APIKEY=$soon APIKEY_USER=$ALICE SSH_ASKPASS="$BIN/apikey-askpass" SSH_ASKPASS_REQUIRE=force \
			ssh "${SSH_OPTS[@]}" -o PreferredAuthentications=$method -tt -p "$SSH_PORT" \
			$ALICE@127.0.0.1 <<<"exit" 2>&1)
		expect_contains "the client sees the warn_days message ($method)" "API key 'soon due' expires in 2 days" "$out"
	done
}

# askpass P... : runs apikey-askpass with the environment given before it
askpass() { run_cmd env "$@"; }

test_askpass() {
	key=$(newkey --name paked --save "$WORK/ci.pak")
	out=$(APIKEY_FILE=$WORK/ci.pak SSH_ASKPASS="$BIN/apikey-askpass" SSH_ASKPASS_REQUIRE=force \
		ssh "${SSH_OPTS[@]}" "${KBD[@]}" -p "$SSH_PORT" $ALICE@127.0.0.1 'echo pak' </dev/null 2>/dev/null)
	expect_eq "apikey-askpass logs in from a .pak file" pak "$out"
	A=(APIKEY="$key" APIKEY_USER=$ALICE "$BIN/apikey-askpass")
	askpass "${A[@]}" "$ALICE@127.0.0.1's password: "
	expect_eq "the key goes to a password prompt for its user" "0 $key" "$RC $OUT"
	askpass "${A[@]}" "($ALICE@127.0.0.1) Password: "
	expect_eq "the key goes to a keyboard-interactive prompt for its user" "0 $key" "$RC $OUT"
	askpass "${A[@]}" "$BOB@jump.example's password: "
	expect_eq "a jump host's prompt for another account gets nothing" "1 " "$RC $OUT"
	askpass "${A[@]}" "($BOB@127.0.0.1) Password: "
	expect_eq "a keyboard-interactive prompt for another account gets nothing" "1 " "$RC $OUT"
	askpass "${A[@]}"
	expect_eq "a call without a prompt gets nothing" "1 " "$RC $OUT"
	askpass "${A[@]}" "Password: "
	expect_eq "a prompt that names no user@host gets nothing" "1 " "$RC $OUT"
	askpass "${A[@]}" "Are you sure you want to continue connecting (yes/no)?"
	expect_eq "a yes/no question is never answered with the key" "1 " "$RC $OUT"
	askpass "${A[@]}" "($ALICE@127.0.0.1) Verification code: "
	expect_eq "a keyboard-interactive prompt for something else gets nothing" "1 " "$RC $OUT"
	askpass APIKEY="$key" "$BIN/apikey-askpass" "$ALICE@127.0.0.1's password: "
	expect_eq "\$APIKEY without \$APIKEY_USER answers nothing" "1 " "$RC $OUT"
	expect_contains "... and says to set APIKEY_USER" "APIKEY_USER" "$ERR"
	askpass APIKEY="$key" APIKEY_USER=$ALICE APIKEY_HOSTS='*.example.org, deploy-?' "$BIN/apikey-askpass" "$ALICE@127.0.0.1's password: "
	expect_eq "a host not in \$APIKEY_HOSTS gets nothing" "1 " "$RC $OUT"
	askpass APIKEY="$key" APIKEY_USER=$ALICE APIKEY_HOSTS='*.example.org, deploy-?' "$BIN/apikey-askpass" "$ALICE@Deploy-7's password: "
	expect_eq "a host matching a pattern in \$APIKEY_HOSTS (any case) gets the key" "0 $key" "$RC $OUT"
	askpass APIKEY="$key" APIKEY_USER=$ALICE APIKEY_HOSTS='*.example.org' "$BIN/apikey-askpass" "($ALICE@api.example.org) Password: "
	expect_eq "a glob pattern matches a host name" "0 $key" "$RC $OUT"
	askpass APIKEY="$key" APIKEY_USER=$ALICE "$BIN/apikey-askpass" "($BOB@h) Password:"$'\e[2J'
	expect_contains "a prompt's terminal escapes are not echoed raw" '\x1b[2J' "$ERR"
	long=$(head -c 150 /dev/zero | tr '\0' h)
	askpass APIKEY="$key" APIKEY_USER=$ALICE APIKEY_HOSTS='h*' "$BIN/apikey-askpass" "$ALICE@${long:0:128}'s password: "
	expect_eq "with a host list, a password prompt's host ssh may have cut (128 characters) gets nothing" "1 " "$RC $OUT"
	long=$(head -c 150 /dev/zero | tr '\0' h)
	askpass APIKEY="$key" APIKEY_USER=$ALICE APIKEY_HOSTS='h*' "$BIN/apikey-askpass" "$ALICE@${long:0:128}'s password: "
	expect_eq "with a host list, a password prompt's host ssh may have cut (128 characters) gets nothing" "1 " "$RC $OUT"
	hkey=$(newkey --name hosted --save "$WORK/hosted.pak" --save-hosts '127.0.0.*, ::1')
	expect_contains "--save-hosts writes the .pak's hosts: field" "hosts: 127.0.0.*, ::1" "$(cat "$WORK/hosted.pak")"
	askpass APIKEY_FILE="$WORK/hosted.pak" "$BIN/apikey-askpass" "$ALICE@127.0.0.9's password: "
	expect_eq "a .pak with hosts: answers a listed host" "0 $hkey" "$RC $OUT"
	askpass APIKEY_FILE="$WORK/hosted.pak" "$BIN/apikey-askpass" "$ALICE@10.0.0.1's password: "
	expect_eq "a .pak with hosts: refuses a host not listed" "1 " "$RC $OUT"
	askpass APIKEY_FILE="$WORK/hosted.pak" "$BIN/apikey-askpass" "$BOB@127.0.0.9's password: "
	expect_eq "a .pak answers only its user: field's prompts" "1 " "$RC $OUT"
	chmod 0640 "$WORK/ci.pak"
	askpass APIKEY_FILE="$WORK/ci.pak" "$BIN/apikey-askpass" "$ALICE@h's password: "
	expect_eq "a group-readable .pak is refused" 1 "$RC"
	expect_contains "the refusal says how to fix it" "chmod 600" "$ERR"
	chmod 0604 "$WORK/ci.pak"
	askpass APIKEY_FILE="$WORK/ci.pak" "$BIN/apikey-askpass" "$ALICE@h's password: "
	expect_eq "an other-readable .pak is refused" "1 " "$RC $OUT"
	askpass APIKEY=not-a-key APIKEY_USER=$ALICE "$BIN/apikey-askpass" "$ALICE@h's password: "
	expect_eq "a malformed \$APIKEY is refused" 1 "$RC"
}

# ProxyJump: the jump host asks first, for its own account.  The key must
# not go there (a jump host could be anyone's).
test_proxyjump() {
	key=$(newkey --name jumping)
	printf '%s\n' "StrictHostKeyChecking no" "UserKnownHostsFile /dev/null" "LogLevel ERROR" \
		"PubkeyAuthentication no" "PreferredAuthentications keyboard-interactive,password" \
		"NumberOfPasswordPrompts 1" "ConnectTimeout 10" "BatchMode no" >"$WORK/ssh_config"
	jump() {
		APIKEY=$key APIKEY_USER=$1 SSH_ASKPASS="$BIN/apikey-askpass" SSH_ASKPASS_REQUIRE=force \
			ssh -F "$WORK/ssh_config" -J "$BOB@127.0.0.1:$SSH_PORT" -p "$SSH_PORT" \
			$ALICE@127.0.0.1 'echo through' </dev/null 2>/dev/null
	}
	: >"$SYSLOG"
	expect_eq "with a jump host asking for another account, the login does not happen" "" "$(jump $ALICE)"
	expect_lacks "the key never reached the jump host" "key_id=${key:5:12}" "$(syslog_text)"
	# the same with APIKEY_USER naming the jump account: now it does get there
	jump $BOB >/dev/null
	expect_contains "(the check can fail: answered for $BOB, the key reaches the jump host)" \
		"user=\"$BOB\" key_id=${key:5:12}" "$(syslog_text)"
}

test_rotate() {
	old=$(newkey --name rotor)
	new=$($CTL rotate $ALICE/rotor --grace 3s --quiet)
	check "after rotate the new key works" login_ok "$new" 127.0.0.1
	check "the old key works during the grace period" login_ok "$old" 127.0.0.1
	sleep 3.5
	refute "the old key is refused after the grace period" login_ok "$old" 127.0.0.1
	check "the new key still works" login_ok "$new" 127.0.0.1
}

test_no_key_in_logs() {
	log=$(syslog_text; cat "$SSHD_DIR/log")
	expect_contains "sshd's PAM decisions are logged" "pam_apikey(sshd:auth): accepted key" "$log"
	expect_eq "no key string appears in syslog or sshd's log" "" "$(grep -o 'pak1_[0-9A-Za-z]\{12\}_[0-9A-Za-z]\{38\}' <<<"$log")"
}

test_login_methods
test_sftp
test_ip_rules
test_key_or_password
test_revocation_and_expiry
test_askpass
test_proxyjump
test_rotate
test_no_key_in_logs
