#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The Debian packages only the benchmark needs, on top of the build and test
# ones: the modules it compares against, the tool that makes pam_userdb's
# database, python3 for the report, PostgreSQL 15 and sqlite3 for the fleet
# part (bench/fleet.sh).
set -eu
exec sh "$(dirname "$0")/../tests/install-deps.sh" libpam-pwdfile \
	libpam-modules db5.3-util python3 util-linux passwd openssl procps \
	postgresql-15 postgresql-client-15 sqlite3
