#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Packaging, as root: `make install`/`uninstall` into a DESTDIR; the .deb
# (make deb: dpkg-buildpackage -us -uc -b on a copy of the tree) and
# lintian on it and on the source package; then the .deb installed into a
# throw-away root -- an overlay of / in a private mount namespace, chrooted
# into -- where the installed apikeyctl makes a key, a PAM stack logs in
# with the installed module and setuid helper, the package is upgraded,
# removed and purged; and the .rpm (make rpm) checked with rpm -qlp --dump.
# apikeyd: the binary, its man page and its systemd units in both packages,
# the socket enabled by the .deb, the units checked by systemd-analyze
# verify and their sandbox by systemd-analyze security (offline: no systemd
# runs here), and the installed daemon serving the installed module.  Last,
# the .debs in a throw-away root booted by systemd-nspawn: apikeyd started
# by its socket, sandboxed, serving logins, writing rows and logging.
# apikey-sync: the binary, its man page and its unit in both packages, the
# unit neither enabled nor started by the .deb, verified and rated as
# apikeyd's; booted, started only once central.conf is written, then in its
# sandbox logging that it cannot connect, and mirroring the keys of a
# private PostgreSQL in the booted root (by TCP and by its socket).
# Nothing on the host changes: no package, no account (pakpkg_*), no PAM.
. "$(dirname "$0")/lib.sh"

DEB_PKG=libpam-apikey
DEB_CLIENT=apikey-askpass
PAMDIR_DEB=/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)/security
TUSER=pakpkg_user
PAM_LOG=pam_apikey

# systemd-analyze security's exposure (0.0 best .. 10.0 worst) that
# apikeyd.service must not exceed: 2.0 is the top of its "OK" band (SAFE
# ends at 1.0).  The unit scores 0.7 (systemd 252): what remains is being
# root (0.4; the store and pepper are root's 0600 files), no PrivateUsers=
# (0.2; it would turn every caller's SO_PEERCRED uid into nobody), AF_UNIX
# (its socket, /dev/log), no RootDirectory= and ProtectClock's rtc read
# rule (0.1 each).  Tenths, as --threshold= takes them.
EXPOSURE_MAX=20
# ... and apikey-sync.service, also at most 2.0 (the "OK" band).  It scores
# 1.4 (systemd 252): the network it needs (no PrivateNetwork=, 0.5; no
# IPAddressDeny=, 0.2: the central store's address is the site's; AF_INET
# and AF_INET6, 0.3), root (0.4; the store, the pepper and central.conf are
# root's 0600 files), AF_UNIX (PostgreSQL's socket, /dev/log), no
# RootDirectory= and ProtectClock's rtc read rule (0.1 each).
SYNC_EXPOSURE_MAX=20

mode_of() { stat -c '%a %U %G' "$1" 2>&1; }

# overlay_root DIR ROOT: mounts at ROOT an overlay of / whose changes go to
# a tmpfs at DIR (a throw-away root); false when it cannot
overlay_root() {
	mkdir -p "$1" "$2"
	mount -t tmpfs -o mode=0755 tmpfs "$1" &&
		mkdir "$1/upper" "$1/work" &&
		mount -t overlay overlay \
			-o "lowerdir=/,upperdir=$1/upper,workdir=$1/work" "$2"
}

# ---------------------------------------------------------------------
# Part 2: runs inside the private mount namespace (see run_throwaway_root)
# ---------------------------------------------------------------------
if [ "${1-}" = --in-namespace ]; then
	WORK=$2
	DEBS=$3
	R=$WORK/root
	T=/tmp/t # inside the root: a tmpfs
	set -u

	in_root() {
		chroot "$R" /usr/bin/env -i \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive HOME=/root "$@"
	}
	# pam_test [--user] ARGS... (key on stdin): the installed stack
	pam_test() {
		if [ "$1" = --user ]; then
			shift
			in_root setpriv --reuid=$TUSER --regid=$TUSER --init-groups \
				$T/pam-test "$@"
		else
			in_root $T/pam-test "$@"
		fi
	}
	dpkg_installed() {
		st=$(in_root dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)
		[ "$st" = not-installed ] || echo "$st"
	}

	# the throw-away root: / as the lower layer, changes in a tmpfs
	if ! overlay_root "$WORK/ov" "$R" || [ ! -x "$R/usr/bin/dpkg" ]; then
		not_ok "an overlay of / mounts as the throw-away root"
		exit 1
	fi
	ok "an overlay of / mounts as the throw-away root"
	mount -t proc proc "$R/proc"
	mount --rbind /sys "$R/sys"
	mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"
	mount -t tmpfs -o mode=0755 tmpfs "$R/run"
	# a private /dev: the basic nodes, and our own /dev/log
	mount -t tmpfs -o mode=0755 tmpfs "$R/dev"
	for n in null zero full random urandom tty; do
		touch "$R/dev/$n"
		mount --bind "/dev/$n" "$R/dev/$n"
	done
	mkdir "$R/dev/pts" "$R/dev/shm"
	mount --rbind /dev/pts "$R/dev/pts"
	mount -t tmpfs -o mode=1777 tmpfs "$R/dev/shm"
	mkdir -m 0755 "$R$T" "$R$T/pam.d" "$R$T/stack.d"
	cp "$DEBS"/*.deb "$R$T/"
	PKG_DEB=$T/$(cd "$R$T" && ls ${DEB_PKG}_*_*.deb)
	CLIENT_DEB=$T/$(cd "$R$T" && ls ${DEB_CLIENT}_*_*.deb)
	install -m 0755 "$BUILD/pam-test" "$BUILD/log-listen" "$R$T/"
	in_root $T/log-listen /dev/log $T/syslog &
	LOG_PID=$!
	trap 'kill $LOG_PID 2>/dev/null' EXIT
	for _ in $(seq 50); do [ -S "$R/dev/log" ] && break; sleep 0.05; done

	# a fresh machine: no store or pepper from the host (the overlay
	# records whiteouts in its upper layer; the host's files stay)
	rm -rf "$R/var/lib/pam_apikey" "$R/etc/pam_apikey"
	check "the throw-away root starts without a store or pepper" \
		test ! -e "$R/var/lib/pam_apikey" -a ! -e "$R/etc/pam_apikey"

	# --- install (no man-db index rebuild on each dpkg run: it is slow)
	echo "man-db man-db/auto-update boolean false" | in_root debconf-set-selections
	run_cmd in_root dpkg -i "$PKG_DEB" "$CLIENT_DEB"
	expect_eq "dpkg -i installs both packages" 0 "$RC"
	[ "$RC" = 0 ] || printf '%s\n' "$OUT" "$ERR" | sed 's/^/#   /'
	expect_eq "$DEB_PKG is installed" installed "$(dpkg_installed $DEB_PKG)"
	expect_eq "installed helper is root 4755" "4755 root root" "$(mode_of "$R/usr/sbin/apikey-helper")"
	expect_eq "installed apikeyctl is root 0755" "755 root root" "$(mode_of "$R/usr/sbin/apikeyctl")"
	expect_eq "installed module is root 0644 in $PAMDIR_DEB" "644 root root" "$(mode_of "$R$PAMDIR_DEB/pam_apikey.so")"
	expect_eq "installed apikey-askpass is root 0755" "755 root root" "$(mode_of "$R/usr/bin/apikey-askpass")"
	expect_eq "installed apikeyd is root 0755 (not setuid)" "755 root root" "$(mode_of "$R/usr/sbin/apikeyd")"
	expect_eq "installed apikey-sync is root 0755 (not setuid)" "755 root root" "$(mode_of "$R/usr/sbin/apikey-sync")"
	check "apikeyd.socket is enabled on installation" \
		test -L "$R/etc/systemd/system/sockets.target.wants/apikeyd.socket"
	expect_eq "apikeyd.service is not enabled (its socket starts it)" "" \
		"$(find "$R/etc/systemd/system" -name apikeyd.service 2>&1)"
	expect_eq "apikey-sync.service is not enabled on installation (it needs central.conf)" "" \
		"$(find "$R/etc/systemd/system" -name apikey-sync.service 2>&1)"
	writable=$(in_root dpkg -L $DEB_PKG $DEB_CLIENT | while read -r f; do
		[ -L "$R$f" ] || [ ! -e "$R$f" ] || find "$R$f" -maxdepth 0 -perm /022 -print; done)
	expect_eq "no installed file or directory is group/world-writable" "" "$writable"
	check "postinst made the verifier group apikey-verify, a system group" \
		test "$(in_root getent group apikey-verify | cut -d: -f3)" -lt 1000
	expect_eq "postinst made the store directory root 0700" "700 root root" "$(mode_of "$R/var/lib/pam_apikey")"
	expect_eq "postinst made the store root 0600" "600 root root" "$(mode_of "$R/var/lib/pam_apikey/keys.db")"
	expect_eq "postinst made the pepper root 0400" "400 root root" "$(mode_of "$R/etc/pam_apikey/pepper")"
	check "the pam-auth-update profile is installed" test -f "$R/usr/share/pam-configs/apikey"
	refute "the profile is not enabled on installation" grep -q pam_apikey "$R/etc/pam.d/common-auth" "$R/etc/pam.d/common-account"
	expect_eq "man finds the installed pam_apikey(8)" "/usr/share/man/man8/pam_apikey.8.gz" "$(in_root man -w 8 pam_apikey 2>&1)"
	for page in "8 pam_apikey" "8 apikeyctl" "8 apikey-helper" "8 apikeyd" "8 apikey-sync" "1 apikey-askpass"; do
		run_cmd in_root man --warnings -E UTF-8 -Tutf8 -Z $page
		expect_eq "installed man page $page renders without warnings" "0:" "$RC:$ERR"
	done

	# --- a login through the installed module and helper
	in_root useradd -m -s /bin/sh $TUSER
	key=$(in_root apikeyctl create $TUSER --name pkg --allow 192.0.2.0/24 --never-expire --quiet)
	check "installed apikeyctl creates a key" grep -Eq '^pak1_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}$' <<<"$key"
	gone=$(in_root apikeyctl create $TUSER --name gone --quiet)
	in_root apikeyctl delete $TUSER/gone --yes >/dev/null
	printf '%s\n' "auth required pam_apikey.so nodelay" "account required pam_apikey.so" >"$R$T/pam.d/pakpkg"
	run_cmd pam_test $T/pam.d pakpkg $TUSER --rhost 192.0.2.7 --acct <<<"$key"
	expect_contains "a key logs in through the installed module (root caller)" "auth=PAM_SUCCESS" "$OUT"
	expect_contains "the installed module's account check accepts it" "acct=PAM_SUCCESS" "$OUT"
	expect_contains "the login names its key in the PAM environment" "env=PAM_APIKEY_NAME=pkg" "$OUT"
	run_cmd pam_test --user $T/pam.d pakpkg $TUSER --rhost 192.0.2.7 <<<"$key"
	expect_contains "the user's own process logs in through the setuid helper" "auth=PAM_SUCCESS" "$OUT"
	run_cmd pam_test $T/pam.d pakpkg $TUSER --rhost 203.0.113.9 <<<"$key"
	expect_contains "the installed stack refuses an address outside the allow list" "auth=PAM_AUTH_ERR" "$OUT"
	run_cmd pam_test $T/pam.d pakpkg $TUSER --rhost 192.0.2.7 <<<"$gone"
	expect_contains "the installed stack refuses a deleted key" "auth=PAM_AUTH_ERR" "$OUT"
	check "the module logged the login to /dev/log" grep -q "$PAM_LOG(pakpkg:auth): accepted key for user=\"$TUSER\"" "$R$T/syslog"

	# --- apikeyd: the installed daemon serves the installed module, as
	# root would run it (no systemd here: its own socket under /run)
	chroot "$R" /usr/bin/env -i /usr/sbin/apikeyd 2>"$WORK/apikeyd.err" &
	DAEMON_PID=$!
	for _ in $(seq 100); do
		[ -S "$R/run/pam_apikey/apikeyd.sock" ] && break
		kill -0 $DAEMON_PID 2>/dev/null || break
		sleep 0.05
	done
	expect_eq "the installed apikeyd listens on /run/pam_apikey/apikeyd.sock (socket 0666)" "666 root root" \
		"$(mode_of "$R/run/pam_apikey/apikeyd.sock")"
	run_cmd pam_test $T/pam.d pakpkg $TUSER --rhost 192.0.2.7 --acct <<<"$key"
	expect_contains "apikeyd: a key logs in (root caller)" "auth=PAM_SUCCESS" "$OUT"
	expect_contains "apikeyd: the account check accepts it" "acct=PAM_SUCCESS" "$OUT"
	run_cmd pam_test --user $T/pam.d pakpkg $TUSER --rhost 192.0.2.7 <<<"$key"
	expect_contains "apikeyd: the user's own process logs in" "auth=PAM_SUCCESS" "$OUT"
	run_cmd pam_test $T/pam.d pakpkg $TUSER --rhost 192.0.2.7 <<<"$gone"
	expect_contains "apikeyd: a deleted key is refused" "auth=PAM_AUTH_ERR" "$OUT"
	kill $DAEMON_PID 2>/dev/null
	wait $DAEMON_PID
	expect_eq "apikeyd stops on SIGTERM (exit 0)" 0 $?
	check "the installed apikeyd served those logins" grep -Eq \
		"apikeyd\\[$DAEMON_PID\\]: stopping after [1-9][0-9]* requests" "$R$T/syslog"
	check "apikeyd removed its socket on stopping" test ! -e "$R/run/pam_apikey/apikeyd.sock"

	# --- apikeyd's units as installed: systemd-analyze verifies them (the
	# binary and the man page they name are installed) and rates the
	# service's sandbox (offline: no systemd runs here)
	U=/lib/systemd/system
	expect_eq "the installed socket listens on the module's socket" "ListenStream=/run/pam_apikey/apikeyd.sock" \
		"$(grep ^ListenStream= "$R$U/apikeyd.socket")"
	expect_eq "the installed service runs /usr/sbin/apikeyd, Type=notify" "ExecStart=/usr/sbin/apikeyd Type=notify" \
		"$(grep -h ^ExecStart= "$R$U/apikeyd.service") $(grep -h ^Type= "$R$U/apikeyd.service")"
	run_cmd in_root systemd-analyze verify $U/apikeyd.socket $U/apikeyd.service
	expect_eq "systemd-analyze verify accepts apikeyd.socket and apikeyd.service" "0:" "$RC:$ERR"
	run_cmd in_root systemd-analyze security --offline=true --threshold=$EXPOSURE_MAX --no-pager $U/apikeyd.service
	exposure=$(sed -n 's/.*Overall exposure level for apikeyd.service: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p' <<<"$OUT$ERR")
	expect_eq "systemd-analyze security: apikeyd.service's exposure ($exposure) is at most $((EXPOSURE_MAX / 10)).$((EXPOSURE_MAX % 10))" \
		"0 yes" "$RC $([ -n "$exposure" ] && echo yes)"
	# what is left exposed, for the log
	grep '✗' <<<"$OUT" | sed 's/  */ /g; s/^/#   /'

	# --- apikey-sync's unit as installed: verified, and its sandbox rated
	expect_eq "the installed apikey-sync.service waits for central.conf and runs /usr/sbin/apikey-sync, Type=simple" \
		"ConditionPathExists=/etc/pam_apikey/central.conf Type=simple ExecStart=/usr/sbin/apikey-sync" \
		"$(grep -h -e ^ConditionPathExists= -e ^ExecStart= -e ^Type= "$R$U/apikey-sync.service" | tr '\n' ' ' | sed 's/ $//')"
	run_cmd in_root systemd-analyze verify $U/apikey-sync.service
	expect_eq "systemd-analyze verify accepts apikey-sync.service" "0:" "$RC:$ERR"
	run_cmd in_root systemd-analyze security --offline=true --threshold=$SYNC_EXPOSURE_MAX --no-pager $U/apikey-sync.service
	exposure=$(sed -n 's/.*Overall exposure level for apikey-sync.service: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p' <<<"$OUT$ERR")
	expect_eq "systemd-analyze security: apikey-sync.service's exposure ($exposure) is at most $((SYNC_EXPOSURE_MAX / 10)).$((SYNC_EXPOSURE_MAX % 10))" \
		"0 yes" "$RC $([ -n "$exposure" ] && echo yes)"
	grep '✗' <<<"$OUT" | sed 's/  */ /g; s/^/#   /'
	# without a central.conf the installed agent says so and exits
	run_cmd in_root apikey-sync --once
	expect_eq "the installed apikey-sync without central.conf exits 1 naming the file" \
		"1 yes" "$RC $(grep -q '/etc/pam_apikey/central.conf' <<<"$ERR" && echo yes)"

	# --- the weekly audit: units installed, the timer enabled, the
	# service's command runs as written (no systemd runs here)
	check "the audit timer is enabled on installation" \
		test -L "$R/etc/systemd/system/timers.target.wants/apikey-audit.timer"
	run_cmd in_root systemd-analyze verify /lib/systemd/system/apikey-audit.service /lib/systemd/system/apikey-audit.timer
	expect_eq "systemd-analyze verify accepts the audit units" "0:" "$RC:$ERR"
	cmd=$(sed -n 's/^ExecStart=//p' "$R/lib/systemd/system/apikey-audit.service")
	expect_eq "the audit service runs apikeyctl audit" "/usr/sbin/apikeyctl audit" "$cmd"
	run_cmd in_root $cmd
	expect_eq "... which audits the installed store (exit 1: the key never expires)" \
		"1 $(in_root apikeyctl list --json | jq -r '.[0].id') $TUSER/pkg: never expires
audit: 1 key, 1 with findings (no policy file at /etc/pam_apikey/policy.conf)" "$RC $OUT"

	# --- the pam-auth-update profile, once enabled: key or password
	run_cmd in_root pam-auth-update --enable apikey
	expect_eq "pam-auth-update --enable apikey succeeds" "0" "$RC"
	check "the enabled profile puts pam_apikey before pam_unix" \
		awk '/pam_apikey.so/ && !u {a=1} /pam_unix.so/ {u=1} END {exit !(a && u)}' "$R/etc/pam.d/common-auth"
	check "pam_unix then takes the password from pam_apikey" grep -Eq 'pam_unix.so.*try_first_pass' "$R/etc/pam.d/common-auth"
	cp "$R/etc/pam.d/common-auth" "$R/etc/pam.d/common-account" "$R$T/stack.d/"
	printf '%s\n' "@include common-auth" "@include common-account" >"$R$T/stack.d/pakpkg"
	run_cmd pam_test $T/stack.d pakpkg $TUSER --rhost 192.0.2.7 --acct <<<"$key"
	expect_contains "a key logs in through the common-auth profile" "auth=PAM_SUCCESS" "$OUT"
	expect_contains "and passes common-account" "acct=PAM_SUCCESS" "$OUT"
	run_cmd pam_test $T/stack.d pakpkg $TUSER --rhost 192.0.2.7 <<<"not-the-password"
	expect_contains "a wrong password still fails through the profile" "auth=PAM_AUTH_ERR" "$OUT"

	# --- upgrade: keys and pepper survive, dpkg-statoverride is kept
	pepper_sum=$(sha256sum <"$R/etc/pam_apikey/pepper")
	store_ino=$(stat -c %i "$R/var/lib/pam_apikey/keys.db")
	ver=$(dpkg-deb -f "$R$PKG_DEB" Version)
	mkdir "$WORK/repack"
	dpkg-deb -R "$R$PKG_DEB" "$WORK/repack/pkg"
	sed -i "s/^Version: .*/Version: $ver+pkgtest1/" "$WORK/repack/pkg/DEBIAN/control"
	dpkg-deb --root-owner-group -b "$WORK/repack/pkg" "$R$T/upgrade.deb" >/dev/null
	in_root dpkg-statoverride --update --add root root 0755 /usr/sbin/apikey-helper
	run_cmd in_root dpkg -i $T/upgrade.deb
	expect_eq "upgrade to $ver+pkgtest1 succeeds" "0 $ver+pkgtest1" "$RC $(in_root dpkg-query -W -f='${Version}' $DEB_PKG)"
	expect_eq "upgrade keeps the pepper" "$pepper_sum" "$(sha256sum <"$R/etc/pam_apikey/pepper")"
	expect_eq "upgrade keeps the store file" "$store_ino" "$(stat -c %i "$R/var/lib/pam_apikey/keys.db")"
	expect_eq "upgrade keeps the keys" "$TUSER pkg" "$(in_root apikeyctl list --json | jq -r '.[] | "\(.user) \(.name)"')"
	expect_eq "upgrade honours a dpkg-statoverride of the helper" "755 root root" "$(mode_of "$R/usr/sbin/apikey-helper")"
	in_root dpkg-statoverride --remove /usr/sbin/apikey-helper
	run_cmd in_root dpkg -i $T/upgrade.deb
	expect_eq "reinstall without the override restores 4755" "0 4755 root root" "$RC $(mode_of "$R/usr/sbin/apikey-helper")"
	run_cmd pam_test --user $T/pam.d pakpkg $TUSER --rhost 192.0.2.7 <<<"$key"
	expect_contains "the key still logs in after the upgrade" "auth=PAM_SUCCESS" "$OUT"

	# --- remove: programs and PAM profile go, the store stays
	run_cmd in_root dpkg -r $DEB_PKG
	expect_eq "dpkg -r succeeds" 0 "$RC"
	check "remove deletes the helper" test ! -e "$R/usr/sbin/apikey-helper"
	check "remove deletes the module" test ! -e "$R$PAMDIR_DEB/pam_apikey.so"
	refute "remove takes the profile out of common-auth" grep -q pam_apikey "$R/etc/pam.d/common-auth"
	expect_eq "remove keeps the store" "600 root root" "$(mode_of "$R/var/lib/pam_apikey/keys.db")"
	expect_eq "remove keeps the pepper" "$pepper_sum" "$(sha256sum <"$R/etc/pam_apikey/pepper")"
	in_root dpkg -i $T/upgrade.deb >/dev/null 2>&1
	run_cmd pam_test $T/pam.d pakpkg $TUSER --rhost 192.0.2.7 <<<"$key"
	expect_contains "after remove and reinstall the key logs in again" "auth=PAM_SUCCESS" "$OUT"

	# --- purge: the store and pepper are gone
	run_cmd in_root dpkg -P $DEB_PKG $DEB_CLIENT
	expect_eq "dpkg -P succeeds" 0 "$RC"
	check "purge deletes the store directory" test ! -e "$R/var/lib/pam_apikey"
	check "purge deletes the pepper directory" test ! -e "$R/etc/pam_apikey"
	expect_eq "nothing of the packages is left in dpkg's database" "" \
		"$(dpkg_installed $DEB_PKG)$(dpkg_installed $DEB_CLIENT)"
	in_root userdel -r $TUSER >/dev/null 2>&1
	exit 0
fi

# ---------------------------------------------------------------------
# Part 3: apikeyd's units under a booted systemd -- a throw-away root with
# the .debs installed, booted by systemd-nspawn (basic.target, private
# network), runs inside its own mount namespace: socket activation,
# READY=1 (Type=notify), and a sandbox in which apikeyd still reads the
# store, writes tracking rows and logs to syslog.  Then apikey-sync's
# service: skipped without central.conf, and with it, sandboxed, mirroring
# a private PostgreSQL's keys into the store
# ---------------------------------------------------------------------
if [ "${1-}" = --boot ]; then
	WORK=$2
	DEBS=$3
	B3=$WORK/boot
	R=$B3/root
	P=/opt/pakboot # inside the root (nspawn mounts a tmpfs on /tmp)
	set -u

	if ! overlay_root "$B3/ov" "$R" || [ ! -x "$R/lib/systemd/systemd" ]; then
		not_ok "an overlay of / mounts as the root to boot"
		exit 1
	fi
	# a fresh machine: no store, nothing of the host's /run, and services
	# may start (a container image's policy-rc.d forbids it)
	rm -rf "$R/var/lib/pam_apikey" "$R/etc/pam_apikey" "$R/usr/sbin/policy-rc.d" "$R/run/"*
	mkdir -p "$R$P/pam.d"
	cp "$DEBS"/${DEB_PKG}_*_*.deb "$DEBS"/${DEB_CLIENT}_*_*.deb "$R$P/"
	install -m 0755 "$BUILD/pam-test" "$R$P/"
	printf '%s\n' "auth required pam_apikey.so nodelay" "account required pam_apikey.so" >"$R$P/pam.d/pakpkg"
	in_chroot() {
		chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive HOME=/root "$@"
	}
	mount -t proc proc "$R/proc"
	mount --bind /dev "$R/dev"
	echo "man-db man-db/auto-update boolean false" | in_chroot debconf-set-selections
	run_cmd in_chroot dpkg -i $P/$(cd "$R$P" && ls ${DEB_PKG}_*_*.deb) $P/$(cd "$R$P" && ls ${DEB_CLIENT}_*_*.deb)
	expect_eq "the .debs install into the root to boot" 0 "$RC"
	[ "$RC" = 0 ] || printf '%s\n' "$OUT" "$ERR" | sed 's/^/#   /'
	in_chroot useradd -m -s /bin/sh $TUSER
	key=$(in_chroot apikeyctl create $TUSER --name pkg --allow 192.0.2.0/24 --never-expire --quiet)
	gone=$(in_chroot apikeyctl create $TUSER --name gone --quiet)
	in_chroot apikeyctl delete $TUSER/gone --yes >/dev/null
	umount "$R/dev" "$R/proc"

	# boot it; under a running systemd nspawn gets a scope of its own
	keep_unit=--keep-unit
	[ -d /run/systemd/system ] && keep_unit=
	systemd-nspawn -q -D "$R" --boot --private-network --register=no $keep_unit \
		-- --unit=basic.target </dev/null >"$B3/console" 2>&1 &
	NSPAWN=$!
	trap 'kill $NSPAWN 2>/dev/null; wait $NSPAWN 2>/dev/null' EXIT
	INIT=
	for _ in $(seq 300); do
		INIT=$(pgrep -P $NSPAWN -x systemd) && break
		kill -0 $NSPAWN 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$INIT" ]; then
		not_ok "systemd-nspawn boots the throw-away root" "$(tail -20 "$B3/console")"
		exit 1
	fi
	# in_ct COMMAND...: in the booted machine (each at most a minute)
	in_ct() {
		timeout 60 nsenter -t "$INIT" -m -u -i -n -p -C -- /usr/bin/env -i \
			PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 "$@"
	}
	# systemctl needs the manager's bus, which comes up during the boot
	for _ in $(seq 300); do
		in_ct test -S /run/systemd/private && break
		sleep 0.1
	done
	state=$(in_ct systemctl is-system-running --wait 2>&1)
	case $state in
	running | degraded) ok "systemd-nspawn boots the throw-away root to basic.target ($state)" ;;
	*) not_ok "systemd-nspawn boots the throw-away root to basic.target" "$state" ;;
	esac
	[ "$state" = running ] || in_ct systemctl --failed --no-pager --plain | sed 's/^/#   /'

	active() { in_ct systemctl is-active "$@" | tr '\n' ' ' | sed 's/ $//'; }
	expect_eq "booted: apikeyd.socket listens, apikeyd.service waits for a connection" \
		"active inactive" "$(active apikeyd.socket apikeyd.service)"
	expect_eq "booted: the socket is root's 0666 in a root 0755 directory" "666 root root 755 root root" \
		"$(in_ct stat -c '%a %U %G' /run/pam_apikey/apikeyd.sock /run/pam_apikey | tr '\n' ' ' | sed 's/ $//')"
	run_cmd in_ct $P/pam-test $P/pam.d pakpkg $TUSER --rhost 192.0.2.7 --acct <<<"$key"
	expect_contains "booted: a key logs in through apikeyd.socket (root caller)" "auth=PAM_SUCCESS" "$OUT"
	expect_contains "booted: the account check accepts it" "acct=PAM_SUCCESS" "$OUT"
	expect_eq "booted: the connection started apikeyd.service, which reported READY=1 (Type=notify)" \
		active "$(active apikeyd.service)"
	run_cmd in_ct setpriv --reuid=$TUSER --regid=$TUSER --init-groups \
		$P/pam-test $P/pam.d pakpkg $TUSER --rhost 192.0.2.7 <<<"$key"
	expect_contains "booted: the user's own process logs in through apikeyd" "auth=PAM_SUCCESS" "$OUT"
	run_cmd in_ct $P/pam-test $P/pam.d pakpkg $TUSER --rhost 192.0.2.7 <<<"$gone"
	expect_contains "booted: apikeyd refuses a deleted key" "auth=PAM_AUTH_ERR" "$OUT"
	expect_contains "booted: apikeyd logs to syslog from its private /dev (PrivateDevices=)" \
		"serving the store /var/lib/pam_apikey/keys.db" "$(in_ct journalctl --no-pager -o cat -t apikeyd)"
	# the writer's rows: at least once a second, into the one writable path
	used=
	for _ in $(seq 30); do
		used=$(in_ct apikeyctl list --json | jq -r '.[] | select(.name == "pkg") | .last_used_ip')
		[ "$used" = 192.0.2.7 ] && break
		sleep 0.1
	done
	expect_eq "booted: apikeyd wrote the tracking row (ProtectSystem=strict, the store writable)" "192.0.2.7" "$used"
	run_cmd in_ct systemd-analyze security --threshold=$EXPOSURE_MAX --no-pager apikeyd.service
	expect_eq "booted: systemd-analyze security rates the loaded apikeyd.service at most $((EXPOSURE_MAX / 10)).$((EXPOSURE_MAX % 10)) ($(sed -n 's/.*Overall exposure level for apikeyd.service: \([0-9.]* [A-Z]*\).*/\1/p' <<<"$OUT"))" 0 "$RC"

	# killed: restarted (Restart=on-failure), and serving
	in_ct systemctl kill -s KILL apikeyd.service
	restarts=
	for _ in $(seq 50); do
		restarts=$(in_ct systemctl show -p NRestarts --value apikeyd.service)
		[ "$restarts" = 1 ] && [ "$(active apikeyd.service)" = active ] && break
		sleep 0.1
	done
	expect_eq "booted: a killed apikeyd is restarted" "1 active" "$restarts $(active apikeyd.service)"
	run_cmd in_ct $P/pam-test $P/pam.d pakpkg $TUSER --rhost 192.0.2.7 <<<"$key"
	expect_contains "booted: ... and serves again" "auth=PAM_SUCCESS" "$OUT"

	# the socket stopped: the service stops with it (Requires=), the socket
	# file goes (RemoveOnStop=), and the module runs the helper
	in_ct systemctl stop apikeyd.socket
	expect_eq "booted: stopping apikeyd.socket stops apikeyd.service" "inactive inactive" \
		"$(active apikeyd.socket apikeyd.service)"
	refute "booted: ... and removes the socket" in_ct test -e /run/pam_apikey/apikeyd.sock
	run_cmd in_ct $P/pam-test $P/pam.d pakpkg $TUSER --rhost 192.0.2.7 <<<"$key"
	expect_contains "booted: without the socket the key logs in through the helper" "auth=PAM_SUCCESS" "$OUT"

	# --- apikey-sync: installed but neither enabled nor started; started
	# once central.conf is written, it runs in its sandbox, says it cannot
	# connect while the central store is down, then mirrors the keys of a
	# private PostgreSQL 15 in this root (by TCP, then by its socket)
	expect_eq "booted: apikey-sync.service is installed, not enabled, inactive" "disabled inactive" \
		"$(in_ct systemctl is-enabled apikey-sync.service) $(active apikey-sync.service)"
	in_ct systemctl start apikey-sync.service
	expect_eq "booted: without central.conf a start of apikey-sync.service is skipped (ConditionPathExists=)" \
		"inactive no" "$(active apikey-sync.service) $(in_ct systemctl show -p ConditionResult --value apikey-sync.service)"
	PG_PORT=55432
	PG_SOCK=/run/pakpg
	set_conninfo() {
		in_ct sh -c 'umask 077; printf "conninfo = %s\nmax_stale = 1h\n" "$1" >/etc/pam_apikey/central.conf' sh "$1"
	}
	set_conninfo "host=127.0.0.1 port=$PG_PORT dbname=postgres user=postgres"
	in_ct systemctl start apikey-sync.service
	journal=
	for _ in $(seq 100); do
		journal=$(in_ct journalctl --no-pager -o cat -t apikey-sync)
		grep -q 'cannot connect' <<<"$journal" && break
		sleep 0.1
	done
	expect_eq "booted: with central.conf apikey-sync.service starts (condition met) and keeps running" "active yes" \
		"$(active apikey-sync.service) $(in_ct systemctl show -p ConditionResult --value apikey-sync.service)"
	expect_contains "booted: apikey-sync logs to the journal that it cannot connect yet" \
		"central store: cannot connect: connection to server at \"127.0.0.1\", port $PG_PORT failed" "$journal"
	pid=$(in_ct systemctl show -p MainPID --value apikey-sync.service)
	expect_eq "booted: apikey-sync runs as root without a capability (CapEff, CapBnd), no new privileges" \
		"0 0000000000000000 0000000000000000 1" \
		"$(in_ct awk '$1 == "Uid:" {u = $2} $1 == "CapEff:" {e = $2} $1 == "CapBnd:" {b = $2} $1 == "NoNewPrivs:" {n = $2} END {print u, e, b, n}' /proc/$pid/status)"
	run_cmd in_ct systemd-analyze security --threshold=$SYNC_EXPOSURE_MAX --no-pager apikey-sync.service
	expect_eq "booted: systemd-analyze security rates the loaded apikey-sync.service at most $((SYNC_EXPOSURE_MAX / 10)).$((SYNC_EXPOSURE_MAX % 10)) ($(sed -n 's/.*Overall exposure level for apikey-sync.service: \([0-9.]* [A-Z]*\).*/\1/p' <<<"$OUT"))" 0 "$RC"
	expect_eq "booted: apikey-sync.service restarts on failure after 10 s" "on-failure 10s" \
		"$(in_ct systemctl show -p Restart --value apikey-sync.service) $(in_ct systemctl show -p RestartUSec --value apikey-sync.service)"

	# the central store: a private PostgreSQL on 127.0.0.1 and a socket
	# directory others may enter (the agent is root without
	# CAP_DAC_OVERRIDE), trust authentication, run by this root's systemd
	PGB=/usr/lib/postgresql/15/bin
	in_ct install -d -o postgres -g postgres -m 0700 /var/lib/pakpg
	in_ct install -d -o postgres -g postgres -m 0755 $PG_SOCK
	run_cmd in_ct runuser -u postgres -- $PGB/initdb -D /var/lib/pakpg/data -A trust -U postgres
	[ "$RC" = 0 ] || printf '%s\n' "$OUT" "$ERR" | tail -5 | sed 's/^/#   /'
	in_ct systemd-run -q --unit=pakpg -p User=postgres $PGB/postgres -D /var/lib/pakpg/data \
		-k $PG_SOCK -h 127.0.0.1 -p $PG_PORT
	for _ in $(seq 100); do
		in_ct $PGB/pg_isready -q -h $PG_SOCK -p $PG_PORT && break
		sleep 0.1
	done
	CENTRAL="host=$PG_SOCK port=$PG_PORT dbname=postgres user=postgres"
	run_cmd in_ct apikeyctl --central "$CENTRAL" init
	expect_eq "booted: a private PostgreSQL runs, apikeyctl --central init makes the central store" 0 "$RC"
	[ "$RC" = 0 ] || printf '%s\n' "$OUT" "$ERR" | sed 's/^/#   /'
	# central_login KEY: the milliseconds (at most 30 s) until KEY logs in
	# through the installed module, or "timeout"
	central_login() {
		start=$(date +%s%N)
		for _ in $(seq 300); do
			out=$(in_ct $P/pam-test $P/pam.d pakpkg $TUSER --rhost 192.0.2.7 <<<"$1")
			grep -q auth=PAM_SUCCESS <<<"$out" && { echo "$((($(date +%s%N) - start) / 1000000)) ms"; return 0; }
			sleep 0.1
		done
		echo timeout
		return 1
	}
	# by TCP without TLS the agent refuses the server: loopback too, as
	# any local user could listen there (README: Many hosts)
	ckey=$(in_ct apikeyctl --central "$CENTRAL" create $TUSER --name central-tcp --never-expire --quiet)
	for _ in $(seq 50); do
		journal=$(in_ct journalctl --no-pager -o cat -t apikey-sync)
		grep -q 'SSL\|certificate' <<<"$journal" && break
		sleep 0.1
	done
	expect_contains "booted: by TCP without TLS (verify-full) the agent refuses the central store" \
		"cannot connect" "$(grep -i 'SSL\|certificate' <<<"$journal")"
	expect_eq "booted: ... and mirrors nothing" "" \
		"$(in_ct apikeyctl list --json | jq -r '.[] | select(.name == "central-tcp") | .origin')"
	# by the unix socket, after a restart with the new central.conf
	set_conninfo "$CENTRAL"
	in_ct systemctl restart apikey-sync.service
	took=$(central_login "$ckey")
	rc=$?
	echo "# mirrored by the socket and logged in after $took"
	expect_eq "booted: by PostgreSQL's unix socket the agent mirrors a central key, which logs in" 0 "$rc"
	expect_eq "booted: ... into the store (ProtectSystem=strict, the store writable), marked central" central \
		"$(in_ct apikeyctl list --json | jq -r '.[] | select(.name == "central-tcp") | .origin')"
	expect_contains "booted: apikey-sync logs its resynchronisation to the journal" "resynchronised to revision" \
		"$(in_ct journalctl --no-pager -o cat -t apikey-sync)"
	ckey=$(in_ct apikeyctl --central "$CENTRAL" create $TUSER --name central-unix --never-expire --quiet)
	took=$(central_login "$ckey")
	rc=$?
	echo "# a key made while it runs logged in after $took"
	expect_eq "booted: a key made while it runs is mirrored too" 0 "$rc"
	in_ct systemctl stop apikey-sync.service
	expect_eq "booted: apikey-sync.service stops cleanly (SIGTERM), never restarted" "inactive 0" \
		"$(active apikey-sync.service) $(in_ct systemctl show -p NRestarts --value apikey-sync.service)"
	for _ in $(seq 50); do
		last=$(in_ct journalctl --no-pager -o cat -t apikey-sync | tail -1)
		[ "$last" = stopping ] && break
		sleep 0.1
	done
	expect_eq "booted: ... saying so" stopping "$last"

	# the package and an agent the administrator enabled: an upgrade (the
	# .deb again) keeps it enabled and restarts it, removal stops it (the
	# prerm), purge forgets that it was enabled
	in_ct systemctl enable --now apikey-sync.service >/dev/null 2>&1
	pid=$(in_ct systemctl show -p MainPID --value apikey-sync.service)
	in_dpkg() { in_ct env DEBIAN_FRONTEND=noninteractive dpkg "$@"; }
	run_cmd in_dpkg -i $P/$(cd "$R$P" && ls ${DEB_PKG}_*_*.deb)
	newpid=$(in_ct systemctl show -p MainPID --value apikey-sync.service)
	expect_eq "booted: an upgrade keeps an enabled apikey-sync enabled, and restarts it" "0 enabled active yes" \
		"$RC $(in_ct systemctl is-enabled apikey-sync.service) $(active apikey-sync.service) $([ "$newpid" != "$pid" ] && echo yes)"
	run_cmd in_dpkg -r $DEB_PKG
	expect_eq "booted: dpkg -r stops the running agent" "0 inactive" "$RC $(active apikey-sync.service)"
	run_cmd in_dpkg -P $DEB_PKG
	expect_eq "booted: dpkg -P forgets that apikey-sync.service was enabled" "0:" \
		"$RC:$(in_ct find /etc/systemd/system -name apikey-sync.service)"
	in_ct systemctl stop pakpg.service

	in_ct systemctl poweroff >/dev/null 2>&1
	alive() { kill -0 "$1" 2>/dev/null; }
	for _ in $(seq 300); do alive $NSPAWN || break; sleep 0.1; done
	refute "the booted root powers off" alive $NSPAWN
	exit 0
fi

# ---------------------------------------------------------------------
# Part 1: on the host
# ---------------------------------------------------------------------
make_workdir
PKGOUT=$WORK/pkg

if ! sh "$TOP/tests/install-deps.sh" >"$WORK/deps.log" 2>&1; then
	not_ok "the packaging tools are installed" "$(tail -5 "$WORK/deps.log")"
	exit 1
fi
for t in dpkg-buildpackage dh lintian rpmbuild man systemd-nspawn; do
	command -v $t >/dev/null || { not_ok "$t is available"; exit 1; }
done
# the build in $BUILD (APIKEY_BUILD), never another: B relative to the
# tree when it is inside, as the Makefile's dependency files name it
B=${BUILD#"$TOP"/}
make -s -C "$TOP" B="$B" all "$B/pam-test" "$B/log-listen" >"$WORK/make.log" 2>&1 ||
	{ not_ok "the programs build" "$(tail -5 "$WORK/make.log")"; exit 1; }

# --- make install / uninstall into a DESTDIR
D=$WORK/destdir
run_cmd make -s -C "$TOP" B="$B" install DESTDIR="$D"
expect_eq "make install DESTDIR=... succeeds" 0 "$RC"
PAMDIR_MK=$(pkg-config --variable=libdir pam)/security
expect_eq "make install: helper root 4755 in /usr/sbin" "4755 root root" "$(mode_of "$D/usr/sbin/apikey-helper")"
expect_eq "make install: apikeyctl 0755 in /usr/sbin" "755 root root" "$(mode_of "$D/usr/sbin/apikeyctl")"
expect_eq "make install: apikey-askpass 0755 in /usr/bin" "755 root root" "$(mode_of "$D/usr/bin/apikey-askpass")"
expect_eq "make install: apikeyd 0755 in /usr/sbin" "755 root root" "$(mode_of "$D/usr/sbin/apikeyd")"
expect_eq "make install: apikey-sync 0755 in /usr/sbin" "755 root root" "$(mode_of "$D/usr/sbin/apikey-sync")"
expect_eq "make install: module 0644 in pkg-config's PAM directory" "644 root root" "$(mode_of "$D$PAMDIR_MK/pam_apikey.so")"
for m in man8/pam_apikey.8 man8/apikeyctl.8 man8/apikey-helper.8 man8/apikeyd.8 man8/apikey-sync.8 man1/apikey-askpass.1; do
	expect_eq "make install: $m 0644" "644 root root" "$(mode_of "$D/usr/share/man/$m")"
done
for u in apikeyd.socket apikeyd.service apikey-sync.service; do
	expect_eq "make install: $u 0644" "644 root root" "$(mode_of "$D/usr/lib/systemd/system/$u")"
done
expect_eq "make install: apikeyd.service runs the installed apikeyd, the store writable" \
	"ExecStart=/usr/sbin/apikeyd ReadWritePaths=-/var/lib/pam_apikey" \
	"$(grep -h -e ^ExecStart= -e ^ReadWritePaths= "$D/usr/lib/systemd/system/apikeyd.service" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "make install: apikeyd.socket listens on the module's socket" "ListenStream=/run/pam_apikey/apikeyd.sock" \
	"$(grep ^ListenStream= "$D/usr/lib/systemd/system/apikeyd.socket")"
sync_unit_paths() { grep -h -e ^ConditionPathExists= -e ^ExecStart= -e ^ReadWritePaths= "$1" 2>&1 | tr '\n' ' ' | sed 's/ $//'; }
expect_eq "make install: apikey-sync.service waits for central.conf, runs the installed apikey-sync, the store writable" \
	"ConditionPathExists=/etc/pam_apikey/central.conf ExecStart=/usr/sbin/apikey-sync ReadWritePaths=-/var/lib/pam_apikey" \
	"$(sync_unit_paths "$D/usr/lib/systemd/system/apikey-sync.service")"
expect_eq "make install: the audit service runs the installed apikeyctl" "ExecStart=/usr/sbin/apikeyctl audit" \
	"$(grep ^ExecStart= "$D/usr/lib/systemd/system/apikey-audit.service")"
check "make install: the audit timer" test -f "$D/usr/lib/systemd/system/apikey-audit.timer"
expect_eq "make install: nothing group/world-writable" "" "$(find "$D" -perm /022 ! -type l)"
expect_eq "make install: no store or pepper is installed" "" "$(find "$D" -path '*pam_apikey/*' -o -name 'keys.db*' -o -name pepper)"
run_cmd make -s -C "$TOP" B="$B" install DESTDIR="$WORK/destdir2" PREFIX=/opt/pak PAMDIR=/opt/pak/security \
	SYSCONFDIR=/opt/pak/etc LOCALSTATEDIR=/opt/pak/var
expect_eq "make install: with PREFIX the audit service runs that apikeyctl" "ExecStart=/opt/pak/sbin/apikeyctl audit" \
	"$(grep ^ExecStart= "$WORK/destdir2/opt/pak/lib/systemd/system/apikey-audit.service" 2>&1)"
expect_eq "make install: with PREFIX apikeyd.service runs that apikeyd" "ExecStart=/opt/pak/sbin/apikeyd" \
	"$(grep ^ExecStart= "$WORK/destdir2/opt/pak/lib/systemd/system/apikeyd.service" 2>&1)"
expect_eq "make install: with PREFIX, SYSCONFDIR and LOCALSTATEDIR apikey-sync.service names those paths" \
	"ConditionPathExists=/opt/pak/etc/pam_apikey/central.conf ExecStart=/opt/pak/sbin/apikey-sync ReadWritePaths=-/opt/pak/var/lib/pam_apikey" \
	"$(sync_unit_paths "$WORK/destdir2/opt/pak/lib/systemd/system/apikey-sync.service")"
expect_eq "make install honours PREFIX and PAMDIR" "0 4755 644" \
	"$RC $(stat -c %a "$WORK/destdir2/opt/pak/sbin/apikey-helper" "$WORK/destdir2/opt/pak/security/pam_apikey.so" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
run_cmd make -s -C "$TOP" B="$B" uninstall DESTDIR="$D"
expect_eq "make uninstall removes every installed file" "0:" "$RC:$(find "$D" ! -type d)"

# --- the .deb
host_had_helper=no
host_pam=$(cat /etc/pam.d/* 2>/dev/null | sha256sum)
[ -e /usr/sbin/apikey-helper ] && host_had_helper=yes
run_cmd make -C "$TOP" deb PKGOUT="$PKGOUT"
expect_eq "make deb (dpkg-buildpackage -us -uc -b) succeeds" 0 "$RC"
[ "$RC" = 0 ] || printf '%s\n' "$OUT" "$ERR" | tail -20 | sed 's/^/#   /'
DEBS=$PKGOUT/deb
check "the .debs are built" test -f "$(echo "$DEBS"/${DEB_PKG}_*_*.deb)" -a -f "$(echo "$DEBS"/${DEB_CLIENT}_*_*.deb)"
expect_contains "the unit tests ran during the build" "passed, 0 failed" "$OUT"
listing=$(dpkg-deb -c "$DEBS"/${DEB_PKG}_*_*.deb 2>&1)
check "the .deb holds the helper setuid root" grep -Eq '^-rwsr-xr-x root/root .* \./usr/sbin/apikey-helper$' <<<"$listing"
check "the .deb holds the module 0644 in $PAMDIR_DEB" grep -Eq "^-rw-r--r-- root/root .* \\.$PAMDIR_DEB/pam_apikey.so\$" <<<"$listing"
for m in pam_apikey.8 apikeyctl.8 apikey-helper.8 apikeyd.8 apikey-sync.8; do
	check "the .deb holds $m" grep -q "usr/share/man/man8/$m.gz" <<<"$listing"
done
check "the .deb holds apikeyd root 0755, not setuid" grep -Eq '^-rwxr-xr-x root/root .* \./usr/sbin/apikeyd$' <<<"$listing"
check "the .deb holds apikey-sync root 0755, not setuid" grep -Eq '^-rwxr-xr-x root/root .* \./usr/sbin/apikey-sync$' <<<"$listing"
expect_contains "the .deb depends on libpq5 (shlibs: apikey-sync and apikeyctl link libpq)" "libpq5" \
	"$(dpkg-deb -f "$DEBS"/${DEB_PKG}_*_*.deb Depends 2>&1)"
for u in apikeyd.socket apikeyd.service apikey-sync.service; do
	check "the .deb holds $u 0644 root" grep -Eq "^-rw-r--r-- root/root .* \\./lib/systemd/system/$u\$" <<<"$listing"
done
# dh_installsystemd's scripts: the socket enabled and started, the service
# only try-restarted on upgrade (its socket starts it)
postinst=$(dpkg-deb --ctrl-tarfile "$DEBS"/${DEB_PKG}_*_*.deb | tar -xOf - ./postinst)
check "the .deb's postinst enables apikeyd.socket" grep -q "deb-systemd-helper enable 'apikeyd.socket'" <<<"$postinst"
check "the .deb's postinst starts apikeyd.socket" grep -Eq "deb-systemd-invoke \\\$_dh_action .*'apikeyd.socket'" <<<"$postinst"
expect_eq "the .deb's postinst never starts or enables apikeyd.service" "" \
	"$(grep -E "(_dh_action|enable|start).*'apikeyd.service'" <<<"$postinst" | grep -v try-restart)"
check "the .deb's postinst try-restarts a running apikeyd on upgrade" grep -q "deb-systemd-invoke try-restart 'apikeyd.service'" <<<"$postinst"
# apikey-sync.service: never enabled or started by the package (it needs
# central.conf); enabled again on upgrade only where it was, try-restarted
# on upgrade, stopped on removal by the prerm
expect_eq "the .deb's postinst never starts apikey-sync.service" "" \
	"$(grep -E "(_dh_action|start).*'apikey-sync.service'" <<<"$postinst" | grep -v try-restart)"
check "the .deb's postinst enables apikey-sync.service only where it was enabled (--no-enable)" \
	awk "/was-enabled 'apikey-sync.service'/ {w=1} /deb-systemd-helper enable 'apikey-sync.service'/ {e++} END {exit !(w && e == 1)}" <<<"$postinst"
check "the .deb's postinst try-restarts a running apikey-sync on upgrade" grep -q "deb-systemd-invoke try-restart 'apikey-sync.service'" <<<"$postinst"
check "the .deb's prerm stops apikey-sync.service on removal" grep -q "deb-systemd-invoke stop apikey-sync.service" \
	<<<"$(dpkg-deb --ctrl-tarfile "$DEBS"/${DEB_PKG}_*_*.deb | tar -xOf - ./prerm)"
check "the client .deb holds apikey-askpass(1)" grep -q "usr/share/man/man1/apikey-askpass.1.gz" <<<"$(dpkg-deb -c "$DEBS"/${DEB_CLIENT}_*_*.deb)"
expect_eq "the .deb has no conffiles (store and pepper are made by postinst)" "" "$(dpkg-deb --ctrl-tarfile "$DEBS"/${DEB_PKG}_*_*.deb | tar -tf - | grep conffiles)"

# the source package, from the same copy once cleaned
SRC=$DEBS/src
(cd "$SRC" && debian/rules clean && dpkg-source -b .) >"$WORK/source.log" 2>&1
check "the source package builds (dpkg-source -b)" test -f "$(echo "$DEBS"/pam-apikey_*.dsc)"

chmod 0755 "$WORK"
run_lintian() { setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp lintian --fail-on error,warning "$@"; }
run_cmd run_lintian "$DEBS"/pam-apikey_*_*.changes
expect_eq "lintian: no errors or warnings on the binary packages" "0:" "$RC:$(grep -E '^[EW]:' <<<"$OUT")"
run_cmd run_lintian "$DEBS"/pam-apikey_*.dsc
expect_eq "lintian: no errors or warnings on the source package" "0:" "$RC:$(grep -E '^[EW]:' <<<"$OUT")"

# --- install, log in, upgrade, remove, purge: in a throw-away root
unshare -m --propagation private bash "$0" --in-namespace "$WORK" "$DEBS"
rc=$?
[ $rc -eq 0 ] || not_ok "the throw-away root tests finished" "exit status $rc"
unshare -m --propagation private bash "$0" --boot "$WORK" "$DEBS"
rc=$?
[ $rc -eq 0 ] || not_ok "the booted-root tests finished" "exit status $rc"
if [ $host_had_helper = no ]; then
	check "the host has no /usr/sbin/apikey-helper afterwards" test ! -e /usr/sbin/apikey-helper
fi
expect_eq "the host's dpkg database does not have $DEB_PKG" "" "$(dpkg-query -W -f='${db:Status-Status}' $DEB_PKG 2>/dev/null | grep -v not-installed)"
refute "the host has no $TUSER account" getent passwd $TUSER
expect_eq "the host's /etc/pam.d is unchanged" "$host_pam" "$(cat /etc/pam.d/* 2>/dev/null | sha256sum)"

# --- the .rpm
run_cmd make -C "$TOP" rpm PKGOUT="$PKGOUT"
expect_eq "make rpm (rpmbuild -bb) succeeds" 0 "$RC"
[ "$RC" = 0 ] || printf '%s\n' "$OUT" "$ERR" | tail -20 | sed 's/^/#   /'
RPM=$(ls "$PKGOUT"/rpm/RPMS/*/pam_apikey-[0-9]*.rpm 2>/dev/null | head -1)
dump=$(rpm -qlp --dump "$RPM" 2>/dev/null)
# --dump: path size mtime digest mode owner group isconfig isdoc rdev symlink
field() { awk -v p="$1" '$1 == p {print $5, $6, $7}' <<<"$dump"; }
expect_eq "the .rpm holds the helper 4755 root" "0104755 root root" "$(field /usr/sbin/apikey-helper)"
expect_eq "the .rpm holds apikeyctl 0755 root" "0100755 root root" "$(field /usr/sbin/apikeyctl)"
expect_eq "the .rpm holds apikeyd 0755 root, not setuid" "0100755 root root" "$(field /usr/sbin/apikeyd)"
expect_eq "the .rpm holds apikey-sync 0755 root, not setuid" "0100755 root root" "$(field /usr/sbin/apikey-sync)"
check "the .rpm holds the module 0644 root in a security directory" \
	grep -Eq '^/usr/lib[^ ]*/security/pam_apikey.so [0-9]+ [0-9]+ [0-9a-f]+ 0100644 root root ' <<<"$dump"
for m in man8/pam_apikey.8 man8/apikeyctl.8 man8/apikey-helper.8 man8/apikeyd.8 man8/apikey-sync.8 man1/apikey-askpass.1; do
	check "the .rpm holds $m" grep -Eq "^/usr/share/man/$m(\\.gz)? " <<<"$dump"
done
expect_eq "the .rpm owns the store directory 0700" "040700 root root" "$(field /var/lib/pam_apikey)"
expect_eq "the .rpm holds no store or pepper" "" "$(grep -E '/keys\.db|/pepper ' <<<"$dump")"
expect_contains "the .rpm's %post runs apikeyctl init" "apikeyctl init" "$(rpm -qp --scripts "$RPM" 2>/dev/null)"
expect_contains "the .rpm's %pre makes the verifier group" "groupadd -r apikey-verify" "$(rpm -qp --scripts "$RPM" 2>/dev/null)"
for u in apikey-audit.service apikey-audit.timer apikeyd.socket apikeyd.service apikey-sync.service; do
	expect_eq "the .rpm holds $u 0644 root" "0100644 root root" "$(field /usr/lib/systemd/system/$u)"
done
scripts=$(rpm -qp --scripts "$RPM" 2>/dev/null)
expect_contains "the .rpm's %post presets the audit timer" "preset apikey-audit.timer" "$scripts"
check "the .rpm's %post presets apikeyd.socket, never apikeyd.service" \
	awk '/^postinstall/ {p=1; next} /^[a-z]+ scriptlet/ {p=0} p && !/^#/ && /preset/ {s = s $0} END {exit !(s ~ /apikeyd\.socket/ && s !~ /apikeyd\.service/)}' <<<"$scripts"
check "the .rpm's %preun disables and stops apikeyd.socket and apikeyd.service" \
	grep -Eq 'disable --now .*apikeyd\.socket apikeyd\.service' <<<"$scripts"
check "the .rpm's %postun try-restarts apikeyd on upgrade" grep -q 'try-restart apikeyd.socket apikeyd.service' <<<"$scripts"
check "the .rpm's %post leaves apikey-sync.service to the presets (no enable)" \
	awk '/^postinstall/ {p=1; next} /^[a-z]+ scriptlet/ {p=0} p && !/^#/ && /apikey-sync/ {s = s $0} END {exit !(s ~ /preset .*apikey-sync\.service/ && s !~ /enable/)}' <<<"$scripts"
check "the .rpm's %preun disables and stops apikey-sync.service" grep -Eq 'disable --now .*apikey-sync\.service' <<<"$scripts"
check "the .rpm's %postun try-restarts a running apikey-sync on upgrade" grep -Eq 'try-restart .*apikey-sync\.service' <<<"$scripts"
expect_eq "the .deb and the .rpm have the same version" \
	"$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)" "$(rpm -qp --qf '%{VERSION}' "$RPM" 2>/dev/null)"
