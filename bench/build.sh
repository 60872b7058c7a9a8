#!/bin/sh
# Builds the bench's own programs into build/bench/ from the project's
# objects (make all must have run).  Run from the repository root.
# BENCH_BUILD: another build directory (default: build/bench).
set -eu
B=${BENCH_BUILD:-build}
OUT=$B/bench
mkdir -p "$OUT"
CFLAGS="-std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Ihelper -Ipam_apikey"
HARDEN="-fstack-protector-strong -fcf-protection -D_FORTIFY_SOURCE=2"
LINK="-Wl,-z,relro,-z,now -Wl,--as-needed"
CORE_OBJ="$B/helper/keyfmt.o $B/helper/request.o $B/helper/cidr.o $B/helper/when.o
$B/helper/safefile.o $B/helper/secret.o $B/helper/store.o $B/helper/policy.o
$B/helper/verify.o $B/helper/text.o $B/helper/json.o $B/helper/rules.o
$B/helper/pak.o $B/schema.o"
LIBS="$(pkg-config --libs libsodium sqlite3) -lcidr -lz"

# the floor's helper: the same link options as apikey-helper, libc only
cc $CFLAGS $HARDEN -fPIE -pie $LINK bench/noop.c -o "$OUT/noop"
# the floor module: pam_apikey's own spawn code, unchanged
cc $CFLAGS $HARDEN -fPIC -shared $LINK bench/pam_floor.c \
	$B/pic/pam_apikey/spawn.o $B/pic/helper/request.o $B/pic/helper/keyfmt.o \
	-lpam -lz -o "$OUT/pam_floor.so"
cc $CFLAGS $HARDEN -fPIE -pie $LINK bench/authbench.c -lpam -o "$OUT/authbench"
# shellcheck disable=SC2086
cc $CFLAGS $HARDEN $(pkg-config --cflags libsodium sqlite3) -fPIE -pie $LINK \
	bench/genkeys.c $CORE_OBJ $LIBS -o "$OUT/genkeys"
cc $CFLAGS $HARDEN -fPIE -pie $LINK bench/helperrun.c \
	$B/helper/request.o $B/helper/keyfmt.o -lz -o "$OUT/helperrun"
