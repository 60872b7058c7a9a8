/* SPDX-License-Identifier: BSD-2-Clause */
/* apikeyctl: what its command files share. */
#ifndef APIKEY_CTL_H
#define APIKEY_CTL_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdnoreturn.h>
#include <time.h>

#include "record.h"
#include "store.h"
#include "when.h"

/* exit statuses */
#define EXIT_REFUSED	  1 /* also: any error */
#define EXIT_USAGE	  2
#define EXIT_AUDIT_FAILED 3 /* audit: the audit itself could not run */

/* The status a failure to read the store or the policy exits with
 * (EXIT_REFUSED; audit sets EXIT_AUDIT_FAILED, so that "findings" and "no
 * audit" differ). */
extern int ctl_failure_status;

/* the options every command takes */
// clang-format off
#define COMMON_OPTIONS \
	{"db", required_argument, NULL, 'D'}, \
	{"pepper", required_argument, NULL, 'P'}, \
	{"policy", required_argument, NULL, 'Y'}, \
	{"central", required_argument, NULL, 'C'}, \
	{"help", no_argument, NULL, 'h'}

/* the key metadata options of create and edit (struct key_meta) */
#define META_OPTIONS \
	{"name", required_argument, NULL, 'n'}, \
	{"description", required_argument, NULL, 'd'}, \
	{"expires", required_argument, NULL, 'e'}, \
	{"never-expire", no_argument, NULL, 'N'}

/* the options of create and rotate that show the new key (struct issue) */
#define ISSUE_OPTIONS \
	{"save", required_argument, NULL, 's'}, \
	{"save-hosts", required_argument, NULL, 'H'}, \
	{"quiet", no_argument, NULL, 'q'}, \
	{"json", no_argument, NULL, 'j'}
// clang-format on

struct ctl {
	const char *command;
	const char *db;
	const char *pepper;
	const char *policy;
	/* --central: the central store (a connection string, or a
	 * central.conf path), or NULL for this host's store */
	const char *central;
};

/* Handles a COMMON_OPTIONS letter; false if opt is not one of them. */
bool ctl_common_option(struct ctl *ctl, int opt, const char *arg);

/* Parses the options of a command that takes only the common ones and
 * --json (list, show, verifier); true when --json was given.  The
 * operands start at optind. */
bool ctl_json_options(struct ctl *ctl, int argc, char **argv);

/* An option's duration (0, or N with s, m, h, d or w), or a usage error
 * naming the option. */
long long ctl_duration(const struct ctl *ctl, const char *option,
		       const char *text);

/* Prints the usage text of ctl->command (or all) to stderr, exits 2. */
noreturn void ctl_usage(const struct ctl *ctl, const char *problem, ...)
    __attribute__((format(printf, 2, 3)));

/* Makes the pepper (init), refusing when the store holds keys. */
void ctl_create_pepper(const struct ctl *ctl, bool quiet);

/* Creates pepper and store if missing (never replacing either); with
 * --central, only checks the pepper is there. */
void ctl_initialise(const struct ctl *ctl, bool quiet);

/* Opens the store for management, or exits with the reason. */
struct store *ctl_open_store(const struct ctl *ctl, enum store_mode mode);

/* Loads the pepper or exits with the reason. */
void ctl_load_pepper(const struct ctl *ctl, unsigned char pepper[PEPPER_LEN]);

/* Reads the site policy (sitepolicy.h) or exits with the reason. */
struct site_policy;
void ctl_load_policy(const struct ctl *ctl, struct site_policy *p);

/* Finds REF (key id or USER/NAME) or exits with the reason. */
void ctl_find(const struct ctl *ctl, struct store *s, const char *ref,
	      struct key_record *rec);

/* ctl_find for a change: a key mirrored from the central store is
 * refused (rolling s back), naming the central store. */
void ctl_find_to_change(const struct ctl *ctl, struct store *s, const char *ref,
			struct key_record *rec);

/* Exits with the store's error after rolling back. */
noreturn void ctl_store_failed(struct store *s, const char *what);

/* --name, --description, --expires, --never-expire as given (NULL: not). */
struct key_meta {
	const char *name, *description, *expires;
	bool never_expire;
};

/* Handles a META_OPTIONS letter; false if opt is not one of them. */
bool ctl_meta_option(const struct ctl *ctl, struct key_meta *meta, int opt,
		     const char *arg);

/* Checks the given values (or exits with the reason) and writes them into
 * rec; what was not given stays as it is. */
void ctl_apply_meta(const struct key_meta *meta, struct key_record *rec,
		    time_t now);

/* Issuing a new key (issue.c), for create and rotate. */
struct issue {
	const char *verb;	/* "created", "rotated" */
	const char *save;	/* .pak path or NULL */
	const char *save_hosts; /* the .pak's hosts: field, or NULL */
	bool quiet, json;
	/* runs inside the transaction before the insert; false (with err)
	 * aborts it */
	bool (*step)(struct store *s, struct key_record *rec, void *ctx,
		     char *err, size_t errlen);
	void *ctx;
};

/* Handles the options that show a new key (--save, --save-hosts, --quiet,
 * --json: ISSUE_OPTIONS); false if opt is not one of them. */
bool ctl_issue_option(const struct ctl *ctl, struct issue *is, int opt,
		      const char *arg);

/* Checks the combination of those options, or exits with a usage error. */
void ctl_issue_options_done(const struct ctl *ctl, const struct issue *is);

/* Generates the key into rec->id, saves rec and shows the key once; exits
 * with the reason on failure (nothing saved, no .pak left). */
void ctl_issue_key(const struct ctl *ctl, const struct issue *is,
		   struct key_record *rec);

int ctl_init(struct ctl *ctl, int argc, char **argv);
int ctl_create(struct ctl *ctl, int argc, char **argv);
int ctl_list(struct ctl *ctl, int argc, char **argv);
int ctl_show(struct ctl *ctl, int argc, char **argv);
int ctl_edit(struct ctl *ctl, int argc, char **argv);
int ctl_delete(struct ctl *ctl, int argc, char **argv);
int ctl_verify(struct ctl *ctl, int argc, char **argv);
int ctl_rotate(struct ctl *ctl, int argc, char **argv);
int ctl_verifier(struct ctl *ctl, int argc, char **argv);
int ctl_prune(struct ctl *ctl, int argc, char **argv);
int ctl_audit(struct ctl *ctl, int argc, char **argv);

/* text output (show.c): a key in full, the days it has left ("never",
 * "N days", "expired N days ago"), an ISO time or "never" for 0 */
void print_key_text(FILE *out, const struct key_record *rec, time_t now);
void expires_text(const struct key_record *rec, time_t now, char *out,
		  size_t outlen);
const char *time_or_never(time_t t, char out[ISO_TIME_LEN]);

#endif
