# pam_apikey — see README.md.  `make check` installs what the tests need
# (as root, on Debian), builds, and runs every test.

PREFIX        ?= /usr
BINDIR        ?= $(PREFIX)/bin
SBINDIR       ?= $(PREFIX)/sbin
SYSCONFDIR    ?= /etc
LOCALSTATEDIR ?= /var
PAMDIR        ?= $(shell pkg-config --variable=libdir pam 2>/dev/null || echo /lib)/security
DESTDIR       ?=

HELPER_PATH   ?= $(SBINDIR)/apikey-helper
DB_PATH       ?= $(LOCALSTATEDIR)/lib/pam_apikey/keys.db
PEPPER_PATH   ?= $(SYSCONFDIR)/pam_apikey/pepper
MANDIR        ?= $(PREFIX)/share/man
MAN1DIR       ?= $(MANDIR)/man1
MAN8DIR       ?= $(MANDIR)/man8
# root-owned files when installing as root (or under fakeroot)
INSTALL_OWNER ?= $(if $(filter 0,$(shell id -u)),-o root -g root)
# where `make deb` and `make rpm` build (from a copy of this tree)
PKGOUT        ?= $(B)/pkg

CC        ?= cc
B         ?= build
PKGS      := libsodium sqlite3
WARNINGS  := -Wall -Wextra -Wconversion -Wshadow -Wformat=2 -Wstrict-prototypes \
             -Wmissing-prototypes -Wvla -Werror \
             -Wno-format-truncation
HARDEN    := -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
             -fstack-clash-protection -fcf-protection
CFLAGS    ?= -g
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARNINGS) $(HARDEN) $(CFLAGS) \
             $(SANITIZE_CFLAGS) -Ihelper -I$(B) \
             -DAPIKEY_HELPER_PATH='"$(HELPER_PATH)"' \
             -DAPIKEY_DB_PATH='"$(DB_PATH)"' \
             -DAPIKEY_PEPPER_PATH='"$(PEPPER_PATH)"'
LINK_HARDEN := -Wl,-z,relro,-z,now -Wl,--as-needed
ifeq ($(SANITIZE),1)
SANITIZE_CFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
                   -fno-omit-frame-pointer
# the helper runs with an empty environment: its ASan options are built in
SANITIZE_OBJ := $(B)/tests/sanitize_options.o
# ASan intercepts crypt(): libcrypt must be loaded before pam_unix is
PAM_TEST_LIBS := -Wl,--no-as-needed -lcrypt
endif
LIBS      := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcidr -lz
# names and descriptions are classified by libunistring (apikeyctl only)
ADMIN_LIBS := $(LIBS) -lunistring
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)

# shared by apikey-helper and apikeyctl (and the unit tests)
CORE_SRC  := helper/keyfmt.c helper/request.c helper/cidr.c \
             helper/safefile.c helper/secret.c helper/store.c helper/policy.c \
             helper/verify.c helper/logquote.c
# what only apikeyctl (and the unit tests) needs: never in the setuid helper
ADMIN_SRC := helper/when.c helper/text.c helper/json.c helper/rules.c \
             helper/pak.c
CTL_SRC   := helper/ctl.c helper/ctl_create.c helper/ctl_issue.c helper/ctl_show.c \
             helper/ctl_rotate.c \
             helper/ctl_edit.c helper/ctl_verify.c
MODULE_SRC := pam_apikey/pam_apikey.c pam_apikey/spawn.c pam_apikey/options.c \
             pam_apikey/announce.c \
             helper/keyfmt.c helper/request.c helper/logquote.c
SCHEMA    := $(sort $(wildcard schema/[0-9]*.sql))

CORE_OBJ  := $(CORE_SRC:%.c=$(B)/%.o) $(B)/schema.o
ADMIN_OBJ := $(ADMIN_SRC:%.c=$(B)/%.o)
CTL_OBJ   := $(CTL_SRC:%.c=$(B)/%.o) $(ADMIN_OBJ)
MODULE_OBJ := $(MODULE_SRC:%.c=$(B)/pic/%.o)

PROGRAMS  := $(B)/apikey-helper $(B)/apikeyctl $(B)/pam_apikey.so \
             $(B)/apikey-askpass
FUZZERS   := request key cidr when
TEST_BINS := $(B)/unit-tests $(B)/pam-test $(B)/log-listen $(B)/testtool \
             $(B)/libfault.so \
             $(FUZZERS:%=$(B)/replay-%)

.PHONY: all check check-sanitize check-valgrind demo deps install uninstall clean format fuzz
all: $(PROGRAMS)

$(B)/%.o: %.c $(wildcard helper/*.h) | $(B)
	@mkdir -p $(dir $@)
	@echo "  CC $@"; $(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -fPIE -c $< -o $@

$(B)/pic/%.o: %.c $(wildcard helper/*.h pam_apikey/*.h) | $(B)
	@mkdir -p $(dir $@)
	@echo "  CC $@"; $(CC) $(ALL_CFLAGS) -fPIC -c $< -o $@

$(B)/schema.c: schema/embed.sh $(SCHEMA) | $(B)
	sh schema/embed.sh $(SCHEMA) > $@

$(B)/schema.o: $(B)/schema.c
	@echo "  CC $@"; $(CC) $(ALL_CFLAGS) -fPIE -c $< -o $@

$(B)/apikey-helper: $(B)/helper/helper.o $(B)/helper/track.o $(CORE_OBJ) \
                   $(SANITIZE_OBJ)
	@echo "  CC $@"; $(CC) $(ALL_CFLAGS) -pie $(LINK_HARDEN) $^ $(LIBS) -o $@

$(B)/apikeyctl: $(CTL_OBJ) $(CORE_OBJ)
	@echo "  CC $@"; $(CC) $(ALL_CFLAGS) -pie $(LINK_HARDEN) $^ $(ADMIN_LIBS) -o $@

# the client side: no store, no libsodium
$(B)/apikey-askpass: $(B)/helper/askpass.o $(B)/helper/keyfmt.o $(B)/helper/pak.o \
                     $(B)/helper/when.o $(B)/helper/logquote.o
	@echo "  CC $@"; $(CC) $(ALL_CFLAGS) -pie $(LINK_HARDEN) $^ -lz -o $@

# links libpam (and zlib's crc32) only: no sqlite, no libsodium in sshd
$(B)/pam_apikey.so: $(MODULE_OBJ) pam_apikey/pam_apikey.map
	@echo "  CC $@"; $(CC) $(ALL_CFLAGS) -shared $(LINK_HARDEN) \
	  -Wl,--version-script=pam_apikey/pam_apikey.map $(MODULE_OBJ) -lpam -lz -o $@

$(B)/unit-tests: tests/unit/*.c $(CORE_OBJ) $(ADMIN_OBJ) | $(B)
	@echo "  CC $@"; $(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -Itests/unit -fPIE -pie $(LINK_HARDEN) \
	  tests/unit/*.c $(CORE_OBJ) $(ADMIN_OBJ) $(ADMIN_LIBS) -o $@

$(B)/pam-test: tests/pam/pam-test.c | $(B)
	@echo "  CC $@"; $(CC) $(ALL_CFLAGS) -fPIE -pie $(LINK_HARDEN) $< -lpam $(PAM_TEST_LIBS) -o $@

$(B)/testtool: tests/pam/testtool.c helper/keyfmt.c helper/request.c | $(B)
	@echo "  CC $@"; $(CC) $(ALL_CFLAGS) -fPIE -pie $(LINK_HARDEN) $^ -lz -o $@

# tests only: an LD_PRELOAD shim that fails chosen calls (tests/fault.sh)
$(B)/libfault.so: tests/fault/fault.c | $(B)
	@echo "  CC $@"; $(CC) -std=gnu11 -O1 -g -Wall -Wextra -fPIC -shared \
	  $(PKG_CFLAGS) $< -ldl -o $@

$(B)/log-listen: tests/pam/log-listen.c | $(B)
	@echo "  CC $@"; $(CC) $(ALL_CFLAGS) -fPIE -pie $(LINK_HARDEN) $< -o $@

# fuzzers (tests/fuzz): libFuzzer with clang, ASan and UBSan; `make fuzz`
# runs each for FUZZ_SECONDS; a crash lands in tests/fuzz/regressions/,
# which make check replays (with the corpus) through $(B)/replay-*
FUZZ_SECONDS  ?= 30
FUZZ_SRC_request := helper/request.c
FUZZ_SRC_key  := helper/keyfmt.c helper/pak.c helper/when.c
FUZZ_SRC_cidr := helper/cidr.c
FUZZ_SRC_when := helper/when.c
FUZZ_CFLAGS   := -g -O1 -D_GNU_SOURCE -Ihelper \
                 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

.SECONDEXPANSION:
$(B)/fuzz-%: tests/fuzz/fuzz_%.c $$(FUZZ_SRC_$$*) | $(B)
	@echo "  FUZZ $@"; clang $(FUZZ_CFLAGS) $^ -lcidr -lz -o $@

$(B)/replay-%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $$(FUZZ_SRC_$$*) | $(B)
	@echo "  CC $@"; $(CC) $(ALL_CFLAGS) -fPIE -pie $(LINK_HARDEN) $^ -lcidr -lz -o $@

fuzz: $(FUZZERS:%=$(B)/fuzz-%)
	@for t in $(FUZZERS); do \
	  mkdir -p $(B)/fuzz-corpus/$$t tests/fuzz/regressions/$$t; \
	  echo "fuzzing $$t for $(FUZZ_SECONDS) s"; \
	  $(B)/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
	    -artifact_prefix=tests/fuzz/regressions/$$t/ \
	    $(B)/fuzz-corpus/$$t tests/fuzz/corpus/$$t 2>$(B)/fuzz-$$t.log \
	  || { tail -40 $(B)/fuzz-$$t.log; echo "fuzz-$$t FAILED; input saved in tests/fuzz/regressions/$$t"; exit 1; }; \
	  grep -E '^#[0-9]+.*DONE' $(B)/fuzz-$$t.log | tail -1; \
	done

$(B):
	mkdir -p $(B)

# apikeyctl and the helper under valgrind memcheck
check-valgrind: deps
	$(MAKE) all $(TEST_BINS)
	sh tests/run.sh valgrind.sh

# the suites that load our code into our own processes, rebuilt with ASan
# and UBSan (sshd and pamtester cannot load a sanitized module)
SANITIZE_SUITES := unit cli.sh crash.sh pam.sh fuzz_replay.sh
check-sanitize: deps
	$(MAKE) B=build-sanitize SANITIZE=1 all $(TEST_BINS:$(B)/%=build-sanitize/%)
	APIKEY_BUILD=$(CURDIR)/build-sanitize APIKEY_SANITIZED=1 \
	  sh tests/run.sh $(SANITIZE_SUITES)

deps:
	sh tests/install-deps.sh

check: deps
	$(MAKE) all $(TEST_BINS)
	sh tests/run.sh

# the seed's story with a real sshd in a private sandbox (root)
demo: deps
	$(MAKE) all $(TEST_BINS)
	bash tests/demo.sh

# the helper setuid root (4755), nothing group- or world-writable; the
# store and pepper are made by `apikeyctl init`, never installed
install: all
	install -d -m 0755 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(PAMDIR) \
	  $(DESTDIR)$(dir $(HELPER_PATH)) $(DESTDIR)$(MAN1DIR) $(DESTDIR)$(MAN8DIR)
	install -m 4755 $(INSTALL_OWNER) $(B)/apikey-helper $(DESTDIR)$(HELPER_PATH)
	install -m 0755 $(INSTALL_OWNER) $(B)/apikeyctl $(DESTDIR)$(SBINDIR)/apikeyctl
	install -m 0755 $(INSTALL_OWNER) $(B)/apikey-askpass $(DESTDIR)$(BINDIR)/apikey-askpass
	install -m 0644 $(INSTALL_OWNER) $(B)/pam_apikey.so $(DESTDIR)$(PAMDIR)/pam_apikey.so
	install -m 0644 $(INSTALL_OWNER) helper/apikey-askpass.1 $(DESTDIR)$(MAN1DIR)/apikey-askpass.1
	install -m 0644 $(INSTALL_OWNER) pam_apikey/pam_apikey.8 helper/apikeyctl.8 \
	  helper/apikey-helper.8 $(DESTDIR)$(MAN8DIR)/

# keeps the store and pepper (/var/lib/pam_apikey, /etc/pam_apikey)
uninstall:
	rm -f $(DESTDIR)$(HELPER_PATH) $(DESTDIR)$(SBINDIR)/apikeyctl \
	  $(DESTDIR)$(BINDIR)/apikey-askpass \
	  $(DESTDIR)$(PAMDIR)/pam_apikey.so \
	  $(DESTDIR)$(MAN1DIR)/apikey-askpass.1 \
	  $(DESTDIR)$(MAN8DIR)/pam_apikey.8 $(DESTDIR)$(MAN8DIR)/apikeyctl.8 \
	  $(DESTDIR)$(MAN8DIR)/apikey-helper.8

# --- packages (README "Install"); sources are copied, never built in place
.PHONY: deb rpm package-check
PKG_ABS     = $(abspath $(PKGOUT))
PKG_EXCLUDE = --exclude='./build*' --exclude=./.git --exclude=./debian/tmp \
              --exclude=./debian/.debhelper --exclude=./debian/libpam-apikey \
              --exclude=./debian/apikey-askpass --exclude=./debian/files \
              --exclude='./debian/*.substvars' --exclude='./debian/*.debhelper.log' \
              --exclude=./debian/debhelper-build-stamp
RPM_VERSION = $(shell sed -n 's/^Version:[[:space:]]*//p' rpm/pam_apikey.spec)
# Debian's rpm cannot check Fedora's BuildRequires
RPMBUILD_FLAGS ?= $(if $(wildcard /etc/debian_version),--nodeps)

# .deb files in $(PKGOUT)/deb (dpkg-buildpackage -us -uc -b on a copy)
deb:
	rm -rf $(PKG_ABS)/deb && mkdir -p $(PKG_ABS)/deb/src
	tar -cf - $(PKG_EXCLUDE) . | tar -xf - -C $(PKG_ABS)/deb/src
	cd $(PKG_ABS)/deb/src && dpkg-buildpackage -us -uc -b
	@ls $(PKG_ABS)/deb/*.deb

# .rpm files in $(PKGOUT)/rpm/RPMS (rpmbuild -bb from a source tarball)
rpm:
	rm -rf $(PKG_ABS)/rpm && mkdir -p $(PKG_ABS)/rpm/SOURCES
	tar -czf $(PKG_ABS)/rpm/SOURCES/pam_apikey-$(RPM_VERSION).tar.gz $(PKG_EXCLUDE) \
	  --transform 's,^\.,pam_apikey-$(RPM_VERSION),' .
	rpmbuild -bb $(RPMBUILD_FLAGS) --define '_topdir $(PKG_ABS)/rpm' rpm/pam_apikey.spec
	@ls $(PKG_ABS)/rpm/RPMS/*/*.rpm

# builds, lints and installs the packages into a throw-away root; checks
# the man pages (root; installs the tools it needs)
package-check:
	sh tests/install-deps.sh
	$(MAKE) all $(B)/pam-test
	sh tests/run.sh package.sh manpages.sh

format:
	clang-format -i helper/*.[ch] pam_apikey/*.[ch] tests/unit/*.[ch] tests/pam/*.c

clean:
	rm -rf build build-sanitize

# the benchmark (bench/README.md): QUICK=1 is the short CI run (< 1 min)
QUICK ?=
.PHONY: bench
bench: deps
	$(MAKE) all $(B)/log-listen
	QUICK=$(QUICK) bash bench/bench.sh
