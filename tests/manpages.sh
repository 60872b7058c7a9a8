#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The man pages: each renders without warnings (`man --warnings`, as
# lintian runs it) and has a whatis line; and they document what the code
# accepts -- every apikeyctl command and flag, every module option, the
# helper's exit statuses, apikey-askpass's variables, the .pak fields --
# each list read from the sources, so code and pages cannot drift apart.
. "$(dirname "$0")/lib.sh"
make_workdir

MODULE_PAGE=$TOP/pam_apikey/pam_apikey.8
CTL_PAGE=$TOP/ctl/apikeyctl.8
HELPER_PAGE=$TOP/helper/apikey-helper.8
ASKPASS_PAGE=$TOP/askpass/apikey-askpass.1
DAEMON_PAGE=$TOP/daemon/apikeyd.8
SYNC_PAGE=$TOP/sync/apikey-sync.8

# roff source as plain words: \- -> -, font escapes and comments gone
plain() {
	grep -v '^\.\\"' "$1" | sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\(aq/'"'"'/g' -e 's/\\c$//'
}
# section PAGE NAME: the lines of one .SH section
section() {
	plain "$1" | awk -v s="$2" '/^\.SH /{on = (index($0, s) == 5 || index($0, "\"" s) == 5); next} on'
}
# tagged PAGE SECTION WORD: WORD starts a tag line (.B/.BI/.BR/.TP text)
tagged() {
	section "$1" "$2" | grep -Eq -- "^\.(B|BI|BR|IP)? ?(.*[ \"])?$3([^A-Za-z0-9_-]|\$)"
}

# --- rendering
for page in "$MODULE_PAGE" "$CTL_PAGE" "$HELPER_PAGE" "$DAEMON_PAGE" "$SYNC_PAGE" "$ASKPASS_PAGE"; do
	name=${page#"$TOP"/}
	run_cmd env LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page"
	expect_eq "$name renders without groff warnings" "0:" "$RC:$ERR"
	run_cmd env LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$page"
	expect_contains "$name renders to text with a NAME section" "NAME" "$OUT"
	base=$(basename "$page")
	check "$name has a whatis line for ${base%.*}" grep -Eq "^$page: \"${base%.*} - .+\"\$" <<<"$(lexgrog "$page" 2>&1)"
done

# --- apikeyctl: every command, from the command table in ctl.c
commands=$(sed -n 's/^ *{"\([a-z]*\)", ctl_[a-z]*,.*/\1/p' "$TOP/ctl/main.c")
expect_eq "the command table lists the 11 known commands (extractor works)" \
	"init create list show edit delete rotate prune audit verifier verify" "$(echo $commands)"
for c in $commands; do
	check "apikeyctl(8) SYNOPSIS shows '$c'" grep -Eq "^\.B apikeyctl $c( |\$)" <<<"$(section "$CTL_PAGE" SYNOPSIS)"
	check "apikeyctl(8) COMMANDS describes '$c'" tagged "$CTL_PAGE" COMMANDS "$c"
done
help_commands=$(sed -n 's/^  apikeyctl \([a-z]*\).*/\1/p' <<<"$("$BUILD/apikeyctl" --help 2>&1)")
expect_eq "apikeyctl --help lists the same commands" "$(echo $commands)" "$(echo $help_commands)"

# every long option in a getopt table (ctl*.c, ctl.h's shared ones)
flags=$(grep -ho '{"[a-z-]*", *\(required\|no\)_argument' "$TOP"/ctl/*.c "$TOP/ctl/ctl.h" |
	sed 's/{"\([a-z-]*\)".*/\1/' | sort -u)
check "the getopt tables have options (extractor works)" test "$(echo "$flags" | wc -l)" -ge 15
missing_flags() {
	for f in $flags; do tagged "$1" OPTIONS "--$f" || echo "--$f"; done
}
expect_eq "apikeyctl(8) OPTIONS documents every apikeyctl flag" "" "$(missing_flags "$CTL_PAGE")"
# and each command's SYNOPSIS shows the flags its usage (--help) shows
for c in $commands; do
	usage_flags=$("$BUILD/apikeyctl" "$c" --help 2>&1 | sed -n "/^  apikeyctl $c/,/^REF/p" |
		grep -o -- '--[a-z-]*' | sort -u)
	synopsis=$(section "$CTL_PAGE" SYNOPSIS | awk -v c="$c" '/^\.B apikeyctl /{on = ($3 == c)} on')
	missing=""
	for f in $usage_flags; do grep -q -- "$f" <<<"$synopsis" || missing="$missing $f"; done
	expect_eq "apikeyctl(8) SYNOPSIS of '$c' shows its flags" "" "$missing"
done
# the check is not vacuous: a page without --grace fails it
sed '/\\-\\-grace/d' "$CTL_PAGE" >"$WORK/drifted.8"
expect_eq "a page missing a flag is caught" "--grace" "$(missing_flags "$WORK/drifted.8")"

# --- exit status, files, the .pak format
for s in 0 1 2; do
	check "apikeyctl(8) EXIT STATUS gives $s" tagged "$CTL_PAGE" "EXIT STATUS" "$s"
done
for f in /var/lib/pam_apikey/keys.db /etc/pam_apikey/pepper; do
	check "apikeyctl(8) FILES names $f" grep -q "^\.I $f\$" <<<"$(section "$CTL_PAGE" FILES)"
done
pak_fields=$(sed -n '/^bool pak_write/,/^}/p' "$TOP/common/pak.c" | grep -o '"[^"]*"' | sed 's/\\n/\n/g' |
	grep -o '^["]*[a-z]*: ' | tr -d ' "' | sed 's/:$//')
expect_eq "pak.c writes the 7 known fields (extractor works)" "format id user name expires hosts key" "$(echo $pak_fields)"
for f in $pak_fields; do
	check "apikeyctl(8) THE .PAK FILE shows field '$f'" grep -q "^$f: " <<<"$(section "$CTL_PAGE" "THE .PAK FILE")"
done

# --- pam_apikey(8): every option parse_one() accepts
options=$(grep -o 'strcmp(arg, "[a-z_]*")\|option_value(arg, "[a-z_]*")' "$TOP/pam_apikey/options.c" |
	sed -e 's/strcmp(arg, "\(.*\)")/\1/' -e 's/option_value(arg, "\(.*\)")/\1=/')
expect_eq "options.c has the 10 known options (extractor works)" \
	"debug nodelay use_first_pass try_first_pass helper= db= daemon= nodaemon timeout= warn_days=" "$(echo $options)"
for o in $options; do
	check "pam_apikey(8) OPTIONS documents $o" tagged "$MODULE_PAGE" OPTIONS "$o"
	check "pam_apikey(8) SYNOPSIS shows $o" grep -q -- "$o" <<<"$(section "$MODULE_PAGE" SYNOPSIS)"
done
for code in PAM_SUCCESS PAM_IGNORE PAM_AUTH_ERR PAM_USER_UNKNOWN PAM_AUTHINFO_UNAVAIL PAM_PERM_DENIED; do
	check "pam_apikey(8) RETURN VALUES has $code" tagged "$MODULE_PAGE" "RETURN VALUES" "$code"
done
for s in EXAMPLES LOGS "MODULE TYPES PROVIDED"; do
	check "pam_apikey(8) has a $s section" grep -q "^\.SH \"\?$s" "$MODULE_PAGE"
done
check "pam_apikey(8) has a key-or-password stack" grep -q 'success=done ignore=ignore default=die' "$MODULE_PAGE"
check "pam_apikey(8) has an sshd example" grep -q '/etc/pam.d/sshd' <<<"$(plain "$MODULE_PAGE")"

# --- apikey-helper(8): every exit status of request.h
statuses=$(grep -o 'HELPER_[A-Z_]* = [0-9]*' "$TOP/common/protocol.h" | sed 's/.* = //')
expect_eq "request.h has the 5 helper statuses (extractor works)" "0 10 11 12 13" "$(echo $statuses)"
for s in $statuses; do
	check "apikey-helper(8) documents exit status $s" tagged "$HELPER_PAGE" DESCRIPTION "$s"
done
for s in "CALLER RULES" "WHY SETUID"; do
	check "apikey-helper(8) has a $s section" grep -q "^\.SH $s" "$HELPER_PAGE"
done

# --- apikeyd(8): every status byte (the helper's), its limits as compiled
for s in $statuses; do
	check "apikeyd(8) documents status byte $s" tagged "$DAEMON_PAGE" REQUESTS "$s"
done
for s in "CALLER RULES" LIMITS "STORE AND PEPPER" TRACKING SIGNALS "EXIT STATUS" SYSTEMD; do
	check "apikeyd(8) has a $s section" grep -q "^\.SH $s" "$DAEMON_PAGE"
done
limit() { grep -E "^#define $1[[:space:]]" "$TOP/daemon/$2" | awk '{print $3}'; }
expect_contains "apikeyd(8) states the connection cap the code has" "At most $(limit MAX_CONNS server.h) connections" "$(plain "$DAEMON_PAGE")"
expect_contains "apikeyd(8) states the per-uid cap the code has" "at most $(limit CONNS_PER_UID server.h) from one uid" "$(plain "$DAEMON_PAGE")"
expect_contains "apikeyd(8) states the request deadline the code has" "has $(($(limit REQUEST_DEADLINE_MS server.h) / 1000)) seconds" "$(plain "$DAEMON_PAGE")"
expect_contains "apikeyd(8) states the batch interval the code has" "gathered in $(limit QUEUE_FLUSH_MS queue.h) milliseconds" "$(plain "$DAEMON_PAGE")"

# --- apikey-sync(8): every option of its getopt table
sync_flags=$(grep -o '{"[a-z-]*", *\(required\|no\)_argument' "$TOP/sync/main.c" | sed 's/{"\([a-z-]*\)".*/\1/')
expect_eq "apikey-sync's getopt table has the 8 known options (extractor works)" \
	"central db pepper host-group max-stale once log-stderr help" "$(echo $sync_flags)"
for f in $sync_flags; do
	check "apikey-sync(8) OPTIONS documents --$f" tagged "$SYNC_PAGE" OPTIONS "--$f"
done
for s in CENTRAL.CONF MAX_STALE LOGGING "EXIT STATUS" SECURITY FILES; do
	check "apikey-sync(8) has a $s section" grep -q "^\.SH $s" "$SYNC_PAGE"
done

# --- apikey-askpass(1): every variable it reads
vars=$(grep -o 'getenv("[A-Z_]*")' "$TOP/askpass/askpass.c" | sed 's/getenv("\(.*\)")/\1/')
for v in $vars; do
	check "apikey-askpass(1) ENVIRONMENT documents $v" tagged "$ASKPASS_PAGE" ENVIRONMENT "$v"
done
