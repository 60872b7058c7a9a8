# SPDX-License-Identifier: BSD-2-Clause
# The benchmark (bench/README.md): `make bench` runs in a private namespace
# as root; QUICK=1 is the short run CI makes (no timing thresholds).  The
# run uses the programs of this build directory ($(B)).

QUICK ?=
BENCH_TOOLS := $(B)/bench/noop $(B)/bench/pam_floor.so $(B)/bench/authbench \
               $(B)/bench/deleteload $(B)/bench/genkeys $(B)/bench/helperrun

.PHONY: bench bench-tools
bench: deps
	sh bench/deps.sh
	$(MAKE) all $(B)/log-listen bench-tools
	QUICK=$(QUICK) BENCH_BUILD=$(abspath $(B)) bash bench/bench.sh

bench-tools: $(BENCH_TOOLS)

# the floor's helper: a setuid `return 0`, libc only
$(B)/bench/noop: $(B)/bench/noop.o
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -pie $(LDHARDEN) $^ -o $@

# the floor module: posix_spawn and wait, libpam only
$(B)/bench/pam_floor.so: $(B)/pic/bench/pam_floor.o
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -shared $(LDHARDEN) $^ \
	  $(MODULE_LIBS) -o $@

$(B)/bench/authbench: $(B)/bench/authbench.o $(B)/bench/login.o
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -pie $(LDHARDEN) $^ $(MODULE_LIBS) -o $@

$(B)/bench/deleteload: $(B)/bench/deleteload.o $(B)/bench/login.o
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -pie $(LDHARDEN) $^ $(MODULE_LIBS) \
	  -lm -o $@

$(B)/bench/genkeys: $(B)/bench/genkeys.o $(CORE_LIB) $(COMMON_LIB)
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -pie $(LDHARDEN) $^ $(CORE_LIBS) -o $@

$(B)/bench/helperrun: $(B)/bench/helperrun.o $(COMMON_LIB)
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -pie $(LDHARDEN) $^ $(CLIENT_LIBS) -o $@
