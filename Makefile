# SPDX-License-Identifier: BSD-2-Clause
# pam_apikey: see README.md.  `make check` installs what the tests need (as
# root, on Debian), builds, and runs every test; `make demo` shows it work.
# Fuzzing, packaging and the benchmark have their rules in mk/.

# ---- where things go (DESTDIR, PREFIX and the rest honoured) -------------
PREFIX        ?= /usr
BINDIR        ?= $(PREFIX)/bin
SBINDIR       ?= $(PREFIX)/sbin
MANDIR        ?= $(PREFIX)/share/man
SYSCONFDIR    ?= /etc
LOCALSTATEDIR ?= /var
PAMDIR        ?= $(shell pkg-config --variable=libdir pam)/security
UNITDIR       ?= $(PREFIX)/lib/systemd/system
DESTDIR       ?=
# compiled in: where the module finds the helper, the store and the pepper
HELPER_PATH   ?= $(SBINDIR)/apikey-helper
DB_PATH       ?= $(LOCALSTATEDIR)/lib/pam_apikey/keys.db
PEPPER_PATH   ?= $(SYSCONFDIR)/pam_apikey/pepper
POLICY_PATH   ?= $(SYSCONFDIR)/pam_apikey/policy.conf
CENTRAL_CONF_PATH ?= $(SYSCONFDIR)/pam_apikey/central.conf
DAEMON_SOCKET ?= /run/pam_apikey/apikeyd.sock
# the group whose members (a web server's workers) may have keys scoped to
# their service checked (README: HTTP APIs)
VERIFY_GROUP  ?= apikey-verify
# root-owned files when installing as root (or under fakeroot)
INSTALL_OWNER ?= $(if $(filter 0,$(shell id -u)),-o root -g root)

# ---- how it is built ----------------------------------------------------
CC       ?= cc
B        ?= build
CFLAGS   ?= -g
WARNINGS := -Wall -Wextra -Wconversion -Wshadow -Wformat=2 -Wstrict-prototypes \
            -Wmissing-prototypes -Wvla -Werror -Wno-format-truncation
HARDEN   := -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
            -fstack-clash-protection -fcf-protection
LDHARDEN := -Wl,-z,relro,-z,now -Wl,--as-needed
ifeq ($(SANITIZE),1)
SANITIZE_CFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
                   -fno-omit-frame-pointer
# the helper runs with an empty environment: its ASan options are built in
SANITIZE_OBJ    := $(B)/tests/sanitize_options.o
# ASan intercepts crypt(): libcrypt must be loaded before pam_unix is
PAM_TEST_LIBS   := -Wl,--no-as-needed -lcrypt
endif
# 64-bit time_t and file offsets on 32-bit systems too (expiries past 2038)
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64 \
             $(WARNINGS) $(HARDEN) $(CFLAGS) \
             $(SANITIZE_CFLAGS) -MMD -MP \
             -DAPIKEY_HELPER_PATH='"$(HELPER_PATH)"' \
             -DAPIKEY_DB_PATH='"$(DB_PATH)"' -DAPIKEY_PEPPER_PATH='"$(PEPPER_PATH)"' \
             -DAPIKEY_POLICY_PATH='"$(POLICY_PATH)"' \
             -DAPIKEY_CENTRAL_CONF_PATH='"$(CENTRAL_CONF_PATH)"' \
             -DAPIKEY_DAEMON_SOCKET='"$(DAEMON_SOCKET)"' \
             -DAPIKEY_VERIFY_GROUP='"$(VERIFY_GROUP)"'

# pkg-config's answer for the packages named; a missing one stops the build
# naming it.  Expanded only when a recipe runs (after `make deps`).
pkg = $(foreach p,$(1),$(if $(shell pkg-config --exists $(p) && echo yes),,\
        $(error pkg-config finds no '$(p)': install the build dependencies \
        with 'sudo make deps')))$(shell pkg-config $(2) $(1))
# libcidr and libunistring ship no .pc file
CORE_LIBS   = $(call pkg,libsodium sqlite3 zlib,--libs) -lcidr
ADMIN_LIBS  = $(CORE_LIBS) -lunistring
# apikeyctl and apikey-sync speak to the central PostgreSQL store
CENTRAL_LIBS = $(ADMIN_LIBS) $(call pkg,libpq,--libs)
DAEMON_LIBS = $(CORE_LIBS) $(call pkg,libsystemd,--libs) 
MODULE_LIBS = $(call pkg,pam zlib,--libs)
CLIENT_LIBS = $(call pkg,zlib,--libs)

# what each folder's code may include: the module and the client see only
# common/, never the store or the secrets
INC_pam_apikey := -Icommon
INC_askpass    := -Icommon
INC_common     := -Icommon
INC_core       := -Icommon -Icore
INC_helper     := -Icommon -Icore
INC_daemon     := -Icommon -Icore -Idaemon
INC_ctl        := -Icommon -Icore -Ictl -Icentral
INC_central    := -Icommon -Icore -Icentral
INC_sync       := -Icommon -Icore -Icentral -Isync
INC_tests      := -Icommon -Icore -Ictl -Icentral
INC_bench      := -Icommon -Icore
PKG_CFLAGS_pam_apikey = $(call pkg,pam zlib,--cflags)
PKG_CFLAGS_common     = $(call pkg,zlib,--cflags)
PKG_CFLAGS_core       = $(call pkg,libsodium sqlite3 zlib,--cflags)
PKG_CFLAGS_helper     = $(PKG_CFLAGS_core)
PKG_CFLAGS_daemon     = $(PKG_CFLAGS_core) $(call pkg,libsystemd,--cflags) 
PKG_CFLAGS_central    = $(PKG_CFLAGS_core) $(call pkg,libpq,--cflags)
PKG_CFLAGS_ctl        = $(PKG_CFLAGS_central)
PKG_CFLAGS_sync       = $(PKG_CFLAGS_central)
PKG_CFLAGS_tests      = $(call pkg,pam libsodium sqlite3 zlib libpq,--cflags)
PKG_CFLAGS_bench      = $(PKG_CFLAGS_tests)
folder = $(firstword $(subst /, ,$(1)))

# ---- what is built ------------------------------------------------------
COMMON_SRC := $(wildcard common/*.c)
CORE_SRC   := $(wildcard core/*.c)
HELPER_SRC := $(wildcard helper/*.c)
DAEMON_SRC := $(wildcard daemon/*.c)
CTL_SRC    := $(wildcard ctl/*.c)
CENTRAL_SRC := $(wildcard central/*.c)
SYNC_SRC   := $(wildcard sync/*.c)
MODULE_SRC := $(wildcard pam_apikey/*.c)
SCHEMA     := $(sort $(wildcard schema/[0-9]*.sql))
CENTRAL_SCHEMA := $(sort $(wildcard schema/central/[0-9]*.sql))

COMMON_LIB     := $(B)/libcommon.a
COMMON_PIC_LIB := $(B)/pic/libcommon.a
CORE_LIB       := $(B)/libcore.a
CENTRAL_LIB    := $(B)/libcentral.a
PROGRAMS := $(B)/apikey-helper $(B)/apikeyd $(B)/apikeyctl $(B)/apikey-askpass \
            $(B)/apikey-sync $(B)/pam_apikey.so
TEST_BINS = $(B)/unit-tests $(B)/pam-test $(B)/log-listen $(B)/testtool \
             $(B)/centralgen \
             $(B)/libfault.so $(FUZZ_TARGETS:%=$(B)/replay-%)
MANPAGES := pam_apikey/pam_apikey.8 helper/apikey-helper.8 daemon/apikeyd.8 \
            ctl/apikeyctl.8 sync/apikey-sync.8 \
            askpass/apikey-askpass.1

.PHONY: all check check-sanitize check-valgrind demo deps install uninstall \
        clean format
all: $(PROGRAMS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC $@"; $(CC) $(ALL_CFLAGS) $(INC_$(call folder,$*)) \
	  $(PKG_CFLAGS_$(call folder,$*)) -fPIE -c $< -o $@

$(B)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC $@"; $(CC) $(ALL_CFLAGS) $(INC_$(call folder,$*)) \
	  $(PKG_CFLAGS_$(call folder,$*)) -fPIC -c $< -o $@

$(B)/schema.c: schema/embed.sh $(SCHEMA)
	@mkdir -p $(B)
	sh schema/embed.sh schema.h schema $(SCHEMA) > $@

$(B)/central_schema.c: schema/embed.sh $(CENTRAL_SCHEMA)
	@mkdir -p $(B)
	sh schema/embed.sh central_schema.h central_schema $(CENTRAL_SCHEMA) > $@

$(B)/central_schema.o: $(B)/central_schema.c
	@echo "  CC $@"; $(CC) $(ALL_CFLAGS) -Icentral -fPIE -c $< -o $@

$(B)/schema.o: $(B)/schema.c
	@echo "  CC $@"; $(CC) $(ALL_CFLAGS) -Icore -fPIE -c $< -o $@

# archives: each program takes only the objects it uses
$(COMMON_LIB): $(COMMON_SRC:%.c=$(B)/%.o)
	@echo "  AR $@"; rm -f $@; ar rcs $@ $^
$(COMMON_PIC_LIB): $(COMMON_SRC:%.c=$(B)/pic/%.o)
	@echo "  AR $@"; rm -f $@; ar rcs $@ $^
$(CORE_LIB): $(CORE_SRC:%.c=$(B)/%.o) $(B)/schema.o
	@echo "  AR $@"; rm -f $@; ar rcs $@ $^
$(CENTRAL_LIB): $(CENTRAL_SRC:%.c=$(B)/%.o) $(B)/central_schema.o
	@echo "  AR $@"; rm -f $@; ar rcs $@ $^

# the setuid helper: no admin code, no exec
$(B)/apikey-helper: $(HELPER_SRC:%.c=$(B)/%.o) $(SANITIZE_OBJ) $(CORE_LIB) $(COMMON_LIB)
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -pie $(LDHARDEN) $^ $(CORE_LIBS) -o $@

# the daemon: the helper's decisions, a socket, a writer thread
$(B)/apikeyd: $(DAEMON_SRC:%.c=$(B)/%.o) $(SANITIZE_OBJ) $(CORE_LIB) $(COMMON_LIB)
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -pie $(LDHARDEN) $^ $(DAEMON_LIBS) -o $@

$(B)/apikeyctl: $(CTL_SRC:%.c=$(B)/%.o) $(CENTRAL_LIB) $(CORE_LIB) $(COMMON_LIB)
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -pie $(LDHARDEN) $^ $(CENTRAL_LIBS) -o $@

# the agent of one host: the central store's keys into the host's store
$(B)/apikey-sync: $(SYNC_SRC:%.c=$(B)/%.o) $(CENTRAL_LIB) $(CORE_LIB) $(COMMON_LIB)
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -pie $(LDHARDEN) $^ $(CENTRAL_LIBS) -o $@

# the client side: no store, no libsodium
$(B)/apikey-askpass: $(B)/askpass/askpass.o $(COMMON_LIB)
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -pie $(LDHARDEN) $^ $(CLIENT_LIBS) -o $@

# links libpam (and zlib's crc32) only: no sqlite, no libsodium in sshd
$(B)/pam_apikey.so: $(MODULE_SRC:%.c=$(B)/pic/%.o) $(COMMON_PIC_LIB) \
                    pam_apikey/pam_apikey.map
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -shared $(LDHARDEN) \
	  -Wl,--version-script=pam_apikey/pam_apikey.map \
	  $(filter %.o %.a,$^) $(MODULE_LIBS) -o $@

# ---- test programs (tests/) ---------------------------------------------
UNIT_SRC := $(wildcard tests/unit/*.c)
$(B)/unit-tests: $(UNIT_SRC:%.c=$(B)/%.o) $(B)/ctl/json.o $(B)/ctl/iplists.o \
                 $(B)/ctl/services.o $(B)/ctl/sitepolicy.o $(B)/ctl/filter.o \
                 $(CENTRAL_LIB) $(CORE_LIB) $(COMMON_LIB)
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -pie $(LDHARDEN) $^ $(CENTRAL_LIBS) -o $@

$(B)/pam-test: $(B)/tests/pam/pam-test.o
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -pie $(LDHARDEN) $^ $(MODULE_LIBS) \
	  $(PAM_TEST_LIBS) -o $@

$(B)/testtool: $(B)/tests/pam/testtool.o $(COMMON_LIB)
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -pie $(LDHARDEN) $^ $(CLIENT_LIBS) -o $@

# large sealed changes to a central store (tests/central.sh, the bench)
$(B)/centralgen: $(B)/tests/central/centralgen.o $(CENTRAL_LIB) $(CORE_LIB) \
                 $(COMMON_LIB)
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -pie $(LDHARDEN) $^ $(CENTRAL_LIBS) -o $@

$(B)/log-listen: $(B)/tests/pam/log-listen.o
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -pie $(LDHARDEN) $^ -o $@

# tests only: an LD_PRELOAD shim that fails chosen calls (tests/fault.sh)
$(B)/libfault.so: tests/fault/fault.c
	@mkdir -p $(B)
	@echo "  LD $@"; $(CC) -std=gnu11 -O1 -g -Wall -Wextra -fPIC -shared \
	  $(PKG_CFLAGS_core) $< -ldl -o $@

# ---- running it ---------------------------------------------------------
deps:
	sh tests/install-deps.sh

check: deps
	$(MAKE) all $(TEST_BINS)
	sh tests/run.sh

# the suites that load our code into our own processes, rebuilt with ASan
# and UBSan (sshd and pamtester cannot load a sanitized module)
SANITIZE_SUITES := unit cli.sh crash.sh pam.sh pam.sh+apikeyd daemon.sh central.sh \
                   fuzz_replay.sh
check-sanitize: deps
	$(MAKE) B=build-sanitize SANITIZE=1 all \
	  $(TEST_BINS:$(B)/%=build-sanitize/%)
	APIKEY_BUILD=$(CURDIR)/build-sanitize APIKEY_SANITIZED=1 \
	  sh tests/run.sh $(SANITIZE_SUITES)

# apikeyctl, the helper and apikeyd under valgrind memcheck
check-valgrind: deps
	$(MAKE) all $(TEST_BINS)
	sh tests/run.sh valgrind.sh

# the story with a real sshd in a private sandbox (root)
demo: deps
	$(MAKE) all $(TEST_BINS)
	bash tests/demo.sh

format:
	bash tests/format.sh --fix

clean:
	rm -rf $(B) build-sanitize

# ---- install: the helper setuid root (4755), nothing group- or
# world-writable; the store and pepper are made by `apikeyctl init`, never
# installed, and uninstall keeps them.  apikeyd's socket and service are
# installed, not enabled (`systemctl enable --now apikeyd.socket`; the .deb
# does it), and so is apikey-sync's service (enabled by no package: it
# needs central.conf first); UNIT_PATHS writes this install's paths over
# their defaults.
UNIT_PATHS = -e 's|^ExecStart=/usr/sbin/apikeyd|ExecStart=$(SBINDIR)/apikeyd|' \
             -e 's|^ExecStart=/usr/sbin/apikey-sync|ExecStart=$(SBINDIR)/apikey-sync|' \
             -e 's|^ConditionPathExists=/etc/pam_apikey/central.conf$$|ConditionPathExists=$(CENTRAL_CONF_PATH)|' \
             -e 's|^ReadWritePaths=-/var/lib/pam_apikey$$|ReadWritePaths=-$(patsubst %/,%,$(dir $(DB_PATH)))|' \
             -e 's|^ListenStream=/run/pam_apikey/apikeyd.sock$$|ListenStream=$(DAEMON_SOCKET)|'
install: all
	install -d -m 0755 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	  $(DESTDIR)$(PAMDIR) $(DESTDIR)$(dir $(HELPER_PATH)) \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8
	install -m 4755 $(INSTALL_OWNER) $(B)/apikey-helper $(DESTDIR)$(HELPER_PATH)
	install -m 0755 $(INSTALL_OWNER) $(B)/apikeyd $(DESTDIR)$(SBINDIR)/apikeyd
	install -m 0755 $(INSTALL_OWNER) $(B)/apikeyctl $(DESTDIR)$(SBINDIR)/apikeyctl
	install -m 0755 $(INSTALL_OWNER) $(B)/apikey-sync $(DESTDIR)$(SBINDIR)/apikey-sync
	install -m 0755 $(INSTALL_OWNER) $(B)/apikey-askpass $(DESTDIR)$(BINDIR)/apikey-askpass
	install -m 0644 $(INSTALL_OWNER) $(B)/pam_apikey.so $(DESTDIR)$(PAMDIR)/pam_apikey.so
	install -m 0644 $(INSTALL_OWNER) $(filter %.1,$(MANPAGES)) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(INSTALL_OWNER) $(filter %.8,$(MANPAGES)) $(DESTDIR)$(MANDIR)/man8/
	@# the weekly audit (apikeyctl audit), with this install's paths
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@STATEDIR@|$(dir $(DB_PATH))|g' \
	  ctl/apikey-audit.service.in > $(B)/apikey-audit.service
	@# apikeyd's socket and sandboxed service, with this install's paths
	sed $(UNIT_PATHS) daemon/apikeyd.socket > $(B)/apikeyd.socket
	sed $(UNIT_PATHS) daemon/apikeyd.service > $(B)/apikeyd.service
	@# the agent's sandboxed service, likewise
	sed $(UNIT_PATHS) sync/apikey-sync.service > $(B)/apikey-sync.service
	install -d -m 0755 $(DESTDIR)$(UNITDIR)
	install -m 0644 $(INSTALL_OWNER) $(B)/apikey-audit.service \
	  ctl/apikey-audit.timer $(B)/apikeyd.socket $(B)/apikeyd.service \
	  $(B)/apikey-sync.service $(DESTDIR)$(UNITDIR)/
	@# the verifier group, as the packages make it (not into a DESTDIR)
	[ -n "$(DESTDIR)" ] || getent group $(VERIFY_GROUP) >/dev/null || \
	  groupadd --system $(VERIFY_GROUP)

uninstall:
	rm -f $(DESTDIR)$(HELPER_PATH) $(DESTDIR)$(SBINDIR)/apikeyctl \
	  $(DESTDIR)$(SBINDIR)/apikeyd $(DESTDIR)$(SBINDIR)/apikey-sync \
	  $(DESTDIR)$(BINDIR)/apikey-askpass $(DESTDIR)$(PAMDIR)/pam_apikey.so \
	  $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(filter %.1,$(MANPAGES)))) \
	  $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(filter %.8,$(MANPAGES)))) \
	  $(DESTDIR)$(UNITDIR)/apikey-audit.service \
	  $(DESTDIR)$(UNITDIR)/apikey-audit.timer \
	  $(DESTDIR)$(UNITDIR)/apikeyd.socket $(DESTDIR)$(UNITDIR)/apikeyd.service \
	  $(DESTDIR)$(UNITDIR)/apikey-sync.service

include mk/fuzz.mk mk/package.mk mk/bench.mk
-include $(shell find $(B) -name '*.d' 2>/dev/null)
