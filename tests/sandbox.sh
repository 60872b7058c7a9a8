# SPDX-License-Identifier: BSD-2-Clause
# A private world for tests that run the real module, helper and sshd:
# a mount namespace in which the product's default store and pepper
# directories, /dev/log and (for sshd) /etc/pam.d are test directories.
# Nothing of the host's PAM, SSH or key store is touched; test users are
# created on the host and removed when the test exits.
# shellcheck shell=bash

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1

STORE_DIR=/var/lib/pam_apikey
PEPPER_DIR=/etc/pam_apikey
DAEMON_DIR=/run/pam_apikey

# Runs the calling script again inside a private mount namespace and
# returns its status.  The mount points must exist on the host; any this
# creates (empty) are removed after.
sandbox_run() {
	made=""
	for d in "$STORE_DIR" "$PEPPER_DIR" "$DAEMON_DIR"; do
		if [ ! -d "$d" ]; then mkdir -m 0700 "$d" && made="$made $d"; fi
	done
	PAM_APIKEY_SANDBOX=1 unshare -m --propagation private bash "$0" "$@"
	rc=$?
	for d in $made; do rmdir "$d" 2>/dev/null; done
	return $rc
}

# Outside the namespace: runs the script in it and exits with its status.
sandbox_enter() {
	[ -n "${PAM_APIKEY_SANDBOX-}" ] && return 0
	sandbox_run "$@"
	exit $?
}

# Binds a fresh tmpfs /dev with the basic nodes, and a log socket at
# /dev/log whose lines go to $SYSLOG (TESTING.md's recipe).
sandbox_log() {
	SYSLOG=$WORK/syslog
	: >"$SYSLOG"
	mkdir "$WORK/olddev"
	mount --rbind /dev "$WORK/olddev"
	mount -t tmpfs -o mode=0755 tmpfs /dev
	for n in null zero full random urandom tty; do
		touch "/dev/$n"
		mount --bind "$WORK/olddev/$n" "/dev/$n"
	done
	mkdir /dev/pts /dev/shm
	mount --rbind "$WORK/olddev/pts" /dev/pts
	mount --rbind "$WORK/olddev/shm" /dev/shm
	# a bound /dev/ptmx node fails openpty() with ENOENT here; the
	# devpts instance's own ptmx works (sshd -t sessions, sshpass)
	ln -s pts/ptmx /dev/ptmx
	ln -s /proc/self/fd /dev/fd
	ln -s fd/0 /dev/stdin
	ln -s fd/1 /dev/stdout
	ln -s fd/2 /dev/stderr
	"$BIN/log-listen" /dev/log "$SYSLOG" &
	LOG_PID=$!
	for _ in $(seq 50); do [ -S /dev/log ] && break; sleep 0.02; done
}

sandbox_setup() {
	make_workdir
	# everything below writes under $WORK: never let it be empty
	[ -n "${WORK-}" ] && [ -x "$BUILD/apikey-helper" ] || {
		echo "not ok - sandbox setup (no work directory or no build in $BUILD)"
		exit 1
	}
	CLEANUP_HOOK='sandbox_cleanup'
	BIN=$WORK/bin
	mkdir -m 0755 "$BIN"
	install -m 4755 -o root "$BUILD/apikey-helper" "$BIN/apikey-helper"
	install -m 0644 "$BUILD/pam_apikey.so" "$BIN/pam_apikey.so"
	for t in apikeyctl apikeyd apikey-sync apikey-askpass pam-test log-listen testtool; do
		install -m 0755 "$BUILD/$t" "$BIN/$t"
	done
	[ -x "$BUILD/centralgen" ] && install -m 0755 "$BUILD/centralgen" "$BIN/centralgen"
	mkdir -m 0700 "$WORK/store" "$WORK/pepper"
	mount --bind "$WORK/store" "$STORE_DIR"
	mount --bind "$WORK/pepper" "$PEPPER_DIR"
	# never the host's apikeyd: this one's socket, or none
	mkdir -m 0755 "$WORK/daemon"
	mount --bind "$WORK/daemon" "$DAEMON_DIR"
	DB=$STORE_DIR/keys.db
	CTL=$BIN/apikeyctl
	$CTL init >/dev/null 2>&1
	mkdir -m 0755 "$WORK/pam.d"
	sandbox_log
	TEST_USERS=""
	[ -n "${APIKEY_TEST_DAEMON-}" ] && sandbox_apikeyd
}

# sandbox_apikeyd [SOCKET]: apikeyd serving this sandbox's store, on the
# default socket (the module asks it before the helper) unless told;
# DAEMON_PID.  APIKEY_TEST_DAEMON=1 starts it for a whole suite
# (tests/run.sh runs the login suites so too).
sandbox_apikeyd() {
	"$BIN/apikeyd" ${1:+--socket "$1"} 2>>"$WORK/apikeyd.err" &
	DAEMON_PID=$!
	for _ in $(seq 250); do
		[ -S "${1:-$DAEMON_DIR/apikeyd.sock}" ] && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.02
	done
	not_ok "apikeyd starts" "$(cat "$WORK/apikeyd.err")"
	return 1
}

sandbox_stop_apikeyd() {
	[ -n "${DAEMON_PID-}" ] || return 0
	kill "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	# a suite run for apikeyd must have been served by it
	if [ -n "${APIKEY_TEST_DAEMON-}" ]; then
		check "apikeyd served this suite's logins" grep -Eq \
			"apikeyd\\[$DAEMON_PID\\]: stopping after [1-9][0-9]* requests" \
			<<<"$(syslog_text)"
	fi
	DAEMON_PID=""
}

sandbox_cleanup() {
	sandbox_stop_agents
	sandbox_pg_cleanup
	sandbox_stop_servers
	sandbox_stop_sshd
	sandbox_stop_apikeyd
	settle # the last tracking children still write to the store
	# userdel rewrites /etc/group: never while a test's copy is bound over it
	mountpoint -q /etc/group && umount /etc/group
	[ -n "${LOG_PID-}" ] && kill "$LOG_PID" 2>/dev/null
	# never let rm reach the host's /dev through the bind
	umount -R -l "$WORK/olddev" 2>/dev/null
	for u in $TEST_USERS; do userdel -r "$u" >/dev/null 2>&1 || userdel "$u" >/dev/null 2>&1; done
}

# sandbox_user NAME: a fresh test account (removed at exit), with no trace
# of an earlier one left
sandbox_user() {
	userdel -r "$1" >/dev/null 2>&1
	groupdel "$1" >/dev/null 2>&1
	useradd -m -s /bin/bash "$1" 2>/dev/null ||
		echo "# sandbox: useradd $1 failed" >&2
	TEST_USERS="$TEST_USERS $1"
}

# sandbox_login_users: the accounts the login suites share: $ALICE, whose
# unix password is "alice-unix-pw" (a key-or-password stack must still take
# it), and $BOB, whose keys alice must not be able to use
ALICE=pakt_alice
BOB=pakt_bob
sandbox_login_users() {
	sandbox_user $ALICE
	sandbox_user $BOB
	echo "$ALICE:alice-unix-pw" | chpasswd
}

# settle: waits (at most 5 s) until no helper runs (nor a test's copy of
# it, root-helper), so the tracking rows that helpers write after
# answering (helper/track.c) are in the store
settle() {
	# apikeyd writes what gathered for 20 ms, in one transaction
	[ -n "${DAEMON_PID-}" ] && sleep 0.2
	for _ in $(seq 100); do
		pgrep -x apikey-helper >/dev/null || pgrep -x root-helper >/dev/null || return 0
		sleep 0.05
	done
}

# ---- shared by the suites (one copy each) --------------------------------

# syslog_text: what has been logged so far.  A marker is logged last and
# waited for: /dev/log is a FIFO, so every line sent before it is then in
# $SYSLOG (the listener writes them a moment after they are sent).
syslog_text() {
	marker="log-barrier-$$-$RANDOM"
	logger -u /dev/log -d -t log-barrier "$marker" 2>/dev/null
	for _ in $(seq 200); do
		grep -q "$marker" "$SYSLOG" && break
		sleep 0.01
	done
	grep -v 'log-barrier' "$SYSLOG"
}

# as_user USER COMMAND...: runs the command as that unprivileged user
as_user() { setpriv --reuid="$1" --regid="$1" --init-groups "${@:2}"; }

# request OP USER RHOST KEY [DB]: a helper request on stdout, made by the
# real encoder (common/protocol.c) through testtool; OP is A (a key) or C
# (an account check by key id); the service is "test"
request() { "$BIN/testtool" request "$1" "$2" "$3" test "${5-}" "$4"; }

# raw_request OP USER RHOST SERVICE DB KEY: the same framing written by
# hand, for the requests the encoder would refuse to make (over a cap, a
# control or invalid byte): only to show the helper refuses them
raw_request() { printf 'PAK1\0%s\0%s\0%s\0%s\0%s\0%s\0' "$@"; }

# status_of COMMAND...: its exit status, its output thrown away
status_of() {
	"$@" >/dev/null 2>&1
	echo $?
}

# wrong_secret KEY: a well-formed key with KEY's id and another secret
wrong_secret() { "$BIN/testtool" key "${1:5:12}" "$(printf 'W%.0s' $(seq 32))"; }

# pam_auth SERVICE USER PASSWORD [pam-test options]: the result's name of
# pam_authenticate through a real libpam stack from $WORK/pam.d
pam_auth() {
	printf '%s\n' "$3" | "$BIN/pam-test" "$WORK/pam.d" "$1" "$2" "${@:4}" | sed -n 's/^auth=//p'
}

# user_auth AS-USER SERVICE USER PASSWORD [pam-test options]: pam_auth,
# run by an unprivileged user
user_auth() {
	u=$1 svc=$2 user=$3 pw=$4
	shift 4
	printf '%s\n' "$pw" | as_user "$u" "$BIN/pam-test" "$WORK/pam.d" "$svc" "$user" "$@" | sed -n 's/^auth=//p'
}

# newkey USER [apikeyctl create options]: a new key, only the key printed
newkey() { $CTL create "$@" --quiet 2>/dev/null; }

# key_json REF: apikeyctl show --json
key_json() { $CTL show "$1" --json; }

# dbq [SQL]: a query of the test store (waiting for writers); without SQL
# the statements come from stdin
dbq() { sqlite3 -cmd '.timeout 5000' "$DB" "$@"; }

# store_intact: once the tracking rows are in, the store passes
# integrity_check
store_intact() {
	settle
	[ "$(dbq 'PRAGMA integrity_check')" = ok ]
}

# service NAME LINE...: writes a PAM service file into $WORK/pam.d
service() {
	name=$1
	shift
	printf '%s\n' "$@" >"$WORK/pam.d/$name"
}

# sandbox_pamd NAME LINE...: /etc/pam.d/NAME holds the given lines; the
# rest of /etc/pam.d is a copy of the host's, bound over it here only
sandbox_pamd() {
	if [ ! -d "$WORK/etc-pam.d" ]; then
		mkdir -m 0755 "$WORK/etc-pam.d"
		cp -a /etc/pam.d/. "$WORK/etc-pam.d/"
		mount --bind "$WORK/etc-pam.d" /etc/pam.d
	fi
	name=$1
	shift
	printf '%s\n' "$@" >"/etc/pam.d/$name"
}

# sandbox_run_log: private /run (sshd's privilege separation directory,
# the servers' runtime files) and /var/log
sandbox_run_log() {
	mountpoint -q /run && [ -d /run/sshd ] && return 0
	mount -t tmpfs -o mode=0755 tmpfs /run
	mkdir -m 0755 /run/sshd "$DAEMON_DIR"
	mount --bind "$WORK/daemon" "$DAEMON_DIR"
	mount -t tmpfs -o mode=0755 tmpfs /var/log
}

# sandbox_sshd PAM-LINE...: a real /usr/sbin/sshd on 127.0.0.1 and ::1,
# port $SSH_PORT, whose /etc/pam.d/sshd holds the given lines (the rest of
# /etc/pam.d is a copy of the host's).  /run and /var/log are private.
sandbox_sshd() {
	SSHD_DIR=$WORK/sshd
	mkdir -m 0755 "$SSHD_DIR"
	sandbox_pamd sshd "$@"
	sandbox_run_log
	ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/host_ed25519"
	for _ in 1 2 3 4 5; do
		SSH_PORT=$((20000 + RANDOM % 30000))
		write_sshd_config
		/usr/sbin/sshd -D -e -f "$SSHD_DIR/sshd_config" 2>>"$SSHD_DIR/log" &
		SSHD_PID=$!
		for _ in $(seq 100); do
			if (exec 3<>"/dev/tcp/127.0.0.1/$SSH_PORT") 2>/dev/null; then
				return 0
			fi
			kill -0 "$SSHD_PID" 2>/dev/null || break
			sleep 0.02
		done
		kill "$SSHD_PID" 2>/dev/null
		wait "$SSHD_PID" 2>/dev/null
	done
	echo "not ok - sshd starts (see $SSHD_DIR/log)"
	cat "$SSHD_DIR/log"
	return 1
}

write_sshd_config() {
	cat >"$SSHD_DIR/sshd_config" <<CONF
Port $SSH_PORT
ListenAddress 127.0.0.1
ListenAddress ::1
HostKey $SSHD_DIR/host_ed25519
PidFile $SSHD_DIR/sshd.pid
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication yes
PubkeyAuthentication no
PermitRootLogin no
UseDNS no
MaxAuthTries 2
LogLevel VERBOSE
AllowUsers $TEST_USERS
Subsystem sftp internal-sftp
CONF
}

sandbox_stop_sshd() {
	if [ -n "${SSHD_PID-}" ]; then
		kill "$SSHD_PID" 2>/dev/null
		wait "$SSHD_PID" 2>/dev/null
	fi
}

# ---- HTTP servers that ask PAM: workers as www-data ---------------------

# sandbox_verifier_group MEMBER...: the verifier group (apikey-verify, the
# build's VERIFY_GROUP) with these members, in a copy of /etc/group bound
# over it here only.  Make every test account first: useradd cannot write
# through the bind.
sandbox_verifier_group() {
	cp /etc/group "$WORK/group"
	gid=$(awk -F: 'BEGIN {g = 64000} {used[$3] = 1} END {while (used[g]) g++; print g}' /etc/group)
	echo "apikey-verify:x:$gid:$(IFS=,; echo "$*")" >>"$WORK/group"
	mount --bind "$WORK/group" /etc/group
}

# free_port: a loopback TCP port nothing listens on
free_port() {
	for _ in $(seq 20); do
		p=$((20000 + RANDOM % 30000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}

# wait_port PORT PID: until something listens there (false if PID died)
wait_port() {
	for _ in $(seq 150); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.02
	done
	return 1
}

# sandbox_nginx DIR SERVER-BLOCK-FILE [WORKER-USER]: a real nginx with
# ngx_http_auth_pam (one worker, as www-data unless told) serving the
# given server block (its listen and root lines as the caller wrote them);
# NGINX_PID
sandbox_nginx() {
	mkdir -p "$1/tmp"
	cat >"$1/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_http_auth_pam_module.so;
user ${3:-www-data};
worker_processes 1;
pid $1/nginx.pid;
error_log $1/error.log;
events {}
http {
  access_log $1/access.log;
  client_body_temp_path $1/tmp/body;
  proxy_temp_path $1/tmp/proxy;
  fastcgi_temp_path $1/tmp/fastcgi;
  uwsgi_temp_path $1/tmp/uwsgi;
  scgi_temp_path $1/tmp/scgi;
$(cat "$2")
}
CONF
	sandbox_run_log
	# a session of its own: a server signals its whole process group
	setsid nginx -c "$1/nginx.conf" -g 'daemon off;' 2>>"$1/error.log" &
	NGINX_PID=$!
	SERVER_PIDS="${SERVER_PIDS-} $NGINX_PID"
}

# sandbox_apache DIR PORT DOCROOT CONFIG-FILE: a real Apache (prefork,
# workers as www-data) with mod_authnz_pam, the given configuration inside
# its server; APACHE_PID
sandbox_apache() {
	m=/usr/lib/apache2/modules
	mkdir -p "$1"
	cat >"$1/httpd.conf" <<CONF
ServerName localhost
Listen 127.0.0.1:$2
PidFile $1/httpd.pid
DefaultRuntimeDir $1
ErrorLog $1/error.log
User www-data
Group www-data
StartServers 1
MaxRequestWorkers 4
LoadModule mpm_prefork_module $m/mod_mpm_prefork.so
LoadModule authn_core_module $m/mod_authn_core.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule authz_user_module $m/mod_authz_user.so
LoadModule auth_basic_module $m/mod_auth_basic.so
LoadModule authnz_pam_module $m/mod_authnz_pam.so
LoadModule dir_module $m/mod_dir.so
DirectoryIndex index.html
DocumentRoot $3
$(cat "$4")
CONF
	sandbox_run_log
	# a session of its own: Apache stops its children by signalling its
	# process group, which would otherwise be this test's
	setsid apache2 -f "$1/httpd.conf" -DFOREGROUND 2>>"$1/error.log" &
	APACHE_PID=$!
	SERVER_PIDS="${SERVER_PIDS-} $APACHE_PID"
}

sandbox_stop_servers() {
	for pid in ${SERVER_PIDS-}; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	SERVER_PIDS=""
}

# http_code URL [curl options]: the HTTP status of a GET
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 20 "${@:2}" "$1"; }

SSH_OPTS=(-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1
	-o ConnectTimeout=10 -o BatchMode=no)

# key_ssh KEY [ssh options...] USER@HOST COMMAND: ssh with the key through
# apikey-askpass, which answers only USER's prompts
key_ssh() {
	k=$1
	shift
	for a in "$@"; do case $a in -*) ;; *@*) u=${a%@*}; break ;; esac; done
	APIKEY=$k APIKEY_USER=$u SSH_ASKPASS="$BIN/apikey-askpass" SSH_ASKPASS_REQUIRE=force \
		ssh "${SSH_OPTS[@]}" -p "$SSH_PORT" "$@" </dev/null
}

# the stack README.md recommends for "key or password": a key, whole or
# mistyped, is decided by pam_apikey (ignore=ignore lets only an ordinary
# password go on to pam_unix)
KEY_OR_PASSWORD="auth [success=done ignore=ignore default=die]"

# ---- PostgreSQL (the central store) -------------------------------------
# AGENT_PIDS: apikey-sync agents a suite started (stopped at cleanup)
AGENT_PIDS=""
sandbox_stop_agents() {
	for p in $AGENT_PIDS; do kill "$p" 2>/dev/null; done
	for p in $AGENT_PIDS; do wait "$p" 2>/dev/null; done
	AGENT_PIDS=""
}

# sandbox_postgres: a private PostgreSQL 15 server on a unix socket in its
# own directory (no TCP), made with initdb and trust authentication
# (docs/TESTING.md); PG_DIR, PG_ADMIN (a connection string for the
# superuser).  sandbox_pg_stop and sandbox_pg_start stop and start it again;
# the cleanup stops it.
PG_BIN=/usr/lib/postgresql/15/bin
sandbox_postgres() {
	PG_DIR=$(mktemp -d /tmp/pam_apikey-pg.XXXXXX) || return 1
	chown postgres "$PG_DIR"
	chmod 0700 "$PG_DIR"
	runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust \
		-U postgres >"$PG_DIR/initdb.log" 2>&1 || {
		not_ok "PostgreSQL initdb" "$(cat "$PG_DIR/initdb.log")"
		return 1
	}
	PG_ADMIN="host=$PG_DIR dbname=postgres user=postgres"
	CLEANUP_PG=1
	sandbox_pg_start
}

sandbox_pg_start() {
	# the socket directory is reached by root (agents, apikeyctl) only
	runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" \
		-o "-k $PG_DIR -c listen_addresses='' -c max_connections=200" \
		-l "$PG_DIR/log" -w start >/dev/null 2>&1 || {
		not_ok "PostgreSQL starts" "$(tail -5 "$PG_DIR/log")"
		return 1
	}
}

sandbox_pg_stop() {
	runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w \
		stop >/dev/null 2>&1
}

# psql_admin SQL...: runs SQL as the superuser, unaligned, quiet
psql_admin() { psql -X -q -At -v ON_ERROR_STOP=1 "$PG_ADMIN" "$@"; }

sandbox_pg_cleanup() {
	[ -n "${CLEANUP_PG-}" ] || return 0
	sandbox_pg_stop
	rm -rf --one-file-system "$PG_DIR"
	CLEANUP_PG=""
}
