/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libfault.so: an LD_PRELOAD shim for tests only.  It makes the N-th call
 * to one chosen function fail the way that function fails, so that a sweep
 * (tests/fault.sh) can fail every call site once and check that nothing
 * turns into a success, a crash or a half-written store.
 *
 *   FAULT_FUNC=name FAULT_NTH=n   fail the n-th call to name (1-based)
 *   FAULT_COUNT=file              count calls; append "name count" lines
 *                                 to file at exit
 *   FAULT_SCOPE=a,b               only calls made from objects whose path
 *                                 contains one of these count (e.g. the
 *                                 module, not libpam)
 *   FAULT_PAUSE_SQL=text FAULT_PAUSE_DIR=dir
 *                                 before the first step of a statement
 *                                 whose SQL holds text, create dir/paused
 *                                 and wait (at most 20 s) for dir/go: a
 *                                 test changes the store between two reads
 *
 * The environment is read when the library loads, before main (the helper
 * clears its environment in main).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
	F_MALLOC,
	F_CALLOC,
	F_REALLOC,
	F_OPEN,
	F_OPENAT,
	F_READ,
	F_WRITE,
	F_PWRITE64,
	F_FSTAT,
	F_FSTATAT,
	F_GETPWNAM,
	F_GETPWNAM_R,
	F_GETPWUID_R,
	F_GETGRNAM_R,
	F_FSYNC,
	F_FDATASYNC,
	F_FORK,
	F_PIPE2,
	F_SQLITE_OPEN,
	F_SQLITE_PREPARE,
	F_SQLITE_STEP,
	F_SQLITE_EXEC,
	F_SODIUM_INIT,
	F_COUNT
};

static const char *const NAMES[F_COUNT] = {
    "malloc",	    "calloc",	    "realloc",	       "open",
    "openat",	    "read",	    "write",	       "pwrite64",
    "fstat",	    "fstatat",	    "getpwnam",	       "getpwnam_r",
    "getpwuid_r",   "getgrnam_r",   "fsync",	       "fdatasync",
    "fork",	    "pipe2",	    "sqlite3_open_v2", "sqlite3_prepare_v3",
    "sqlite3_step", "sqlite3_exec", "sodium_init"};

static long counts[F_COUNT];
static int fail_func = -1;
static long fail_nth;
static char count_file[512];
static char scope[512];
static int ready, in_scope_check;
static char pause_sql[256], pause_dir[256];

static void setup(void)
{
	const char *func = getenv("FAULT_FUNC"), *nth = getenv("FAULT_NTH");
	const char *file = getenv("FAULT_COUNT");

	for (int i = 0; func != NULL && i < F_COUNT; i++)
		if (strcmp(func, NAMES[i]) == 0)
			fail_func = i;
	fail_nth = nth != NULL ? atol(nth) : 0;
	if (file != NULL)
		snprintf(count_file, sizeof count_file, "%s", file);
	if (getenv("FAULT_SCOPE") != NULL)
		snprintf(scope, sizeof scope, ",%s,", getenv("FAULT_SCOPE"));
	if (getenv("FAULT_PAUSE_SQL") != NULL && getenv("FAULT_PAUSE_DIR"))
		snprintf(pause_sql, sizeof pause_sql, "%s",
			 getenv("FAULT_PAUSE_SQL"));
	if (getenv("FAULT_PAUSE_DIR") != NULL)
		snprintf(pause_dir, sizeof pause_dir, "%s",
			 getenv("FAULT_PAUSE_DIR"));
	ready = 1;
}

/* true when the caller's object is in FAULT_SCOPE (or there is none) */
static int caller_in_scope(void *caller)
{
	Dl_info info;
	char *list, *item, *save = NULL, copy[512];
	int found = 0;

	if (scope[0] == '\0')
		return 1;
	if (in_scope_check) /* dladdr itself may allocate */
		return 0;
	in_scope_check = 1;
	if (dladdr(caller, &info) != 0 && info.dli_fname != NULL) {
		snprintf(copy, sizeof copy, "%s", scope);
		for (list = copy; (item = strtok_r(list, ",", &save)) != NULL;
		     list = NULL)
			if (strstr(info.dli_fname, item) != NULL)
				found = 1;
	}
	in_scope_check = 0;
	return found;
}

/* true when this call is the one to fail */
#define should_fail(f) should_fail_from(f, __builtin_return_address(0))
/* SQLite calling its own API (sqlite3_exec stepping its statements) is
 * not a call site of ours: a faked failure there would never set the
 * statement's error state and so could not happen for real */
static int sqlite_internal(int f, void *caller)
{
	Dl_info info;

	if (f < F_SQLITE_OPEN || f > F_SQLITE_EXEC || in_scope_check)
		return 0;
	in_scope_check = 1;
	f = dladdr(caller, &info) != 0 && info.dli_fname != NULL &&
	    strstr(info.dli_fname, "libsqlite3") != NULL;
	in_scope_check = 0;
	return f;
}

static int should_fail_from(int f, void *caller)
{
	if (!ready || !caller_in_scope(caller) || sqlite_internal(f, caller))
		return 0;
	counts[f]++;
	return f == fail_func && counts[f] == fail_nth;
}

__attribute__((constructor)) static void fault_init(void)
{
	setup();
}

__attribute__((destructor)) static void fault_report(void)
{
	FILE *out;

	if (count_file[0] == '\0' || (out = fopen(count_file, "a")) == NULL)
		return;
	for (int i = 0; i < F_COUNT; i++)
		fprintf(out, "%s %ld\n", NAMES[i], counts[i]);
	fclose(out);
}

#define REAL(type, name, args)                                                 \
	static type(*real_##name) args;                                        \
	if (real_##name == NULL)                                               \
		real_##name = (type(*) args)dlsym(RTLD_NEXT, #name);

/* dlsym may allocate before real_calloc is known: serve it from here */
static char boot[16384];
static size_t boot_used;
static int resolving;

static void *boot_alloc(size_t n)
{
	void *p = boot + boot_used;

	boot_used += (n + 15) & ~(size_t)15;
	return boot_used <= sizeof boot ? p : NULL;
}

void *malloc(size_t n)
{
	static void *(*real)(size_t);
	if (real == NULL) {
		if (resolving)
			return boot_alloc(n);
		resolving = 1;
		real = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
		resolving = 0;
	}
	if (should_fail(F_MALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return real(n);
}

void *calloc(size_t n, size_t size)
{
	static void *(*real)(size_t, size_t);
	if (real == NULL) {
		if (resolving)
			return boot_alloc(n * size); /* static: already zero */
		resolving = 1;
		real = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
		resolving = 0;
	}
	if (should_fail(F_CALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return real(n, size);
}

void *realloc(void *p, size_t n)
{
	static void *(*real)(void *, size_t);
	if (real == NULL)
		real = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
	if (should_fail(F_REALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return real(p, n);
}

void free(void *p)
{
	static void (*real)(void *);
	if ((char *)p >= boot && (char *)p < boot + sizeof boot)
		return;
	if (real == NULL)
		real = (void (*)(void *))dlsym(RTLD_NEXT, "free");
	real(p);
}

int open(const char *path, int flags, ...)
{
	REAL(int, open, (const char *, int, ...))
	mode_t mode = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (should_fail(F_OPEN)) {
		errno = EIO;
		return -1;
	}
	return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));

int openat(int dirfd, const char *path, int flags, ...)
{
	REAL(int, openat, (int, const char *, int, ...))
	mode_t mode = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (should_fail(F_OPENAT)) {
		errno = EIO;
		return -1;
	}
	return real_openat(dirfd, path, flags, mode);
}

ssize_t read(int fd, void *buf, size_t n)
{
	REAL(ssize_t, read, (int, void *, size_t))
	if (should_fail(F_READ)) {
		errno = EIO;
		return -1;
	}
	return real_read(fd, buf, n);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	REAL(ssize_t, write, (int, const void *, size_t))
	if (should_fail(F_WRITE)) {
		errno = EIO;
		return -1;
	}
	return real_write(fd, buf, n);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	REAL(ssize_t, pwrite64, (int, const void *, size_t, off_t))
	if (should_fail(F_PWRITE64)) {
		errno = ENOSPC;
		return -1;
	}
	return real_pwrite64(fd, buf, n, off);
}

int fstat(int fd, struct stat *st)
{
	REAL(int, fstat, (int, struct stat *))
	if (should_fail(F_FSTAT)) {
		errno = EIO;
		return -1;
	}
	return real_fstat(fd, st);
}

int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	REAL(int, fstatat, (int, const char *, struct stat *, int))
	if (should_fail(F_FSTATAT)) {
		errno = EIO;
		return -1;
	}
	return real_fstatat(dirfd, path, st, flags);
}

struct passwd *getpwnam(const char *name)
{
	REAL(struct passwd *, getpwnam, (const char *))
	if (should_fail(F_GETPWNAM)) {
		errno = EIO;
		return NULL;
	}
	return real_getpwnam(name);
}

int getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len,
	       struct passwd **found)
{
	REAL(int, getpwnam_r,
	     (const char *, struct passwd *, char *, size_t, struct passwd **))
	if (should_fail(F_GETPWNAM_R)) {
		*found = NULL;
		return EIO;
	}
	return real_getpwnam_r(name, pw, buf, len, found);
}

int getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len,
	       struct passwd **found)
{
	REAL(int, getpwuid_r,
	     (uid_t, struct passwd *, char *, size_t, struct passwd **))
	if (should_fail(F_GETPWUID_R)) {
		*found = NULL;
		return EIO;
	}
	return real_getpwuid_r(uid, pw, buf, len, found);
}

int getgrnam_r(const char *name, struct group *gr, char *buf, size_t len,
	       struct group **found)
{
	REAL(int, getgrnam_r,
	     (const char *, struct group *, char *, size_t, struct group **))
	if (should_fail(F_GETGRNAM_R)) {
		*found = NULL;
		return EIO;
	}
	return real_getgrnam_r(name, gr, buf, len, found);
}

int fsync(int fd)
{
	REAL(int, fsync, (int))
	if (should_fail(F_FSYNC)) {
		errno = EIO;
		return -1;
	}
	return real_fsync(fd);
}

int fdatasync(int fd)
{
	REAL(int, fdatasync, (int))
	if (should_fail(F_FDATASYNC)) {
		errno = EIO;
		return -1;
	}
	return real_fdatasync(fd);
}

pid_t fork(void)
{
	REAL(pid_t, fork, (void))
	if (should_fail(F_FORK)) {
		errno = EAGAIN;
		return -1;
	}
	return real_fork();
}

int pipe2(int fds[2], int flags)
{
	REAL(int, pipe2, (int *, int))
	if (should_fail(F_PIPE2)) {
		errno = EMFILE;
		return -1;
	}
	return real_pipe2(fds, flags);
}

int sqlite3_open_v2(const char *path, sqlite3 **db, int flags, const char *vfs)
{
	REAL(int, sqlite3_open_v2,
	     (const char *, sqlite3 **, int, const char *))
	if (should_fail(F_SQLITE_OPEN)) {
		*db = NULL;
		return SQLITE_CANTOPEN;
	}
	return real_sqlite3_open_v2(path, db, flags, vfs);
}

/* FAULT_PAUSE_SQL: once, before the first step of a statement with that
 * text (a statement kept prepared is stepped again for each request) */
static void maybe_pause(const char *sql)
{
	static int paused;
	char path[300];
	int fd;

	if (pause_sql[0] == '\0' || paused || strstr(sql, pause_sql) == NULL)
		return;
	paused = 1;
	snprintf(path, sizeof path, "%s/paused", pause_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof path, "%s/go", pause_dir);
	for (int i = 0; i < 2000 && access(path, F_OK) != 0; i++)
		usleep(10000);
}

int sqlite3_prepare_v3(sqlite3 *db, const char *sql, int n, unsigned flags,
		       sqlite3_stmt **stmt, const char **tail)
{
	REAL(int, sqlite3_prepare_v3,
	     (sqlite3 *, const char *, int, unsigned, sqlite3_stmt **,
	      const char **))
	if (should_fail(F_SQLITE_PREPARE)) {
		*stmt = NULL;
		return SQLITE_NOMEM;
	}
	return real_sqlite3_prepare_v3(db, sql, n, flags, stmt, tail);
}

int sqlite3_step(sqlite3_stmt *stmt)
{
	REAL(int, sqlite3_step, (sqlite3_stmt *))
	REAL(const char *, sqlite3_sql, (sqlite3_stmt *))
	if (real_sqlite3_sql != NULL && real_sqlite3_sql(stmt) != NULL)
		maybe_pause(real_sqlite3_sql(stmt));
	if (should_fail(F_SQLITE_STEP))
		return SQLITE_IOERR;
	return real_sqlite3_step(stmt);
}

int sqlite3_exec(sqlite3 *db, const char *sql,
		 int (*cb)(void *, int, char **, char **), void *arg,
		 char **err)
{
	REAL(int, sqlite3_exec,
	     (sqlite3 *, const char *, int (*)(void *, int, char **, char **),
	      void *, char **))
	if (should_fail(F_SQLITE_EXEC)) {
		if (err != NULL)
			*err = NULL;
		return SQLITE_IOERR;
	}
	return real_sqlite3_exec(db, sql, cb, arg, err);
}

int sodium_init(void)
{
	REAL(int, sodium_init, (void))
	if (should_fail(F_SODIUM_INIT))
		return -1;
	return real_sodium_init();
}
