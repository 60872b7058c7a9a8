#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Every fuzzer's seed corpus and saved crash inputs (tests/fuzz/) replay
# cleanly through the normal build: a crash once found stays fixed.
. "$(dirname "$0")/lib.sh"
for t in request key cidr when; do
	inputs=$(find "$TOP/tests/fuzz/corpus/$t" "$TOP/tests/fuzz/regressions/$t" -type f ! -name .keep | sort)
	# shellcheck disable=SC2086
	run_cmd "$BUILD/replay-$t" $inputs
	expect_eq "fuzz target '$t' replays its corpus and regressions" 0 "$RC"
	check "fuzz target '$t' has a seed corpus" test -n "$inputs"
done
