/* SPDX-License-Identifier: BSD-2-Clause */
/* The central store's rules that need no server (central/pg.c,
 * central/rowmac.c): which connections are safe for keys, no password on
 * a command line, and the seal over a key row. */
#include <string.h>

#include "pg.h"
#include "rowmac.h"
#include "unit.h"

static void test_transport(void)
{
	CHECK("a unix socket in a directory only root may write in is safe",
	      central_transport_safe("/etc", NULL, "prefer", false));
	CHECK("a unix socket in a directory anyone may write in is refused",
	      !central_transport_safe("/tmp", NULL, "prefer", false));
	CHECK("an abstract unix socket is refused",
	      !central_transport_safe("@pgsock", NULL, "prefer", false));
	CHECK("the loopback address without TLS is refused",
	      !central_transport_safe("127.0.0.1", "127.0.0.1", "disable",
				      false));
	CHECK("::1 without TLS is refused",
	      !central_transport_safe("::1", "::1", NULL, false));
	CHECK("a remote host without TLS is refused",
	      !central_transport_safe("db.example.org", "192.0.2.10", "prefer",
				      false));
	CHECK("TLS that does not check the server is refused",
	      !central_transport_safe("db.example.org", "192.0.2.10", "require",
				      true));
	CHECK("verify-ca (no name check) is refused",
	      !central_transport_safe("db.example.org", "192.0.2.10",
				      "verify-ca", true));
	CHECK("verify-full with TLS in use is safe",
	      central_transport_safe("db.example.org", "192.0.2.10",
				     "verify-full", true));
	CHECK("verify-full asked but TLS not in use is refused",
	      !central_transport_safe("db.example.org", "192.0.2.10",
				      "verify-full", false));
	CHECK("a socket-looking host reached by TCP is refused",
	      !central_transport_safe("/etc", "192.0.2.10", "prefer", false));
}

static void test_password(void)
{
	char err[300] = "";

	CHECK("a connection string without a password is taken",
	      central_conninfo_without_password("host=/tmp dbname=k", err,
						sizeof err));
	CHECK("password= on the command line is refused",
	      !central_conninfo_without_password("host=db password=s3cret", err,
						 sizeof err) &&
		  strstr(err, "readable by every local user") != NULL);
	CHECK("a password in a URI is refused",
	      !central_conninfo_without_password(
		  "postgresql://web1:s3cret@db.example.org/keys", err,
		  sizeof err));
	CHECK("a connection string that does not parse is refused",
	      !central_conninfo_without_password("host=", err, sizeof err) ||
		  !central_conninfo_without_password("'unterminated", err,
						     sizeof err));
}

static void test_seal(void)
{
	static struct key_record rec, other;
	unsigned char pepper[PEPPER_LEN] = {1}, key[ROW_MAC_LEN];
	unsigned char hash[KEY_HASH_LEN] = {2}, a[ROW_MAC_LEN], b[ROW_MAC_LEN];
	char hex[ROW_MAC_LEN * 2 + 1];

	row_mac_key(pepper, key);
	strcpy(rec.id, "AAAAAAAAAAAA");
	strcpy(rec.user, "alice");
	rec.uid = 1001;
	strcpy(rec.name, "ci");
	rec.created_at = 1700000000;
	rec.service_count = 2;
	strcpy(rec.services[0], "sshd");
	strcpy(rec.services[1], "nginx");
	row_mac_key_record(key, &rec, hash, a);
	other = rec;
	strcpy(other.services[0], "nginx");
	strcpy(other.services[1], "sshd");
	row_mac_key_record(key, &other, hash, b);
	CHECK("a seal does not depend on the order of a set",
	      memcmp(a, b, sizeof a) == 0);
	other = rec;
	strcpy(other.user, "root");
	other.uid = 0;
	row_mac_key_record(key, &other, hash, b);
	CHECK("a key made root's no longer matches its seal",
	      memcmp(a, b, sizeof a) != 0);
	other = rec;
	other.rule_count = 1;
	other.rules[0] = (struct ip_rule){LIST_ALLOW, false, "10.0.0.0/8"};
	row_mac_key_record(key, &other, hash, b);
	CHECK("an IP entry added does not match the seal",
	      memcmp(a, b, sizeof a) != 0);
	pepper[0] = 9;
	row_mac_key(pepper, key);
	row_mac_key_record(key, &rec, hash, b);
	CHECK("another pepper seals differently", memcmp(a, b, sizeof a) != 0);
	for (size_t i = 0; i < sizeof a; i++)
		snprintf(hex + 2 * i, 3, "%02x", a[i]);
	CHECK("a seal matches its hex", row_mac_matches(a, hex));
	hex[0] = hex[0] == '0' ? '1' : '0';
	CHECK("a changed hex does not match", !row_mac_matches(a, hex));
	CHECK("a short hex does not match", !row_mac_matches(a, "00ff"));
}

void test_central(void)
{
	test_transport();
	test_password();
	test_seal();
}
