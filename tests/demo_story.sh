#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# `make demo` tells the whole story to a passing verdict.
. "$(dirname "$0")/lib.sh"
out=$(bash "$TOP/tests/demo.sh" 2>&1)
rc=$?
expect_eq "the demo exits 0" 0 "$rc"
expect_contains "the demo ends with a passing verdict" "demo passed: 11 of 11 steps" "$(tail -1 <<<"$out")"
expect_lacks "no demo step misbehaved" "✘" "$out"
