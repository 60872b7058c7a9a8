#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The project is BSD-2-Clause: the LICENSE file says so, every source file
# carries the SPDX line in its first lines, and the packages' metadata
# names the same licence.
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1
TAG="SPDX-License-Identifier: BSD-2-Clause"

# source files: code, scripts, makefiles, SQL, man pages, packaging scripts
sources=$(git ls-files -co --exclude-standard 2>/dev/null |
	grep -E '\.(c|h|sh|py|sql|mk|map|spec|[18]|service|service\.in|socket|timer)$|(^|/)(Makefile|rules|run)$|\.(postinst|postrm|prerm)$' |
	grep -v -E '^(tests/fuzz/(corpus|regressions)|bench/results)/')
check "the licence check finds the sources (it works)" grep -qx 'core/verify.c' <<<"$sources"
missing=""
for f in $sources; do
	head -3 "$f" | grep -qF "$TAG" || missing="$missing $f"
done
expect_eq "every source file carries the SPDX line" "" "$missing"
check "LICENSE is the BSD 2-Clause text" grep -q '^BSD 2-Clause License$' LICENSE
expect_eq "debian/copyright (machine-readable) names BSD-2-Clause for every file" "BSD-2-Clause" \
	"$(awk '/^Files: \*/ {f = 1} f && /^License:/ {print $2; exit}' debian/copyright)"
expect_eq "the RPM spec's License tag" BSD-2-Clause "$(sed -n 's/^License:[[:space:]]*//p' rpm/pam_apikey.spec)"
check "the RPM ships LICENSE" grep -q '^%license LICENSE$' rpm/pam_apikey.spec
