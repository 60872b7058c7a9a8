/* SPDX-License-Identifier: BSD-2-Clause */
/* The .pak file: what apikeyctl writes, apikey-askpass reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pak.h"
#include "unit.h"

#define KEY "pak1_AbCdEfGhIjKl_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9"

static char good_key[KEY_LEN + 1];

static bool reads(const char *text, struct pak *out)
{
	return pak_parse(text, strlen(text), out);
}

static bool refused(const char *text)
{
	static struct pak out;

	return !pak_parse(text, strlen(text), &out);
}

static void test_reading(void)
{
	static struct pak p;
	char text[512];

	snprintf(text, sizeof text,
		 "# comment\nformat: pak1\nid: x\nuser: alice\nname: n\n"
		 "expires: never\nfuture: ignored\nkey: %s\n",
		 good_key);
	CHECK("a .pak gives its key and user; unknown fields are ignored",
	      reads(text, &p) && strcmp(p.key, good_key) == 0 &&
		  strcmp(p.user, "alice") == 0 && p.hosts[0] == '\0');
	snprintf(text, sizeof text,
		 "user: bob\nhosts: *.example.org, h-?\nkey: %s", good_key);
	CHECK("the hosts field is read (last line without newline too)",
	      reads(text, &p) && strcmp(p.hosts, "*.example.org, h-?") == 0);
	snprintf(text, sizeof text, "key: %s\n", good_key);
	CHECK("a .pak without user is refused", refused(text));
	snprintf(text, sizeof text, "user: a\nkey: %s\nkey: %s\n", good_key,
		 good_key);
	CHECK("a .pak with two keys is refused", refused(text));
	snprintf(text, sizeof text, "user: a\nuser: b\nkey: %s\n", good_key);
	CHECK("a .pak with two users is refused", refused(text));
	CHECK("a .pak whose key fails its checksum is refused",
	      refused("user: a\nkey: " KEY "\n"));
	snprintf(text, sizeof text, "user: a\nhosts: h\nhosts: g\nkey: %s\n",
		 good_key);
	CHECK("a .pak with two host lists is refused", refused(text));
	snprintf(text, sizeof text, "user: a\nhosts: a;rm\nkey: %s\n",
		 good_key);
	CHECK("a host list with other characters is refused", refused(text));
	snprintf(text, sizeof text, "user: \x1b[2J\nkey: %s\n", good_key);
	CHECK("a user with control bytes is refused", refused(text));
	CHECK("a .pak with a NUL byte is refused",
	      !pak_parse("user: a\0\nkey: x\n", 16, &p));
	CHECK("host lists: patterns separated by commas or spaces",
	      pak_hosts_valid("a.example.org, 10.0.0.* [::1]") &&
		  !pak_hosts_valid(", ,") && !pak_hosts_valid("") &&
		  !pak_hosts_valid("a\nb"));
}

static void test_round_trip(void)
{
	static struct pak p;
	char path[] = "/tmp/pak-unit.XXXXXX", text[PAK_MAX_SIZE];
	struct pak_fields f = {"AbCdEfGhIjKl", "alice",		"ci deploy",
			       "never",	       "*.example.org", good_key};
	int fd = mkstemp(path);
	ssize_t len;

	CHECK("what pak_write writes, pak_parse reads back",
	      fd >= 0 && pak_write(fd, &f) && lseek(fd, 0, SEEK_SET) == 0 &&
		  (len = read(fd, text, sizeof text)) > 0 &&
		  pak_parse(text, (size_t)len, &p) &&
		  strcmp(p.key, good_key) == 0 &&
		  strcmp(p.user, "alice") == 0 &&
		  strcmp(p.hosts, "*.example.org") == 0);
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
}

void test_pak(void)
{
	key_assemble("AbCdEfGhIjKl", "Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9xy",
		     good_key, sizeof good_key);
	test_reading();
	test_round_trip();
}
