#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# `make demo` tells the whole story to a passing verdict, and every command
# it prints is exactly a command it ran.
. "$(dirname "$0")/lib.sh"
make_workdir
out=$(DEMO_TRANSCRIPT=$WORK/transcript bash "$TOP/tests/demo.sh" 2>&1)
rc=$?
expect_eq "the demo exits 0" 0 "$rc"
verdict=$(tail -1 <<<"$out")
check "the demo ends with a passing verdict" grep -Eq '^demo passed: ([0-9]+) of \1 steps' <<<"$verdict"
check "the demo has its eleven steps or more" test "$(grep -o 'passed: [0-9]*' <<<"$verdict" | cut -d' ' -f2)" -ge 11
expect_lacks "no demo step misbehaved" "✘" "$out"
expect_eq "every command shown is the text that ran, in order" "$(cat "$WORK/transcript")" \
	"$(sed -n 's/^  \$ //p' <<<"$out")"
check "the demo showed its commands (the comparison above is not empty)" test -s "$WORK/transcript"
expect_lacks "no command shown is a paraphrase ('...' or a note)" "..." "$(cat "$WORK/transcript")"
