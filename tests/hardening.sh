#!/bin/bash
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
forks=$(grep -n 'fork()' "$TOP"/helper/*.c | grep -v '^[^:]*track.c:' || true)
expect_eq "the helper forks only in track.c (after answering)" "" "$forks"
# the only dispositions the helper sets are the defaults: no handler runs
# in it, so none can do more than the kernel's default action
handlers=$(grep -hoE '(signal|sigaction)\([^;]*' "$TOP"/helper/*.c | grep -v -E 'SIG_DFL|SIG_IGN' || true)
expect_eq "no signal handler functions in the helper's code" "" "$handlers"
