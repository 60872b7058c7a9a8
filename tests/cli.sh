#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# apikeyctl end to end, as root, against a store in a private directory.
. "$(dirname "$0")/lib.sh"
make_workdir
DB=$WORK/lib/keys.db
PEPPER=$WORK/etc/pepper
CTL="$BUILD/apikeyctl --db $DB --pepper $PEPPER --policy $WORK/etc/policy.conf"
ctl() { $CTL "$@"; }
KEY_RE='^pak1_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}$'
key_count() { sqlite3 "$DB" 'SELECT count(*) FROM keys'; }
mode_of() { stat -c '%a %U' "$1"; }

# the record fields apikeyctl(8) lists under JSON, in its order
json_fields_documented() {
	sed -n '/^\.SH JSON/,/^\.SH /p' "$TOP/ctl/apikeyctl.8" |
		awk 'prev == ".TP" && $1 == ".B" {printf "%s%s", sep, $2; sep = " "} {prev = $0}'
}

test_init() {
	run_cmd ctl init
	expect_eq "init succeeds" 0 "$RC"
	expect_eq "store file is root 0600" "600 root" "$(mode_of "$DB")"
	expect_eq "store directory is root 0700" "700 root" "$(mode_of "$WORK/lib")"
	expect_eq "pepper is root 0400" "400 root" "$(mode_of "$PEPPER")"
	expect_eq "pepper is 32 bytes" 32 "$(stat -c %s "$PEPPER")"
	expect_eq "store uses WAL" wal "$(sqlite3 "$DB" 'PRAGMA journal_mode')"
	expect_eq "store schema is at the latest version" "$(ls "$TOP"/schema/[0-9]*.sql | wc -l)" "$(sqlite3 "$DB" "PRAGMA user_version")"
	before=$(sha256sum <"$PEPPER")
	ctl create root --name keep --quiet >/dev/null
	run_cmd ctl init
	expect_eq "init again succeeds" 0 "$RC"
	expect_eq "init again keeps the pepper" "$before" "$(sha256sum <"$PEPPER")"
	expect_eq "init again keeps the keys" 1 "$(key_count)"
}

test_create_output() {
	run_cmd ctl create root --name out1
	expect_eq "create succeeds" 0 "$RC"
	check "create prints one key on stdout" grep -Eq "$KEY_RE" <<<"$OUT"
	expect_contains "create says on stderr the key is shown once" "only time the key is shown" "$ERR"
	run_cmd ctl create root --name out2 --quiet
	check "--quiet prints only the key" grep -Eq "$KEY_RE" <<<"$OUT"
	expect_eq "--quiet prints nothing on stderr" "" "$ERR"
	run_cmd ctl create root --name out3 --json --description "d"
	expect_eq "--json is one object with the key" \
		"out3 root 0 d true" \
		"$(jq -r '[.name, .user, .uid, .description, (.key|test("^pak1_"))]|join(" ")' <<<"$OUT")"
	# every field ctl/json.c writes, and no other (apikeyctl(8) documents them)
	expect_eq "--json has every documented field and no other" \
		"$(json_fields_documented) key" "$(jq -r 'keys_unsorted | join(" ")' <<<"$OUT")"
	check "--json times are ISO 8601 UTC" grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' <<<"$(jq -r .created_at <<<"$OUT")"
	key=$(jq -r .key <<<"$OUT")
	expect_lacks "the key is not in the store" "$key" "$(sqlite3 "$DB" .dump)"
	secret=${key:18:32}
	expect_lacks "the secret is not in the store" "$secret" "$(sqlite3 "$DB" .dump)"
	expect_lacks "show never prints the key" "$secret" "$(ctl show root/out3 --json; ctl show root/out3; ctl list --json)"
}

test_create_expiry() {
	now=$(date +%s)
	exp=$(ctl create root --name e90 --json 2>/dev/null | jq -r .expires_at)
	days=$(( ($(date -d "$exp" +%s) - now + 60) / 86400 ))
	expect_eq "default expiry is 90 days" 90 "$days"
	expect_eq "--never-expire stores no expiry" null "$(ctl create root --name enever --never-expire --json 2>/dev/null | jq -r .expires_at)"
	expect_eq "--expires DATE is valid through that day" "2100-01-01T00:00:00Z" \
		"$(ctl create root --name edate --expires 2099-12-31 --json 2>/dev/null | jq -r .expires_at)"
	expect_eq "--expires date-time" "2099-06-01T12:30:00Z" \
		"$(ctl create root --name etime --expires 2099-06-01T12:30Z --json 2>/dev/null | jq -r .expires_at)"
	exp=$(ctl create root --name e2w --expires +2w --json 2>/dev/null | jq -r .expires_at)
	expect_eq "--expires +2w" 14 "$(( ($(date -d "$exp" +%s) - now + 60) / 86400 ))"
	run_cmd ctl create root --name epast --expires 2020-01-01
	expect_eq "past expiry is refused" 1 "$RC"
	expect_contains "past expiry error names it" "'2020-01-01' is in the past" "$ERR"
	run_cmd ctl create root --name ebad --expires 2030-02-30
	expect_contains "impossible date is refused by name" "bad expiry '2030-02-30'" "$ERR"
	run_cmd ctl create root --name eboth --expires +1d --never-expire
	expect_eq "--expires with --never-expire is a usage error" 2 "$RC"
	expect_eq "refused creates left nothing" 0 "$(sqlite3 "$DB" "SELECT count(*) FROM keys WHERE name IN ('epast','ebad','eboth')")"
}

test_create_errors() {
	count=$(key_count)
	run_cmd ctl create no_such_user_x --name a
	expect_eq "unknown user is refused" 1 "$RC"
	expect_contains "unknown user error names the user" "user 'no_such_user_x' does not exist" "$ERR"
	run_cmd ctl create root --name out1
	expect_eq "duplicate name is refused" 1 "$RC"
	expect_contains "duplicate name error names it" "already has a key named 'out1'" "$ERR"
	run_cmd ctl create root --name badcidr --allow 1.2.3
	expect_contains "bad CIDR error names the entry" "'1.2.3' is not an IPv4 or IPv6 address" "$ERR"
	run_cmd ctl create root --name hostbits --deny 10.1.2.3/8
	expect_contains "host bits refused with the right block" "did you mean 10.0.0.0/8?" "$ERR"
	run_cmd ctl create root --name "$(printf 'a\nb')"
	expect_contains "name with a newline is refused" "name must be printable" "$ERR"
	run_cmd ctl create root --name "$(printf 'n%.0s' $(seq 129))"
	expect_contains "name over 128 characters is refused" "longer than 128" "$ERR"
	run_cmd ctl create root --name ""
	expect_contains "empty name is refused" "must not be empty" "$ERR"
	run_cmd ctl create root
	expect_eq "create without --name is a usage error" 2 "$RC"
	expect_contains "usage error shows the usage" "usage:" "$ERR"
	expect_eq "refused creates changed nothing" "$count" "$(key_count)"
}

test_names_verbatim() {
	name=$'it\'s "quoted"; DROP TABLE keys; --'
	desc=$'first line\nsecond\tline \\ end'
	ctl create root --name "$name" --description "$desc" --quiet >/dev/null
	expect_eq "hostile name is stored verbatim" "$name" "$(ctl show "root/$name" --json | jq -r .name)"
	expect_eq "description with newlines is stored verbatim" "$desc" "$(ctl show "root/$name" --json | jq -r .description)"
	check "the keys table survived" test "$(key_count)" -gt 1
	ctl create root --name "a/b c" --quiet >/dev/null
	expect_eq "REF USER/NAME works with a slash in the name" "a/b c" "$(ctl show "root/a/b c" --json | jq -r .name)"
}

test_save_pak() {
	pak=$WORK/k.pak
	key=$(ctl create root --name saved --save "$pak" --quiet)
	expect_eq ".pak file is mode 0600" "600 root" "$(mode_of "$pak")"
	expect_contains ".pak holds the key" "key: $key" "$(cat "$pak")"
	expect_contains ".pak holds the user" "user: root" "$(cat "$pak")"
	expect_contains ".pak holds the name" "name: saved" "$(cat "$pak")"
	id=$(ctl show root/saved --json | jq -r .id)
	expect_contains ".pak holds the id" "id: $id" "$(cat "$pak")"
	check ".pak holds the expiry" grep -Eq '^expires: [0-9]{4}-' "$pak"
	echo precious >"$WORK/existing"
	run_cmd ctl create root --name saved2 --save "$WORK/existing"
	expect_eq "--save never overwrites" precious "$(cat "$WORK/existing")"
	expect_contains "--save over a file is an error naming it" "already exists" "$ERR"
	expect_eq "--save failure creates no key" "" "$(sqlite3 "$DB" "SELECT id FROM keys WHERE name='saved2'")"
	run_cmd ctl create root --name saved4 --save-hosts 'h.example.org'
	expect_eq "--save-hosts without --save is a usage error" 2 "$RC"
	run_cmd ctl create root --name saved5 --save "$WORK/s5.pak" --save-hosts $'h\nkey: x'
	expect_eq "--save-hosts with a newline is a usage error" 2 "$RC"
	check "... and writes no file" test ! -e "$WORK/s5.pak"
	ln -s "$WORK/target" "$WORK/link.pak"
	run_cmd ctl create root --name saved3 --save "$WORK/link.pak"
	check "--save does not follow a symlink" test ! -e "$WORK/target"
	expect_eq "--save to a symlink is refused" 1 "$RC"
}

test_list() {
	sqlite3 "$DB" "UPDATE keys SET expires_at = strftime('%s','now') - 3*86400 - 60 WHERE name='e2w'"
	sqlite3 "$DB" "UPDATE keys SET last_used_at = 1796000000, last_used_ip = '192.0.2.44' WHERE name='out1'"
	run_cmd ctl list
	header=$(head -1 <<<"$OUT")
	expect_eq "list has the documented columns" "ID USER NAME SERVICES LAST LOGIN LAST IP EXPIRES CREATED" "$(tr -s ' ' <<<"$header" | sed 's/ $//')"
	expect_contains "list shows a never-expiring key" "never" "$(grep enever <<<"$OUT")"
	expect_contains "list shows days remaining" "90 days" "$(grep ' e90 ' <<<"$OUT")"
	expect_contains "list keeps expired keys and says so" "expired 3 days ago" "$(grep ' e2w ' <<<"$OUT")"
	expect_contains "list shows last login and IP" "192.0.2.44" "$(grep ' out1 ' <<<"$OUT")"
	expect_eq "list --json is an array of every key" "$(key_count)" "$(ctl list --json | jq length)"
	expect_eq "list USER filters" 0 "$(ctl list nobody --json | jq length)"
	ctl create nobody --name theirs --quiet >/dev/null
	expect_eq "list USER shows that user's keys" "theirs" "$(ctl list nobody --json | jq -r '.[].name')"
}

test_show() {
	ctl create root --name shown --description "for show" --allow 192.0.2.0/24 --allow 2001:db8::/32 --deny 10.0.0.0/8 --quiet >/dev/null
	ctl edit root/shown --disable 2001:db8::/32 >/dev/null
	sqlite3 "$DB" "UPDATE keys SET use_count = 7, last_denied_at = 1796000000, last_denied_ip = '203.0.113.9', last_denied_reason = 'address not in allow list' WHERE name='shown'"
	run_cmd ctl show root/shown
	expect_contains "show has the description" "for show" "$OUT"
	expect_contains "show lists allow entries with state" "2001:db8::/32" "$(grep disabled <<<"$OUT")"
	expect_contains "show lists deny entries" "10.0.0.0/8" "$(grep 'Deny list' <<<"$OUT")"
	expect_contains "show has the use count" "Use count:    7" "$OUT"
	expect_contains "show has the last denial" "from 203.0.113.9: address not in allow list" "$OUT"
	expect_eq "show --json lists rules with enabled flags" \
		'[{"cidr":"192.0.2.0/24","enabled":true},{"cidr":"2001:db8::/32","enabled":false}]' \
		"$(ctl show root/shown --json | jq -c .allow)"
	id=$(ctl show root/shown --json | jq -r .id)
	expect_eq "show by id finds the same key" shown "$(ctl show "$id" --json | jq -r .name)"
	run_cmd ctl show root/absent
	expect_contains "show of an unknown REF names it" "no key matches 'root/absent'" "$ERR"
	run_cmd ctl show not-an-id
	expect_eq "show of a malformed REF is a usage error" 2 "$RC"
}

test_edit_keeps_key() {
	key=$(ctl create root --name ed --allow 192.0.2.0/24 --deny 198.51.100.0/24 --quiet)
	hash_before=$(sqlite3 "$DB" "SELECT hex(hash) FROM keys WHERE name='ed'")
	ctl edit root/ed --name ed2 --description "new" --expires +5d \
		--allow 203.0.113.0/24 --remove 198.51.100.0/24 --disable 192.0.2.0/24 >/dev/null
	j=$(ctl show root/ed2 --json)
	expect_eq "edit renames" ed2 "$(jq -r .name <<<"$j")"
	expect_eq "edit changes the description" new "$(jq -r .description <<<"$j")"
	expect_eq "edit changes the allow list" '192.0.2.0/24:false 203.0.113.0/24:true' "$(jq -r '[.allow[]|"\(.cidr):\(.enabled)"]|join(" ")' <<<"$j")"
	expect_eq "edit removes from the deny list" 0 "$(jq '.deny|length' <<<"$j")"
	expect_eq "edit never changes the stored hash" "$hash_before" "$(sqlite3 "$DB" "SELECT hex(hash) FROM keys WHERE name='ed2'")"
	run_cmd ctl verify root --rhost 203.0.113.5 <<<"$key"
	expect_eq "the same key still works after edit" 0 "$RC"
	ctl edit root/ed2 --enable 192.0.2.0/24 --never-expire >/dev/null
	expect_eq "edit --never-expire clears the expiry" null "$(ctl show root/ed2 --json 2>/dev/null | jq -r .expires_at)"
	before=$(ctl show root/ed2 --json)
	run_cmd ctl edit root/ed2 --name renamed-again --remove 10.9.9.0/24
	expect_contains "removing a missing entry is an error naming it" "10.9.9.0/24 is in neither" "$ERR"
	expect_eq "a refused edit changes nothing" "$before" "$(ctl show root/ed2 --json)"
	run_cmd ctl edit root/ed2 --allow 192.0.2.0/24
	expect_contains "adding an entry twice is an error" "already in the allow list" "$ERR"
	run_cmd ctl edit root/ed2 --name out1
	expect_contains "renaming onto a taken name is refused" "already has a key named 'out1'" "$ERR"
	run_cmd ctl edit root/ed2
	expect_eq "edit with nothing to change is a usage error" 2 "$RC"
	run_cmd ctl edit root/ed2 --expires 2001-01-01
	expect_contains "edit refuses a past expiry" "in the past" "$ERR"
	run_cmd ctl edit root/ed2 --remove ::ffff:192.0.2.0/120
	expect_eq "edit matches entries after normalisation" 0 "$RC"
}

test_delete() {
	key=$(ctl create root --name gone --quiet)
	run_cmd ctl verify root <<<"$key"
	expect_eq "key works before delete" 0 "$RC"
	run_cmd ctl delete root/gone --yes
	expect_eq "delete --yes succeeds" 0 "$RC"
	run_cmd ctl verify root <<<"$key"
	expect_eq "deleted key is refused at once" 1 "$RC"
	expect_eq "deleted key's rules are gone" 0 "$(sqlite3 "$DB" "SELECT count(*) FROM ip_rules WHERE key_id NOT IN (SELECT id FROM keys)")"
	run_cmd ctl delete root/gone --yes
	expect_contains "deleting an unknown key is an error" "no key matches 'root/gone'" "$ERR"
	ctl create root --name asked --quiet >/dev/null
	echo n | script -qec "$CTL delete root/asked" /dev/null >/dev/null
	expect_eq "delete on a terminal answered 'n' keeps the key" asked "$(ctl show root/asked --json | jq -r .name)"
	echo y | script -qec "$CTL delete root/asked" /dev/null >/dev/null
	expect_eq "delete on a terminal answered 'y' deletes" "" "$(sqlite3 "$DB" "SELECT name FROM keys WHERE name='asked'")"
}

test_usage_and_root() {
	run_cmd "$BUILD/apikeyctl"
	expect_eq "no command is a usage error" 2 "$RC"
	run_cmd ctl frobnicate
	expect_eq "unknown command is a usage error" 2 "$RC"
	run_cmd ctl list --bogus
	expect_eq "unknown option is a usage error" 2 "$RC"
	cp "$BUILD/apikeyctl" "$WORK/apikeyctl"
	chmod 0755 "$WORK/apikeyctl"
	run_cmd setpriv --reuid=nobody --regid=nogroup --clear-groups "$WORK/apikeyctl" list
	expect_eq "non-root caller is refused" 1 "$RC"
	expect_contains "non-root caller is told why" "must be run as root" "$ERR"
}

test_unsafe_store() {
	d=$WORK/unsafe
	mkdir -m 0700 "$d"
	c="$BUILD/apikeyctl --db $d/lib/keys.db --pepper $d/etc/pepper"
	$c init >/dev/null 2>&1
	chown nobody "$d/lib/keys.db"
	run_cmd $c list
	expect_contains "store not owned by root is refused" "must be owned by root" "$ERR"
	chown root "$d/lib/keys.db"
	chmod 0666 "$d/lib/keys.db"
	run_cmd $c list
	expect_contains "world-writable store is refused" "unsafe file" "$ERR"
	chmod 0644 "$d/lib/keys.db"
	run_cmd $c list
	expect_contains "store readable by others is refused" "unsafe file" "$ERR"
	chmod 0600 "$d/lib/keys.db"
	chmod 0777 "$d/lib"
	run_cmd $c list
	expect_contains "world-writable store directory is refused" "unsafe directory" "$ERR"
	chmod 0700 "$d/lib"
	ln -s "$d/lib/keys.db" "$d/lib/link.db"
	run_cmd "$BUILD/apikeyctl" --db "$d/lib/link.db" --pepper "$d/etc/pepper" list
	expect_contains "store path that is a symlink is refused" "symlink" "$ERR"
	mkfifo "$d/lib/fifo.db"
	run_cmd timeout 5 "$BUILD/apikeyctl" --db "$d/lib/fifo.db" --pepper "$d/etc/pepper" list
	expect_contains "store path that is a FIFO is refused without blocking" "not a regular file" "$ERR"
	chmod 0444 "$d/etc/pepper"
	run_cmd $c create root --name p
	expect_contains "pepper readable by others is refused" "unsafe file" "$ERR"
	chmod 0400 "$d/etc/pepper"
	touch "$d/lib/keys.db-journal"
	chown nobody "$d/lib/keys.db-journal"
	run_cmd $c list
	expect_contains "journal not owned by root is refused" "not a root-owned regular file" "$ERR"
	rm -f "$d/lib/keys.db-journal"
	$c create root --name before-loss --quiet >/dev/null
	mv "$d/etc/pepper" "$d/etc/pepper.bak"
	run_cmd $c init
	expect_contains "init refuses a new pepper for a store with keys" "restore the pepper" "$ERR"
	check "no new pepper was written" test ! -e "$d/etc/pepper"
}

test_fresh_create_initialises() {
	d=$WORK/fresh
	mkdir -m 0700 "$d"
	run_cmd "$BUILD/apikeyctl" --db "$d/lib/keys.db" --pepper "$d/etc/pepper" create root --name first --quiet
	expect_eq "create on a fresh machine initialises the store" 0 "$RC"
	check "create on a fresh machine made the pepper" test -s "$d/etc/pepper"
}

test_rotate() {
	old=$(ctl create root --name rot --description "rotating" --allow 192.0.2.0/24 --deny 10.0.0.0/8 --expires +10d --quiet)
	oldid=${old:5:12}
	run_cmd ctl rotate root/rot --grace 2s
	new=$OUT
	check "rotate prints a new key once" grep -Eq "$KEY_RE" <<<"$new"
	expect_contains "rotate says the key is shown once" "only time the key is shown" "$ERR"
	j=$(ctl show root/rot --json)
	expect_eq "the new key takes the name, description and lists" \
		'rotating [{"cidr":"192.0.2.0/24","enabled":true}] [{"cidr":"10.0.0.0/8","enabled":true}]' \
		"$(jq -c -r '"\(.description) \(.allow) \(.deny)"' <<<"$j")"
	expect_eq "the new key names its predecessor" "$oldid" "$(jq -r .rotated_from <<<"$j")"
	expect_eq "the new key keeps the lifetime" 10 "$(( ($(date -d "$(jq -r .expires_at <<<"$j")" +%s) - $(date -d "$(jq -r .created_at <<<"$j")" +%s)) / 86400 ))"
	expect_eq "show of the old key names the successor" "${new:5:12}" "$(ctl show "$oldid" --json | jq -r .rotated_to)"
	expect_contains "show text names the successor" "Rotated to:   ${new:5:12}" "$(ctl show "$oldid")"
	run_cmd ctl verify root --rhost 192.0.2.1 <<<"$old"
	expect_eq "the old key works during the grace period" 0 "$RC"
	run_cmd ctl verify root --rhost 192.0.2.1 <<<"$new"
	expect_eq "the new key works" 0 "$RC"
	sleep 3
	run_cmd ctl verify root --rhost 192.0.2.1 <<<"$old"
	expect_eq "the old key is refused after the grace period" "refused: key 'rot (rotated $oldid)' (id $oldid) of user root: key expired" "$OUT"
	run_cmd ctl rotate "$oldid"
	expect_contains "a rotated key cannot be rotated again" "already rotated" "$ERR"
	newer=$(ctl rotate root/rot --grace 0 --quiet)
	run_cmd ctl verify root --rhost 192.0.2.1 <<<"$new"
	expect_eq "--grace 0 revokes the old key at once" 1 "$RC"
	run_cmd ctl verify root --rhost 192.0.2.1 <<<"$newer"
	expect_eq "the newest key works" 0 "$RC"
	never=$(ctl create root --name rotnever --never-expire --quiet)
	expect_eq "a never-expiring key rotates to a never-expiring key" null "$(ctl rotate root/rotnever --json 2>/dev/null | jq -r .expires_at)"
	run_cmd ctl rotate root/rot --grace 5y
	expect_eq "a bad --grace is a usage error" 2 "$RC"
}

test_migration() {
	d=$WORK/migrate
	mkdir -m 0700 "$d"
	c="$BUILD/apikeyctl --db $d/lib/keys.db --pepper $d/etc/pepper"
	key=$($c create root --name old-store --quiet 2>/dev/null)
	# turn the store back into a version 1 store, as an older release made it
	sqlite3 "$d/lib/keys.db" "DROP TABLE key_host_groups; DROP TABLE central_sync; DROP TABLE central_deleted; ALTER TABLE keys DROP COLUMN central_revision; ALTER TABLE keys DROP COLUMN origin; ALTER TABLE keys DROP COLUMN last_used_host; ALTER TABLE keys DROP COLUMN sent_use_count; ALTER TABLE keys DROP COLUMN sent_denied_at; DROP TABLE key_services; DROP TABLE verifier_services; DROP TABLE unmatched; ALTER TABLE keys DROP COLUMN rotated_to; ALTER TABLE keys DROP COLUMN rotated_from; PRAGMA user_version = 1"
	run_cmd $c list
	expect_contains "an out-of-date store is refused for reading with advice" "run 'apikeyctl init' to upgrade" "$ERR"
	run_cmd $c init
	expect_eq "init migrates the store to the newest schema" "$(ls "$TOP"/schema/[0-9]*.sql | wc -l)" "$(sqlite3 "$d/lib/keys.db" 'PRAGMA user_version')"
	run_cmd $c verify root <<<"$key"
	expect_eq "keys survive the migration" 0 "$RC"
	sqlite3 "$d/lib/keys.db" "PRAGMA user_version = 99"
	run_cmd $c list
	expect_contains "a store from a newer release is refused" "newer than this program" "$ERR"
}

test_list_limits() {
	args=()
	for i in $(seq 0 63); do args+=(--allow "10.$i.0.0/16"); done
	run_cmd ctl create root --name full "${args[@]}" --quiet
	expect_eq "64 allow entries are accepted" 0 "$RC"
	run_cmd ctl edit root/full --allow 192.0.2.0/24
	expect_contains "a 65th allow entry is refused, naming the limit" "the allow list is full (at most 64 entries" "$ERR"
	expect_eq "... and nothing changed" 64 "$(ctl show root/full --json | jq '.allow | length')"
	run_cmd ctl edit root/full --deny 192.0.2.0/24
	expect_eq "the deny list has a limit of its own" "0 1" "$RC $(ctl show root/full --json | jq '.deny | length')"
	run_cmd ctl create root --name overfull "${args[@]}" --allow 192.0.2.0/24
	expect_eq "create with 65 allow entries is refused" 1 "$RC"
	expect_eq "... and makes no key" "" "$(sqlite3 "$DB" "SELECT id FROM keys WHERE name = 'overfull'")"
}

test_lookalike_names() {
	count=$(key_count)
	run_cmd ctl create root --name $'invoice\xe2\x80\xaegpj.exe'
	expect_contains "a name with a right-to-left override is refused, naming it" "U+202E" "$ERR"
	run_cmd ctl create root --name $'ci\xe2\x80\x8b'
	expect_contains "a name with a zero-width space is refused, naming it" "U+200B" "$ERR"
	run_cmd ctl create root --name $'\xef\xbb\xbfci'
	expect_contains "a name with a byte order mark is refused" "U+FEFF" "$ERR"
	run_cmd ctl create root --name lookalike --description $'fine\nbut \xe2\x81\xa6isolated'
	expect_contains "a description with a bidi isolate is refused" "U+2066" "$ERR"
	expect_eq "refused lookalikes made no key" "$count" "$(key_count)"
	run_cmd ctl create root --name $'deploy \xf0\x9f\x9a\x80' --quiet
	expect_eq "a name with an emoji is accepted" 0 "$RC"
}

test_service_scope() {
	key=$(ctl create root --name scoped --service nginx-api --service apache-api --quiet)
	expect_eq "create --service stores the scope, in order" '["nginx-api","apache-api"]' "$(ctl show root/scoped --json | jq -c .services)"
	expect_contains "show prints the scope" "Services:     nginx-api, apache-api" "$(ctl show root/scoped)"
	expect_contains "list prints the scope" "nginx-api, apache-api" "$(ctl list root | grep ' scoped ')"
	expect_eq "a key without --service may log in through any service" '[] any' \
		"$(ctl show root/out1 --json | jq -c .services) $(ctl list root | awk '$3 == "out1" {print $4}')"
	run_cmd ctl verify root --service nginx-api <<<"$key"
	expect_eq "verify --service with a service in the scope: accepted" 0 "$RC"
	run_cmd ctl verify root --service sshd <<<"$key"
	expect_eq "verify --service with another service: refused, saying why" \
		"1 refused: key 'scoped' (id ${key:5:12}) of user root: service not in the key's scope" "$RC $OUT"
	run_cmd ctl edit root/scoped --remove-service apache-api --service sshd
	expect_eq "edit --remove-service and --service change the scope" '["nginx-api","sshd"]' "$(ctl show root/scoped --json | jq -c .services)"
	before=$(ctl show root/scoped --json)
	run_cmd ctl edit root/scoped --remove-service ftp
	expect_contains "removing a service not in the scope is an error naming it" "ftp is not in the key's scope" "$ERR"
	run_cmd ctl edit root/scoped --service sshd
	expect_contains "adding a service twice is an error" "sshd is already in the key's scope" "$ERR"
	run_cmd ctl edit root/scoped --service 'ng inx'
	expect_contains "a service name with a space is refused, naming it" "'ng inx' is not a PAM service name" "$ERR"
	run_cmd ctl edit root/scoped --service Nginx-API
	expect_contains "a service name with capitals is refused (libpam lowercases service names)" \
		"'Nginx-API' is not a PAM service name (1 to 64 lowercase letters" "$ERR"
	run_cmd ctl edit root/scoped --remove-service nginx-api --remove-service sshd
	expect_eq "removing the last service is refused: it would open the key to every service" \
		"1 apikeyctl: nothing changed: --remove-service: that leaves no service in the scope, and a key with none may log in through every service; give --any-service to mean that, or delete the key" \
		"$RC $ERR"
	run_cmd ctl edit root/scoped --any-service --service ftp
	expect_eq "--any-service with --service is a usage error" 2 "$RC"
	expect_eq "refused edits changed nothing" "$before" "$(ctl show root/scoped --json)"
	ctl create root --name widened --service nginx-api --quiet >/dev/null
	run_cmd ctl edit root/widened --remove-service nginx-api --any-service
	expect_eq "--any-service empties the scope on purpose" "0 []" "$RC $(ctl show root/widened --json | jq -c .services)"
	args=()
	for i in $(seq 17); do args+=(--service "svc$i"); done
	run_cmd ctl create root --name wide "${args[@]}"
	expect_contains "a scope names at most 16 services" "at most 16 services" "$ERR"
	new=$(ctl rotate root/scoped --grace 0 --quiet)
	expect_eq "rotate keeps the scope" '["nginx-api","sshd"]' "$(ctl show root/scoped --json | jq -c .services)"
	ctl rotate root/scoped --grace 0 --service only-this --quiet >/dev/null
	expect_eq "rotate --service gives the successor that scope" '["only-this"]' "$(ctl show root/scoped --json | jq -c .services)"
	expect_eq "the deleted key's services go with it" 0 \
		"$(ctl delete root/scoped --yes >/dev/null; sqlite3 "$DB" 'SELECT count(*) FROM key_services WHERE key_id NOT IN (SELECT id FROM keys)')"
	[ -n "$new" ]
}

# apikeyctl verifier: the services the verifier group may check keys
# through; every change all or nothing, every error naming the service.
test_verifier_services() {
	run_cmd ctl verifier
	expect_eq "no service is open to the verifier group at first" \
		"0  no service is open to the verifier group (apikey-verify)" "$RC $OUT $ERR"
	run_cmd ctl verifier add nginx-api apache-api
	expect_eq "verifier add lists services, saying so" 0 "$RC"
	expect_contains "... naming the group and the service" \
		"the verifier group (apikey-verify) may now check keys scoped to apache-api" "$OUT"
	expect_eq "verifier list prints them, in order" "apache-api
nginx-api" "$(ctl verifier list)"
	expect_eq "verifier list --json" '["apache-api","nginx-api"]' "$(ctl verifier list --json)"
	run_cmd ctl verifier add ftp nginx-api
	expect_eq "adding one already listed is an error naming it, and nothing changes" \
		"1 apikeyctl: nothing changed: nginx-api is already open to the verifier group apache-api,nginx-api" \
		"$RC $ERR $(ctl verifier list --json | jq -r 'join(",")')"
	run_cmd ctl verifier add good 'Bad Name'
	expect_contains "a bad service name is refused, naming it" "'Bad Name' is not a PAM service name" "$ERR"
	expect_eq "... and nothing changes" '["apache-api","nginx-api"]' "$(ctl verifier list --json)"
	run_cmd ctl verifier remove apache-api ftp
	expect_eq "removing one not listed is an error naming it, and nothing changes" \
		"1 apikeyctl: nothing changed: ftp is not open to the verifier group" "$RC $ERR"
	run_cmd ctl verifier remove apache-api
	expect_eq "verifier remove takes it off" '["nginx-api"]' "$(ctl verifier list --json)"
	run_cmd ctl verifier add
	expect_eq "verifier add with no service is a usage error" 2 "$RC"
	run_cmd ctl verifier open nginx-api
	expect_contains "an unknown verifier action is a usage error naming it" "'open' is not list, add or remove" "$ERR"
	ctl verifier remove nginx-api >/dev/null
}

# A store of its own for each policy story: pctl runs apikeyctl on it,
# with its policy file (written by policy TEXT, root 0644).
policy_store() {
	P=$WORK/$1
	mkdir -m 0700 "$P"
	pctl() { $BUILD/apikeyctl --db "$P/lib/keys.db" --pepper "$P/etc/pepper" --policy "$P/etc/policy.conf" "$@"; }
	pctl init >/dev/null 2>&1
}
policy() { printf '%s\n' "$@" >"$P/etc/policy.conf"; chmod 0644 "$P/etc/policy.conf"; }
days_left() { echo $(( ($(date -d "$(pctl show "$1" --json | jq -r .expires_at)" +%s) - $(date +%s) + 3600) / 86400 )); }

test_policy_lifetimes() {
	policy_store pol-life
	pctl create root --name nopolicy --quiet >/dev/null
	expect_eq "without a policy file a key lasts 90 days" 90 "$(days_left root/nopolicy)"
	policy "# short-lived keys" "max_lifetime = 30d" "default_lifetime = 7d"
	pctl create root --name short --quiet >/dev/null
	expect_eq "default_lifetime gives a key made without --expires its expiry" 7 "$(days_left root/short)"
	run_cmd pctl create root --name long --expires +60d
	expect_eq "an expiry past max_lifetime is refused (exit 1)" 1 "$RC"
	expect_contains "... naming the file and the expiry" \
		"apikeyctl: refused by the policy in $P/etc/policy.conf: expires $(date -u -d @$(( $(date +%s) + 60 * 86400 )) +%Y-%m-%dT%H)" "$ERR"
	expect_contains "... saying which maximum" "later than max_lifetime = 30d from now" "$ERR"
	run_cmd pctl create root --name forever --never-expire
	expect_eq "a key that never expires is refused under max_lifetime" \
		"1 apikeyctl: refused by the policy in $P/etc/policy.conf: never expires (max_lifetime = 30d)" "$RC $ERR"
	run_cmd pctl create root --name edge --expires +30d
	expect_eq "an expiry at the maximum is allowed" 0 "$RC"
	run_cmd pctl edit root/nopolicy --expires +60d
	expect_contains "edit cannot move an expiry past the maximum" "later than max_lifetime = 30d" "$ERR"
	run_cmd pctl edit root/nopolicy --description "made before the policy"
	expect_eq "an edit that leaves the expiry alone is allowed on a key made before the policy" 0 "$RC"
	pctl rotate root/nopolicy --grace 0 >/dev/null 2>"$WORK/rot.err"
	expect_eq "rotate caps the successor's lifetime at max_lifetime" 30 "$(days_left root/nopolicy)"
	expect_contains "... and says so" "the successor expires sooner than the old key's lifetime" "$(cat "$WORK/rot.err")"
	expect_eq "refused keys were not made" 0 "$(sqlite3 "$P/lib/keys.db" "SELECT count(*) FROM keys WHERE name IN ('long','forever')")"
	policy "never_expire = deny"
	run_cmd pctl create root --name forever --never-expire
	expect_eq "never_expire = deny refuses --never-expire" \
		"1 apikeyctl: refused by the policy in $P/etc/policy.conf: never expires (never_expire = deny)" "$RC $ERR"
	run_cmd pctl create root --name years --expires +500d
	expect_eq "never_expire = deny alone sets no maximum" 0 "$RC"
}

test_policy_lists_and_limits() {
	policy_store pol-lists
	pctl create root --name old --quiet >/dev/null
	policy "require_allow_list = yes" "require_service = yes" "max_keys_per_user = 2"
	run_cmd pctl create root --name a --service sshd
	expect_eq "require_allow_list refuses a key without an allow entry" \
		"1 apikeyctl: refused by the policy in $P/etc/policy.conf: no enabled allow entry (require_allow_list = yes)" "$RC $ERR"
	run_cmd pctl create root --name a --allow 192.0.2.0/24
	expect_eq "require_service refuses a key without a service scope" \
		"1 apikeyctl: refused by the policy in $P/etc/policy.conf: no service scope (require_service = yes)" "$RC $ERR"
	run_cmd pctl create root --name a --allow 192.0.2.0/24 --service sshd
	expect_eq "a key that follows the policy is made" 0 "$RC"
	run_cmd pctl edit root/a --disable 192.0.2.0/24
	expect_contains "edit cannot switch off the last allow entry" "no enabled allow entry" "$ERR"
	run_cmd pctl edit root/a --remove-service sshd --any-service
	expect_contains "edit cannot empty the scope" "no service scope" "$ERR"
	run_cmd pctl edit root/old --name still-old
	expect_eq "an edit that touches neither list is allowed on an old key" 0 "$RC"
	run_cmd pctl create root --name b --allow 192.0.2.0/24 --service sshd
	expect_eq "max_keys_per_user = 2: the second live key (the old one counts)" 1 "$RC"
	expect_eq "... the third is refused, naming the count" \
		"apikeyctl: no key was created: refused by the policy in $P/etc/policy.conf: user root has 2 working keys (max_keys_per_user = 2)" "$ERR"
	run_cmd pctl create daemon --name d --allow 192.0.2.0/24 --service sshd
	expect_eq "... counted per user" 0 "$RC"
	run_cmd pctl create daemon --name wide --allow 0.0.0.0/0 --allow ::/0 --service sshd
	expect_contains "an allow list of 0.0.0.0/0 and ::/0 fences nothing: refused" "no enabled allow entry" "$ERR"
	run_cmd pctl rotate root/a --grace 0 --quiet
	expect_eq "rotation at the limit is allowed (room for the successor beside the others)" 0 "$RC"
	run_cmd pctl rotate root/still-old
	expect_contains "rotating a key that breaks the policy is refused (nothing to copy)" "no enabled allow entry" "$ERR"
	run_cmd pctl edit root/still-old --expires +5d
	expect_contains "a new expiry holds an old key to every rule" "nothing changed: refused by the policy in $P/etc/policy.conf: no enabled allow entry" "$ERR"
	pctl delete root/still-old --yes >/dev/null
	pctl create root --name expired --allow 192.0.2.0/24 --service sshd --expires +1s --quiet >/dev/null
	sleep 1.5
	run_cmd pctl create root --name c --allow 192.0.2.0/24 --service sshd
	expect_eq "an expired key is not a working key" 0 "$RC"
	run_cmd pctl rotate root/c --grace 1h --quiet
	expect_eq "at the limit, a rotation with a grace period" 0 "$RC"
	run_cmd pctl rotate root/c --grace 1h --quiet
	expect_contains "... but not a second one while the first key still works: no piling up of working keys" \
		"user root has 2 working keys (max_keys_per_user = 2)" "$ERR"
	run_cmd pctl edit root/expired --expires +10d
	expect_contains "bringing an expired key back needs room under max_keys_per_user" "has 3 working keys" "$ERR"
}

test_policy_file_checked() {
	policy_store pol-file
	policy "max_lifetime = 30d" "bogus = 1"
	run_cmd pctl create root --name x
	expect_eq "an unknown setting: the command fails naming file and line" \
		"1 apikeyctl: $P/etc/policy.conf:2: unknown setting 'bogus'" "$RC $ERR"
	policy "max_lifetime = thirty days"
	run_cmd pctl audit
	expect_eq "a bad value: audit cannot run (exit 3), naming it" \
		"3 apikeyctl: $P/etc/policy.conf:1: bad value 'thirty days' for max_lifetime (want N with s, m, h, d or w)" "$RC $ERR"
	policy "max_lifetime = 30d"
	chmod 0666 "$P/etc/policy.conf"
	run_cmd pctl create root --name x
	expect_eq "a world-writable policy is refused" \
		"1 apikeyctl: unsafe file $P/etc/policy.conf: must be owned by root with mode 0755 at most" "$RC $ERR"
	chmod 0644 "$P/etc/policy.conf"
	chown nobody "$P/etc/policy.conf"
	run_cmd pctl create root --name x
	expect_contains "a policy owned by another user is refused" "unsafe file $P/etc/policy.conf" "$ERR"
	chown root "$P/etc/policy.conf"
	mv "$P/etc/policy.conf" "$P/real.conf"
	ln -s "$P/real.conf" "$P/etc/policy.conf"
	run_cmd pctl create root --name x
	expect_contains "a policy that is a symlink is refused" "it is a symlink" "$ERR"
	rm "$P/etc/policy.conf"
	mkdir "$P/etc/policy.conf"
	run_cmd pctl create root --name x
	expect_contains "a policy that is a directory is refused" "not a regular file" "$ERR"
	rmdir "$P/etc/policy.conf"
	mv "$P/real.conf" "$P/etc/policy.conf"
	chmod 0777 "$P/etc"
	run_cmd pctl create root --name x
	expect_contains "a policy in a world-writable directory is refused" "unsafe directory $P/etc" "$ERR"
	chmod 0700 "$P/etc"
	expect_eq "refused commands made no key" 0 "$(sqlite3 "$P/lib/keys.db" 'SELECT count(*) FROM keys')"
	run_cmd $BUILD/apikeyctl --db "$P/lib/keys.db" --pepper "$P/etc/pepper" --policy "$WORK/no/such/dir/policy.conf" create root --name x --quiet
	expect_eq "a missing policy (and directory) is no policy" 0 "$RC"
	run_cmd $BUILD/apikeyctl --policy relative.conf --db "$P/lib/keys.db" --pepper "$P/etc/pepper" create root --name y
	expect_contains "a relative policy path is refused" "bad path relative.conf" "$ERR"
}

# age KEYNAME SQL-SET: change a key's times in the test store (as time would)
age() { sqlite3 "$P/lib/keys.db" "UPDATE keys SET $2 WHERE user = 'root' AND name = '$1'"; }
DAY=86400

test_list_filters() {
	policy_store filters
	for k in fresh used idle expiring gone; do pctl create root --name $k --quiet >/dev/null; done
	now=$(date +%s)
	age idle "created_at = $((now - 100 * DAY))"
	age used "created_at = $((now - 100 * DAY)), last_used_at = $((now - 2 * DAY))"
	age expiring "expires_at = $((now + 3 * DAY))"
	age gone "expires_at = $((now - 10 * DAY))"
	names() { pctl list "$@" --json | jq -r '[.[].name] | join(" ")'; }
	expect_eq "--expired" "gone" "$(names --expired)"
	expect_eq "--expiring-within 5d (not the expired one)" "expiring" "$(names --expiring-within 5d)"
	expect_eq "--expiring-within 2d" "" "$(names --expiring-within 2d)"
	expect_eq "--unused-for 90d: never used counts from creation" "idle" "$(names --unused-for 90d)"
	expect_eq "--unused-for 1d" "idle used" "$(names --unused-for 1d)"
	expect_eq "filters combine" "" "$(names --unused-for 90d --expired)"
	expect_contains "filters work in the table too" " idle " "$(pctl list --unused-for 90d)"
	expect_lacks "... and leave the others out" " fresh " "$(pctl list --unused-for 90d)"
	run_cmd pctl list --unused-for soon
	expect_eq "a bad duration is a usage error naming the option" \
		"2 apikeyctl: list: bad --unused-for 'soon' (want 0 or N with s, m, h, d or w)" "$RC $(head -1 <<<"$ERR")"
	run_cmd pctl list --expired --expiring-within 1d
	expect_eq "--expired with --expiring-within is a usage error" 2 "$RC"
}

test_prune() {
	policy_store prune
	for k in fresh idle old1 old2 recent; do pctl create root --name $k --quiet >/dev/null; done
	now=$(date +%s)
	age idle "created_at = $((now - 200 * DAY))"
	age old1 "expires_at = $((now - 40 * DAY))"
	age old2 "expires_at = $((now - 31 * DAY))"
	age recent "expires_at = $((now - 1 * DAY))"
	run_cmd pctl prune --expired-for 30d --dry-run
	expect_eq "--dry-run names what it would delete" 2 "$(grep -c '^would delete key' <<<"$OUT")"
	expect_contains "... and counts it" "would delete 2 keys" "$OUT"
	expect_eq "... and deletes nothing" 5 "$(sqlite3 "$P/lib/keys.db" 'SELECT count(*) FROM keys')"
	printf 'n\n' | script -qec "$BUILD/apikeyctl --db $P/lib/keys.db --pepper $P/etc/pepper --policy $P/etc/policy.conf prune --expired-for 30d" /dev/null >"$WORK/tty.out" 2>&1
	expect_contains "on a terminal it asks, and 'n' keeps the keys" "nothing deleted" "$(cat "$WORK/tty.out")"
	expect_eq "... all of them" 5 "$(sqlite3 "$P/lib/keys.db" 'SELECT count(*) FROM keys')"
	run_cmd pctl prune --expired-for 30d --yes
	expect_eq "prune --expired-for 30d deletes the keys expired 30 days or more" \
		"fresh idle recent" "$(pctl list --json | jq -r '[.[].name] | join(" ")')"
	expect_contains "... and names them" "deleted key 'old1'" "$OUT"
	expect_contains "... and counts them" "deleted 2 keys; they no longer work" "$OUT"
	run_cmd pctl prune --unused-for 180d --yes
	expect_eq "prune --unused-for 180d deletes the key unused that long" "fresh recent" \
		"$(pctl list --json | jq -r '[.[].name] | join(" ")')"
	run_cmd pctl prune --unused-for 180d --yes
	expect_eq "nothing left to prune is no error" "0 no key matches; nothing deleted" "$RC $OUT"
	run_cmd pctl prune --yes
	expect_eq "prune without a filter is a usage error (it would delete everything)" 2 "$RC"
	run_cmd pctl prune --unused-for 0 --yes
	expect_eq "prune --unused-for 0 (every key) is a usage error" 2 "$RC"
	run_cmd pctl prune --expired-for 0 --yes
	expect_eq "--expired-for 0: every expired key" "fresh" "$(pctl list --json | jq -r '[.[].name] | join(" ")')"
}

test_audit() {
	policy_store audit
	pctl create root --name tidy --allow 192.0.2.0/24 --quiet >/dev/null
	run_cmd pctl audit
	expect_eq "a tidy store: exit 0 and only the summary" \
		"0 audit: 1 key, 0 with findings (no policy file at $P/etc/policy.conf)" "$RC $OUT"
	pctl create root --name forever --never-expire --allow 192.0.2.0/24 --quiet >/dev/null
	pctl create root --name open --quiet >/dev/null
	pctl create root --name idle --allow 192.0.2.0/24 --quiet >/dev/null
	pctl create root --name rotating --allow 192.0.2.0/24 --quiet >/dev/null
	pctl rotate root/rotating --grace 1h --quiet >/dev/null 2>&1
	pctl create root --name moved --allow 192.0.2.0/24 --quiet >/dev/null
	pctl create root --name orphan --allow 192.0.2.0/24 --quiet >/dev/null
	pctl create root --name lapsed --allow 192.0.2.0/24 --quiet >/dev/null
	now=$(date +%s)
	age idle "created_at = $((now - 95 * DAY))"
	age moved "uid = 4242"
	age orphan "user = 'pakt_gone_user'"
	age lapsed "expires_at = $((now - DAY))"
	run_cmd pctl audit
	expect_eq "findings: exit 1" 1 "$RC"
	expect_contains "a key that never expires" "root/forever: never expires" "$OUT"
	expect_contains "a key with no allow list" "root/open: no allow list: any address may use it" "$OUT"
	expect_contains "a key unused for 90 days (never used: since made)" "root/idle: never used in the 95 days since it was made" "$OUT"
	expect_contains "a key in a rotation grace period" "/rotating (rotated" "$OUT"
	expect_contains "... naming its successor" ": in a rotation grace period: replaced by" "$OUT"
	expect_contains "an account whose uid changed" "root/moved: its account's uid changed (4242 when the key was made, 0 now)" "$OUT"
	expect_contains "an account that no longer exists" "pakt_gone_user/orphan: its account no longer exists" "$OUT"
	expect_contains "an expired key" "root/lapsed: expired" "$OUT"
	expect_lacks "the tidy key is not reported" "root/tidy:" "$OUT"
	expect_contains "the summary counts keys and findings" "audit: 9 keys, 7 with findings" "$OUT"
	policy "max_lifetime = 30d" "require_service = yes" "max_keys_per_user = 3"
	run_cmd pctl audit
	expect_contains "a key made before a stricter policy is reported against it" \
		"root/tidy: policy: expires" "$OUT"
	expect_contains "... each rule it breaks" "root/tidy: policy: no service scope (require_service = yes)" "$OUT"
	expect_contains "a user over max_keys_per_user (a rotation's old key works, so it counts)" "policy: its user has 7 working keys (max_keys_per_user = 3)" "$OUT"
	expect_contains "the summary names the policy" "(policy: $P/etc/policy.conf)" "$OUT"
	j=$(pctl audit --json)
	expect_eq "--json: the same findings, per key" "true 9 9" \
		"$(jq -r '"\(.keys_with_findings | map(.findings | length > 0) | all) \(.keys) \(.flagged)"' <<<"$j")"
	expect_eq "--json: a key's findings" '["policy: no service scope (require_service = yes)","policy: its user has 7 working keys (max_keys_per_user = 3)"]' \
		"$(jq -c '.keys_with_findings[] | select(.name == "tidy") | .findings | map(select(startswith("policy: expires") | not))' <<<"$j")"
	run_cmd pctl audit --json
	expect_eq "--json: exit 1 with findings too" 1 "$RC"
	sqlite3 "$P/lib/keys.db" "UPDATE keys SET expires_at = NULL WHERE name LIKE 'rotating (rotated %'"
	policy ""
	expect_contains "a rotation's old key that never expires is told to be deleted" \
		"in a rotation, but never expires: delete it" "$(pctl audit)"
	chmod 0666 "$P/etc/policy.conf"
	run_cmd pctl audit
	expect_eq "an unsafe policy: exit 3, the audit did not run" 3 "$RC"
	chmod 0644 "$P/etc/policy.conf"
	run_cmd $BUILD/apikeyctl --db "$P/no/keys.db" --pepper "$P/etc/pepper" --policy "$P/etc/policy.conf" audit
	expect_eq "a missing store: exit 3" 3 "$RC"
}

test_init
test_create_output
test_create_expiry
test_create_errors
test_names_verbatim
test_list_limits
test_lookalike_names
test_service_scope
test_verifier_services
test_save_pak
test_list
test_show
test_edit_keeps_key
test_delete
test_usage_and_root
test_unsafe_store
test_fresh_create_initialises
test_rotate
test_migration
test_policy_lifetimes
test_policy_lists_and_limits
test_policy_file_checked
test_list_filters
test_prune
test_audit
