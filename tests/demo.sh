#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# make demo: the seed's story, told with the real module, helper and sshd in
# a private sandbox (tests/sandbox.sh: mount namespace, loopback only,
# nothing of the host's PAM, SSH or key store touched; a demo user that is
# removed at the end).  Prints each command and what it gave; ends with a
# one-line verdict and exits non-zero if any step misbehaved.
. "$(dirname "$0")/sandbox.sh"
sandbox_enter "$@"
sandbox_setup
USER_NAME=pakt_demo
sandbox_user $USER_NAME
MOD="$BIN/pam_apikey.so helper=$BIN/apikey-helper"
sandbox_sshd "$KEY_OR_PASSWORD $MOD" \
	"auth required pam_unix.so try_first_pass" \
	"account required $MOD" "account required pam_unix.so" \
	"session required pam_unix.so" >/dev/null || exit 1
export PATH="$BIN:$PATH"
STEPS=0 GOOD=0

if [ -t 1 ]; then B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' N=$'\e[0m'; else B="" G="" R="" N=""; fi
say() { printf '\n%s%s%s\n' "$B" "$*" "$N"; }
show() { printf '  $ %s\n' "$*"; }
indent() { sed 's/^/    /'; }
step() { # step DESCRIPTION RESULT(0=as expected)
	STEPS=$((STEPS + 1))
	if [ "$2" = 0 ]; then GOOD=$((GOOD + 1)); printf '  %s✔ %s%s\n' "$G" "$1" "$N"; else printf '  %s✘ %s%s\n' "$R" "$1" "$N"; fi
}
# ssh_as VAR SOURCE COMMAND: a login with the key in $VAR from SOURCE, as
# a CI job would do it
ssh_as() {
	show "APIKEY=\$$1 APIKEY_USER=$USER_NAME SSH_ASKPASS=apikey-askpass SSH_ASKPASS_REQUIRE=force ssh -b $2 $USER_NAME@127.0.0.1 '$3'"
	APIKEY=${!1} APIKEY_USER=$USER_NAME SSH_ASKPASS="$BIN/apikey-askpass" SSH_ASKPASS_REQUIRE=force \
		ssh "${SSH_OPTS[@]}" -o PreferredAuthentications=keyboard-interactive -p "$SSH_PORT" \
		-b "$2" $USER_NAME@127.0.0.1 "$3" </dev/null 2>&1 | indent
	return "${PIPESTATUS[0]}"
}

say "pam_apikey demo: a real sshd on 127.0.0.1:$SSH_PORT whose /etc/pam.d/sshd is:"
indent <"$WORK/etc-pam.d/sshd"

say "1. An administrator creates a key for $USER_NAME, usable only from 127.0.0.2"
show "apikeyctl create $USER_NAME --name ci-deploy --description 'nightly deploy' --allow 127.0.0.2 --expires +30d"
KEY=$(apikeyctl create $USER_NAME --name ci-deploy --description 'nightly deploy' --allow 127.0.0.2 --expires +30d 2>"$WORK/err")
echo "    $KEY"
indent <"$WORK/err"
[[ $KEY =~ ^pak1_ ]]
step "the key is shown once, on stdout" $?

say "2. A CI job logs in over SSH with it from an allowed address"
ssh_as KEY 127.0.0.2 'echo "logged in as $USER with key $PAM_APIKEY_NAME"'
step "SSH login from 127.0.0.2 succeeds" $?

say "3. ... and copies a file with sftp"
echo "release 1.2.3" >"$WORK/artifact.txt"
chmod 0644 "$WORK/artifact.txt"
show "sftp -o BindAddress=127.0.0.2 $USER_NAME@127.0.0.1 <<< 'put artifact.txt'"
printf 'put %s artifact.txt\n' "$WORK/artifact.txt" >"$WORK/batch"
APIKEY=$KEY APIKEY_USER=$USER_NAME SSH_ASKPASS="$BIN/apikey-askpass" SSH_ASKPASS_REQUIRE=force \
	sftp "${SSH_OPTS[@]}" -P "$SSH_PORT" -o BindAddress=127.0.0.2 -b "$WORK/batch" $USER_NAME@127.0.0.1 </dev/null 2>&1 | indent
cmp -s "$WORK/artifact.txt" "/home/$USER_NAME/artifact.txt"
step "the file arrived byte for byte" $?

say "4. The same key from another address is refused, and the admin sees why"
ssh_as KEY 127.0.0.3 'echo should not get here'
[ $? != 0 ]
step "SSH login from 127.0.0.3 is refused" $?
settle
show "apikeyctl verify $USER_NAME --rhost 127.0.0.3 <<< \"\$KEY\""
out=$(apikeyctl verify $USER_NAME --rhost 127.0.0.3 <<<"$KEY")
echo "$out" | indent
show "apikeyctl show $USER_NAME/ci-deploy"
apikeyctl show $USER_NAME/ci-deploy | indent
[[ $out == *"address not in allow list"* ]] && apikeyctl show $USER_NAME/ci-deploy | grep -q "Last denied:.*127.0.0.3: address not in allow list"
step "verify and show both name the allow list" $?

say "5. The key list shows the last login and where it came from"
settle
show "apikeyctl list"
apikeyctl list | indent
apikeyctl list | grep ci-deploy | grep -q 127.0.0.2
step "LAST IP is 127.0.0.2" $?

say "6. The admin adds 127.0.0.3 to the allow list; the key string stays the same"
show "apikeyctl edit $USER_NAME/ci-deploy --allow 127.0.0.3"
apikeyctl edit $USER_NAME/ci-deploy --allow 127.0.0.3 | indent
ssh_as KEY 127.0.0.3 'echo now allowed from 127.0.0.3'
step "the same key now logs in from 127.0.0.3" $?

say "7. The key is rotated: a new key, the old one kept for a short grace period"
show "apikeyctl rotate $USER_NAME/ci-deploy --grace 1h --quiet"
NEW=$(apikeyctl rotate $USER_NAME/ci-deploy --grace 1h --quiet)
echo "    $NEW"
ssh_as NEW 127.0.0.2 'echo the new key works'
step "the rotated key logs in" $?

say "8. The key is deleted: it stops working at once"
show "apikeyctl delete $USER_NAME/ci-deploy --yes"
apikeyctl delete $USER_NAME/ci-deploy --yes | indent
ssh_as NEW 127.0.0.2 'echo should not get here'
[ $? != 0 ]
step "the deleted key is refused on the next connection" $?

say "9. An expired key is refused"
OLD=$(apikeyctl create $USER_NAME --name expiring --expires +1h --quiet 2>/dev/null)
show "sqlite3 keys.db \"UPDATE keys SET expires_at = now - 1 ...\"   (an hour passes)"
dbq "UPDATE keys SET expires_at = strftime('%s','now') - 1 WHERE name = 'expiring'"
ssh_as OLD 127.0.0.2 'echo should not get here'
[ $? != 0 ]
step "the expired key is refused" $?
show "apikeyctl verify $USER_NAME <<< \"\$OLD\""
apikeyctl verify $USER_NAME <<<"$OLD" | indent

say "What the module logged (authpriv), keys never included:"
syslog_text | grep -o 'pam_apikey(sshd:auth): .*' | indent
! syslog_text | grep -q "$KEY\|$NEW\|$OLD"
step "no key string in the log" $?

echo
if [ "$GOOD" = "$STEPS" ]; then
	echo "${G}${B}demo passed: $GOOD of $STEPS steps behaved as expected${N}"
	exit 0
fi
echo "${R}${B}demo FAILED: $((STEPS - GOOD)) of $STEPS steps misbehaved${N}"
exit 1
