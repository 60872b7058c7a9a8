#!/bin/sh
# The Debian packages only the benchmark needs (the build and test packages
# come from tests/install-deps.sh): the modules it compares against, the
# tool that makes pam_userdb's database, gnuplot for the plot, valgrind for
# the instruction counts, python3 for the report.
set -eu
PACKAGES="libpam-pwdfile libpam-modules db5.3-util gnuplot-nox valgrind
python3 util-linux passwd"
missing=""
for p in $PACKAGES; do
	case $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true) in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "bench: missing Debian packages:$missing (run as root)" >&2
	exit 1
fi
echo "bench: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
