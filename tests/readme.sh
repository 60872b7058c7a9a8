#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Every configuration snippet in README.md and the man pages works when
# pasted as is.  A snippet is marked so this test finds it: in Markdown a
# "<!-- snippet: KIND ARGS -->" line before the fenced block, in roff a
# '.\" snippet: KIND ARGS' line before .EX.  Kinds:
#   pam.d FILE above|below "LINE"   lines added to the distribution's FILE
#   pam.d FILE                      a whole service file of its own
#   sshd_config.d FILE              a drop-in of Debian's sshd_config
#   pak                             a .pak file (its key filled in)
#   nginx location                  a location block for an nginx server
#   apache location                 a <Location> block for Apache
#   policy.conf                     a site policy file
#   not-run REASON                  shown, not run here, and why
# The servers' snippets go into a server of their own (listen on loopback,
# a document root of the test's); their PAM service files are the README's.
# The product is installed into this namespace only (overlays on
# /usr/sbin, /usr/bin and the PAM module directory), so the snippets run
# exactly as pasted, against copies of this machine's own /etc/pam.d and
# sshd_config.  Every unmarked block that looks like PAM or sshd
# configuration fails the test; so does an apikeyctl synopsis that differs
# between README.md, apikeyctl(8) and --help.
. "$(dirname "$0")/sandbox.sh"
sandbox_enter "$@"
sandbox_setup
USER_NAME=pakt_snip
sandbox_user $USER_NAME
echo "$USER_NAME:snip-unix-pw" | chpasswd
sandbox_verifier_group www-data
SNIPS=$WORK/snippets
mkdir -p "$SNIPS"

# ---- extracting ---------------------------------------------------------

# snippets FILE: one file per snippet in $SNIPS: "spec", "source", "body"
extract() {
	awk -v dir="$SNIPS" -v src="$(basename "$1")" -v start="$(ls "$SNIPS" | wc -l)" '
	function begin(spec) { n++; d = dir "/" (start + n); system("mkdir -p " d)
		print spec > (d "/spec"); close(d "/spec")
		print src ":" NR > (d "/source"); close(d "/source"); inbody = 0; want = 1 }
	/^[ \t]*<!-- snippet: .* -->$/ { s = $0; sub(/^[ \t]*<!-- snippet: /, "", s); sub(/ -->$/, "", s); begin(s); next }
	/^\.\\" snippet: / { s = $0; sub(/^\.\\" snippet: /, "", s); begin(s); next }
	want && !inbody && (/^[ \t]*```/ || /^\.EX$/) { inbody = 1; indent = $0; sub(/[^ \t].*/, "", indent); next }
	want && inbody && (/^[ \t]*```$/ || /^\.EE$/) { want = 0; inbody = 0; close(d "/body"); next }
	want && inbody { line = $0; if (substr(line, 1, length(indent)) == indent) line = substr(line, length(indent) + 1); print line > (d "/body") }
	' "$1"
}
extract "$TOP/README.md"
for page in "$TOP"/pam_apikey/*.8 "$TOP"/ctl/*.8 "$TOP"/helper/*.8 "$TOP"/sync/*.8 "$TOP"/askpass/*.1; do
	extract "$page"
done
# roff bodies: \- is -, \e is a backslash, \(dq a double quote
for d in "$SNIPS"/*; do
	[ -f "$d/body" ] && sed -i -e 's/\\-/-/g' -e 's/\\(dq/"/g' -e 's/\\e/\\/g' "$d/body"
done
count=$(ls "$SNIPS" | wc -l)
check "the snippets are found (README.md and the man pages)" test "$count" -ge 8
for d in "$SNIPS"/*; do
	check "snippet at $(cat "$d/source") has a body" test -s "$d/body"
done

# every block that looks like PAM or sshd configuration is marked
unmarked() { # FILE: the blocks (```...``` or .EX/.EE) that look like it, unmarked
	awk -v src="$(basename "$1")" '
	/^[ \t]*<!-- snippet: / || /^\.\\" snippet: / { marked = 1; next }
	/^[ \t]*```/ || /^\.EX$/ || /^\.EE$/ {
		if (inblock) { if (!marked && looks) print src ":" first; inblock = 0; marked = 0; looks = 0 }
		else if (!/^\.EE$/) { inblock = 1; first = NR }
		next }
	inblock && /^[ \t]*(auth|account|session|password)[ \t]+.*pam_[a-z_]*\.so|^[ \t]*(UsePAM|KbdInteractiveAuthentication|UseDNS|PasswordAuthentication) |auth_pam|AuthPAMService/ { looks = 1 }
	!inblock && !/^[ \t]*$/ && !/^\.in / { marked = 0 }
	' "$1"
}
expect_eq "every PAM or sshd configuration block in README.md and the man pages is marked as a snippet" "" \
	"$(for f in "$TOP/README.md" "$TOP"/pam_apikey/*.8 "$TOP"/ctl/*.8 "$TOP"/helper/*.8 "$TOP"/sync/*.8 "$TOP"/askpass/*.1; do unmarked "$f"; done)"

# ---- the product, installed in this namespace only -----------------------

PAMDIR=$(readlink -f "$(pkg-config --variable=libdir pam)/security")
overlay() { # DIR FILE MODE: FILE appears in DIR (an overlay, this namespace only)
	name=$(echo "$1" | tr / _)
	mkdir -p "$WORK/ov/$name.up" "$WORK/ov/$name.wk"
	install -m "$3" -o root -g root "$2" "$WORK/ov/$name.up/$(basename "$2")"
	mountpoint -q "$1" && umount "$1" 2>/dev/null
	mount -t overlay overlay -o "lowerdir=$1,upperdir=$WORK/ov/$name.up,workdir=$WORK/ov/$name.wk" "$1"
}
overlay "$PAMDIR" "$BUILD/pam_apikey.so" 0644
overlay /usr/sbin "$BUILD/apikey-helper" 4755
overlay /usr/bin "$BUILD/apikey-askpass" 0755
cp "$BUILD/apikeyctl" "$WORK/ov/_usr_sbin.up/apikeyctl"
check "pam_apikey.so is where PAM finds modules" test -f "$PAMDIR/pam_apikey.so"
check "apikey-helper is at its compiled-in path, setuid root" test -u /usr/sbin/apikey-helper

key=$(apikeyctl create $USER_NAME --name snip --quiet 2>/dev/null)
wrong=$(wrong_secret "$key")
mkdir -m 0755 "$WORK/etc-pam.d"
cp -a /etc/pam.d/. "$WORK/etc-pam.d/"
mount --bind "$WORK/etc-pam.d" /etc/pam.d

# ---- running them ---------------------------------------------------------

# insert FILE above|below ANCHOR BODY-FILE
insert() {
	awk -v where="$2" -v anchor="$3" -v body="$4" '
	function put() { while ((getline l < body) > 0) print l; close(body); done = 1 }
	where == "above" && $0 == anchor && !done { put() }
	{ print }
	where == "below" && $0 == anchor && !done { put() }
	END { if (!done) exit 3 }' "$1" >"$1.new" && mv "$1.new" "$1"
}

# login SERVICE PASSWORD [pam-test options]: "auth=... acct=... prompts=N"
login() {
	out=$(printf '%s\n' "$2" | "$BIN/pam-test" /etc/pam.d "$1" $USER_NAME --rhost 127.0.0.2 --acct "${@:3}")
	echo "auth=$(sed -n 's/^auth=//p' <<<"$out") acct=$(sed -n 's/^acct=//p' <<<"$out") prompts=$(grep -c '^prompt=' <<<"$out")"
}

# a service file as the snippets of one source make it
pam_service() { # SOURCE FILE: builds /etc/pam.d/FILE.SOURCE-copy, prints its name
	svc="$2.snippet-$(echo "$1" | tr -c 'a-z0-9\n' _)"
	rm -f "/etc/pam.d/$svc"
	for d in "$SNIPS"/*; do
		src=$(cut -d: -f1 <"$d/source")
		[ "$src" = "$1" ] || continue
		read -r kind file where anchor <"$d/spec"
		[ "$kind" = pam.d ] && [ "$file" = "$2" ] || continue
		[ -e "/etc/pam.d/$svc" ] || { [ -n "${where-}" ] && cp "/etc/pam.d/$file" "/etc/pam.d/$svc" || : >"/etc/pam.d/$svc"; }
		if [ -n "${where-}" ]; then
			anchor=${anchor#\"}
			anchor=${anchor%\"}
			insert "/etc/pam.d/$svc" "$where" "$anchor" "$d/body" || echo "# anchor '$anchor' not found in $file" >&2
		else
			cat "$d/body" >"/etc/pam.d/$svc"
		fi
	done
	echo "$svc"
}

check_key_or_password() { # SOURCE SERVICE NAME
	svc=$2 name="$1 pam.d/$3"
	expect_eq "$name: a password login is prompted once and passes auth and account" \
		"auth=PAM_SUCCESS acct=PAM_SUCCESS prompts=1" "$(login "$svc" snip-unix-pw)"
	expect_eq "$name: a key login passes auth and account" \
		"auth=PAM_SUCCESS acct=PAM_SUCCESS prompts=1" "$(login "$svc" "$key")"
	expect_eq "$name: a wrong password fails" "PAM_AUTH_ERR" "$(login "$svc" not-the-pw | sed 's/^auth=\([A-Z_]*\).*/\1/')"
	expect_eq "$name: a wrong key fails" "PAM_AUTH_ERR" "$(login "$svc" "$wrong" | sed 's/^auth=\([A-Z_]*\).*/\1/')"
	expect_eq "$name: a mistyped key fails, with one prompt" "auth=PAM_AUTH_ERR acct= prompts=1" \
		"$(login "$svc" "${key:0:50}")"
	k2=$(apikeyctl create $USER_NAME --name "gone-$RANDOM" --quiet 2>/dev/null)
	expect_eq "$name: a key deleted between auth and account is refused at account" \
		"auth=PAM_SUCCESS acct=PAM_PERM_DENIED prompts=1" \
		"$(login "$svc" "$k2" --between "apikeyctl delete ${k2:5:12} --yes >/dev/null")"
}

check_keys_only() { # SOURCE SERVICE NAME
	expect_eq "$1 pam.d/$3: a key login passes auth and account" \
		"auth=PAM_SUCCESS acct=PAM_SUCCESS prompts=1" "$(login "$2" "$key")"
	# every module ignored it: libpam's answer is PAM_PERM_DENIED
	expect_eq "$1 pam.d/$3: the account's password is refused" "PAM_PERM_DENIED" \
		"$(login "$2" snip-unix-pw | sed 's/^auth=\([A-Z_]*\).*/\1/')"
}

run_pam_snippets() {
	for src in $(cut -d: -f1 "$SNIPS"/*/source | sort -u); do
		for file in $(for d in "$SNIPS"/*; do
			[ "$(cut -d: -f1 <"$d/source")" = "$src" ] && awk '$1 == "pam.d" {print $2}' "$d/spec"; done | sort -u); do
			svc=$(pam_service "$src" "$file")
			if grep -q -e '@include' -e 'pam_unix' "/etc/pam.d/$svc"; then
				check_key_or_password "$src" "$svc" "$file"
			else
				check_keys_only "$src" "$svc" "$file"
			fi
		done
	done
}

# The README's sshd: Debian's sshd_config as it is, this test's drop-in
# (port, address, host key) and the snippet's drop-in; Debian's
# /etc/pam.d/sshd with the README's lines.  sshd -t, then real logins.
run_sshd_snippet() { # SNIPPET-DIR
	d=$1 src=$(cut -d: -f1 <"$1/source")
	read -r _ file <"$d/spec"
	mkdir -p "$WORK/sshd_config.d" "$WORK/sshd"
	rm -f "$WORK/sshd_config.d"/*
	cp "$d/body" "$WORK/sshd_config.d/$file"
	mountpoint -q /etc/ssh/sshd_config.d || mount --bind "$WORK/sshd_config.d" /etc/ssh/sshd_config.d
	mountpoint -q /run || { mount -t tmpfs -o mode=0755 tmpfs /run && mkdir -m 0755 /run/sshd; }
	mountpoint -q /var/log || mount -t tmpfs -o mode=0755 tmpfs /var/log
	[ -f "$WORK/sshd/host" ] || ssh-keygen -q -t ed25519 -N '' -f "$WORK/sshd/host"
	SSH_PORT=$((20000 + RANDOM % 30000))
	printf '%s\n' "Port $SSH_PORT" "ListenAddress 127.0.0.1" "HostKey $WORK/sshd/host" \
		"PidFile $WORK/sshd/pid" "AllowUsers $USER_NAME" "PubkeyAuthentication no" \
		>"$WORK/sshd_config.d/00-test.conf"
	cp "/etc/pam.d/$(pam_service "$src" sshd)" /etc/pam.d/sshd
	run_cmd /usr/sbin/sshd -t -f /etc/ssh/sshd_config
	expect_eq "$src sshd_config.d/$file: sshd -t accepts Debian's sshd_config with it" "0 " "$RC $ERR"
	expect_eq "$src sshd_config.d/$file: it sets keyboard-interactive on over Debian's 'no'" "kbdinteractiveauthentication yes" \
		"$(/usr/sbin/sshd -T -f /etc/ssh/sshd_config -C user=$USER_NAME,host=h,addr=127.0.0.2 | grep -x 'kbdinteractiveauthentication .*')"
	/usr/sbin/sshd -D -e -f /etc/ssh/sshd_config 2>"$WORK/sshd/log" &
	SSHD_PID=$!
	for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$SSH_PORT") 2>/dev/null && break; sleep 0.02; done
	run_cmd key_ssh "$key" -o PreferredAuthentications=keyboard-interactive -b 127.0.0.2 $USER_NAME@127.0.0.1 'echo in-with-key'
	expect_eq "$src sshd_config.d/$file: a key logs in through sshd with these and the PAM lines" in-with-key "$OUT"
	run_cmd sshpass -p snip-unix-pw ssh "${SSH_OPTS[@]}" -p "$SSH_PORT" -o PreferredAuthentications=keyboard-interactive \
		$USER_NAME@127.0.0.1 'echo in-with-password'
	expect_eq "$src sshd_config.d/$file: the account's password still logs in" in-with-password "$OUT"
	kill "$SSHD_PID" 2>/dev/null
	wait "$SSHD_PID" 2>/dev/null
	SSHD_PID=""
}

run_pak_snippet() { # SNIPPET-DIR: the example with its user and key made real
	d=$1 src=$(cut -d: -f1 <"$1/source")
	sed -e "s/^user: .*/user: $USER_NAME/" -e "s/^key: .*/key: $key/" "$d/body" >"$WORK/example.pak"
	chmod 0600 "$WORK/example.pak"
	hosts=$(sed -n 's/^hosts: //p' "$d/body")
	first=${hosts%%,*}
	host=${first//\*/api}
	host=${host//\?/1}
	run_cmd env APIKEY_FILE="$WORK/example.pak" "$BIN/apikey-askpass" "($USER_NAME@$host) Password: "
	expect_eq "$src .pak example: read as shown, it answers its user at a listed host ($host)" "0 $key" "$RC $OUT"
	run_cmd env APIKEY_FILE="$WORK/example.pak" "$BIN/apikey-askpass" "($USER_NAME@elsewhere.invalid) Password: "
	expect_eq "$src .pak example: ... and no host it does not list" "1 " "$RC $OUT"
}

# web_setup: what the servers' snippets need: their PAM services as the
# README's nginx-api file, a key scoped to both, content under /api/
web_setup() {
	[ -n "${WEB_KEY-}" ] && return
	svc=$(pam_service README.md nginx-api)
	cp "/etc/pam.d/$svc" /etc/pam.d/nginx-api
	cp "/etc/pam.d/$svc" /etc/pam.d/apache-api
	WEB_KEY=$(apikeyctl create $USER_NAME --name web --service nginx-api --service apache-api --quiet 2>/dev/null)
	apikeyctl verifier add nginx-api apache-api >/dev/null # README: HTTP APIs, step 2
	mkdir -p "$WORK/www/api"
	echo "hello from the api" >"$WORK/www/api/index.html"
	chmod -R a+rX "$WORK/www"
}

# web_requests NAME PORT: the README's client call, and the refusals
web_requests() {
	url="http://127.0.0.1:$2/api/"
	expect_eq "$1: the README's client call with a key scoped to the service: 200" 200 \
		"$(printf 'user = "%s:%s"\n' $USER_NAME "$WEB_KEY" | curl -s -o /dev/null -w '%{http_code}' --max-time 20 -K - "$url")"
	expect_eq "$1: a wrong key: 401" 401 "$(http_code "$url" -u "$USER_NAME:$(wrong_secret "$WEB_KEY")")"
	expect_eq "$1: an unscoped key: 401" 401 "$(http_code "$url" -u "$USER_NAME:$key")"
	expect_eq "$1: no credentials: 401" 401 "$(http_code "$url")"
}

run_nginx_snippet() { # SNIPPET-DIR
	d=$1 src=$(cut -d: -f1 <"$1/source")
	web_setup
	port=$(free_port)
	{ echo "server {"; echo "  listen 127.0.0.1:$port;"; echo "  root $WORK/www;"; cat "$d/body"; echo "}"; } >"$WORK/nginx-server.conf"
	sandbox_nginx "$WORK/nginx" "$WORK/nginx-server.conf"
	run_cmd nginx -t -c "$WORK/nginx/nginx.conf"
	expect_eq "$src nginx location: nginx -t accepts it" 0 "$RC"
	wait_port "$port" "$NGINX_PID"
	web_requests "$src nginx location" "$port"
	sandbox_stop_servers
}

run_apache_snippet() { # SNIPPET-DIR
	d=$1 src=$(cut -d: -f1 <"$1/source")
	web_setup
	port=$(free_port)
	sandbox_apache "$WORK/apache" "$port" "$WORK/www" "$d/body"
	run_cmd apache2 -t -f "$WORK/apache/httpd.conf"
	expect_eq "$src apache location: apache2 -t accepts it" 0 "$RC"
	wait_port "$port" "$APACHE_PID"
	web_requests "$src apache location" "$port"
	sandbox_stop_servers
}

# a policy file as pasted: apikeyctl reads it (audit names it in its
# summary), and holds a key to it
run_policy_snippet() { # SNIPPET-DIR
	src=$(cat "$1/source")
	install -m 0644 "$1/body" /etc/pam_apikey/policy.conf
	run_cmd apikeyctl audit
	expect_contains "$src policy.conf: apikeyctl reads it as pasted" "(policy: /etc/pam_apikey/policy.conf)" "$OUT"
	run_cmd apikeyctl create $USER_NAME --name policy-snippet --never-expire
	expect_contains "$src policy.conf: and holds keys to it" "refused by the policy in /etc/pam_apikey/policy.conf" "$ERR"
	rm /etc/pam_apikey/policy.conf
}

run_pam_snippets
for d in "$SNIPS"/*; do
	read -r kind rest <"$d/spec"
	case $kind in
	pam.d) ;;
	sshd_config.d) run_sshd_snippet "$d" ;;
	pak) run_pak_snippet "$d" ;;
	nginx) run_nginx_snippet "$d" ;;
	apache) run_apache_snippet "$d" ;;
	policy.conf) run_policy_snippet "$d" ;;
	not-run) check "$(cat "$d/source") is marked not run, with a reason" test -n "$rest"
		echo "# not run: $(cat "$d/source"): $rest" ;;
	*) not_ok "$(cat "$d/source"): unknown snippet kind '$kind'" ;;
	esac
done

# ---- the apikeyctl synopsis is one text in three places -----------------

# synopsis: one line per command, continuation lines joined, spaces folded
fold_synopsis() { awk '/^apikeyctl [a-z]/ {if (l) print l; l = $0; next} /^ / {l = l " " $0} END {print l}' | tr -s ' ' | sed 's/ $//'; }
readme_synopsis=$(awk '/^<!-- synopsis: apikeyctl/ {on = 1; next} on && /^```$/ {if (in_) exit; in_ = 1; next} on && in_' "$TOP/README.md" | fold_synopsis)
help_synopsis=$("$BUILD/apikeyctl" --help | sed -n 's/^  //p' | fold_synopsis)
man_synopsis=$(sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' "$TOP/ctl/apikeyctl.8" | grep '^\.B ' |
	sed -e 's/^\.B //' -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/^"  *" */ /' | grep -v -- '^apikeyctl --help' | fold_synopsis)
check "the README has the synopsis (the comparison is not empty)" test "$(wc -l <<<"$readme_synopsis")" -ge 8
expect_eq "the README's apikeyctl synopsis is --help's" "$help_synopsis" "$readme_synopsis"
expect_eq "apikeyctl(8)'s synopsis is --help's" "$help_synopsis" "$man_synopsis"
