# A private world for tests that run the real module, helper and sshd:
# a mount namespace in which the product's default store and pepper
# directories, /dev/log and (for sshd) /etc/pam.d are test directories.
# Nothing of the host's PAM, SSH or key store is touched; test users are
# created on the host and removed when the test exits.
# shellcheck shell=bash

. "$(dirname "$0")/lib.sh"

STORE_DIR=/var/lib/pam_apikey
PEPPER_DIR=/etc/pam_apikey

# Re-runs the calling script inside a private mount namespace.  The mount
# points must exist on the host; any this creates (empty) are removed after.
sandbox_enter() {
	[ -n "${PAM_APIKEY_SANDBOX-}" ] && return 0
	made=""
	for d in "$STORE_DIR" "$PEPPER_DIR"; do
		if [ ! -d "$d" ]; then mkdir -m 0700 "$d" && made="$made $d"; fi
	done
	PAM_APIKEY_SANDBOX=1 unshare -m --propagation private bash "$0" "$@"
	rc=$?
	for d in $made; do rmdir "$d" 2>/dev/null; done
	exit $rc
}

# Binds a fresh tmpfs /dev with the basic nodes, and a log socket at
# /dev/log whose lines go to $SYSLOG (TESTING.md's recipe).
sandbox_log() {
	SYSLOG=$WORK/syslog
	: >"$SYSLOG"
	mkdir "$WORK/olddev"
	mount --rbind /dev "$WORK/olddev"
	mount -t tmpfs -o mode=0755 tmpfs /dev
	for n in null zero full random urandom tty ptmx; do
		touch "/dev/$n"
		mount --bind "$WORK/olddev/$n" "/dev/$n"
	done
	mkdir /dev/pts /dev/shm
	mount --rbind "$WORK/olddev/pts" /dev/pts
	mount --rbind "$WORK/olddev/shm" /dev/shm
	"$BIN/log-listen" /dev/log "$SYSLOG" &
	LOG_PID=$!
	for _ in $(seq 50); do [ -S /dev/log ] && break; sleep 0.02; done
}

sandbox_setup() {
	make_workdir
	CLEANUP_HOOK='sandbox_cleanup'
	BIN=$WORK/bin
	mkdir -m 0755 "$BIN"
	install -m 4755 -o root "$BUILD/apikey-helper" "$BIN/apikey-helper"
	install -m 0644 "$BUILD/pam_apikey.so" "$BIN/pam_apikey.so"
	for t in apikeyctl pam-test log-listen testtool; do
		install -m 0755 "$BUILD/$t" "$BIN/$t"
	done
	mkdir -m 0700 "$WORK/store" "$WORK/pepper"
	mount --bind "$WORK/store" "$STORE_DIR"
	mount --bind "$WORK/pepper" "$PEPPER_DIR"
	DB=$STORE_DIR/keys.db
	CTL=$BIN/apikeyctl
	$CTL init >/dev/null 2>&1
	mkdir -m 0755 "$WORK/pam.d"
	sandbox_log
	TEST_USERS=""
}

sandbox_cleanup() {
	[ -n "${LOG_PID-}" ] && kill "$LOG_PID" 2>/dev/null
	# never let rm reach the host's /dev through the bind
	umount -R -l "$WORK/olddev" 2>/dev/null
	for u in $TEST_USERS; do userdel -r "$u" >/dev/null 2>&1 || userdel "$u" >/dev/null 2>&1; done
}

# sandbox_user NAME: a fresh test account (removed at exit)
sandbox_user() {
	userdel -r "$1" >/dev/null 2>&1
	useradd -m -s /bin/bash "$1" 2>/dev/null
	TEST_USERS="$TEST_USERS $1"
}

# service NAME LINE...: writes a PAM service file into $WORK/pam.d
service() {
	name=$1
	shift
	printf '%s\n' "$@" >"$WORK/pam.d/$name"
}
