#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Installs the Debian packages pam_apikey needs to build and test, when
# they are missing.  Needs root (apt-get); says what is missing otherwise.
# Extra package names given as arguments are checked too (bench/deps.sh).
set -eu

PACKAGES="build-essential pkg-config libpam0g-dev libsodium-dev libsqlite3-dev libsystemd-dev
libcidr-dev libunistring-dev zlib1g-dev sqlite3 jq util-linux pamtester openssh-server
openssh-client sshpass clang-format clang libclang-rt-14-dev valgrind
debhelper lintian rpm man-db nginx-light libnginx-mod-http-auth-pam apache2
libapache2-mod-authnz-pam curl systemd-container libpq-dev postgresql-15 postgresql-client-15"

missing=""
for p in $PACKAGES "$@"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case $status in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing Debian packages:$missing" >&2
	echo "install-deps: run 'make deps' as root, or install them" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
