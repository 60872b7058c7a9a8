#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The built binaries carry the hardening the Makefile asks for, export and
# import only what they should.
. "$(dirname "$0")/lib.sh"

for f in apikey-helper apikeyctl apikey-askpass pam_apikey.so; do
	bin=$BUILD/$f
	dyn=$(readelf -d "$bin")
	expect_contains "$f: BIND_NOW" "BIND_NOW" "$(grep -E '\(FLAGS\)' <<<"$dyn")"
	check "$f: full RELRO (GNU_RELRO segment)" grep -q GNU_RELRO <<<"$(readelf -lW "$bin")"
	expect_lacks "$f: no RPATH or RUNPATH" "PATH)" "$dyn"
	check "$f: stack protector" grep -q __stack_chk_fail <<<"$(nm -D --undefined-only "$bin")"
	check "$f: non-executable stack" grep -Eq 'GNU_STACK.* RW ' <<<"$(readelf -lW "$bin")"
	if [ "$f" != pam_apikey.so ]; then
		expect_contains "$f: position-independent executable" "PIE" "$(grep FLAGS_1 <<<"$dyn")"
	fi
	check "$f: built with FORTIFY (uses _chk functions)" grep -Eq '__[a-z_]+_chk@' <<<"$(nm -D --undefined-only "$bin")"
done

exports=$(nm -D --defined-only "$BUILD/pam_apikey.so" | awk '$2 ~ /[TDBRW]/ {print $3}' | sort | tr '\n' ' ')
expect_eq "the module exports only pam_sm_*" "pam_sm_acct_mgmt pam_sm_authenticate pam_sm_setcred " "$exports"
libs=$(readelf -d "$BUILD/pam_apikey.so" | grep NEEDED)
expect_lacks "the module does not link sqlite" sqlite "$libs"
expect_lacks "the module does not link libsodium" sodium "$libs"

spawners=$(nm -D --undefined-only "$BUILD/apikey-helper" | awk '{print $2}' | sed 's/@.*//' |
	grep -E -x 'exec(l|lp|le|v|vp|vpe|ve|veat)|fexecve|system|popen|posix_spawnp?|vfork|clone')
expect_eq "the helper never execs or spawns a program" "" "$spawners"
# Which of the helper's objects import a function: the helper links
# helper/*.o and what it uses of the two archives.
importers() {
	nm -A -u "$BUILD"/helper/*.o "$BUILD/libcore.a" "$BUILD/libcommon.a" |
		awk -v f="$1" '$NF == f {sub(/:[^:]*$/, "", $1); n = split($1, p, "[/:]"); print p[n]}' |
		sort -u | tr '\n' ' ' | sed 's/ $//'
}
expect_eq "the import reader sees the store's SQLite calls (it works)" records.o "$(importers sqlite3_step | tr ' ' '\n' | grep -x records.o)"
expect_eq "only track.o forks (the tracking child, after the answer)" track.o "$(importers fork)"
# the only disposition the helper sets is SIGALRM's default (a caller may
# have left it ignored): no handler runs in it, so a signal can do no more
# than the kernel's default action
expect_eq "only helper.o sets a signal disposition (signal(SIGALRM, SIG_DFL))" helper.o "$(importers signal)"
expect_eq "no object of the helper installs a handler with sigaction" "" "$(importers sigaction)"
