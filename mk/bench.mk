# SPDX-License-Identifier: BSD-2-Clause
# The benchmark (bench/README.md): `make bench` runs in a private namespace
# as root; QUICK=1 is the short run CI makes (no thresholds).

QUICK ?=
BENCH_TOOLS := $(B)/bench/noop $(B)/bench/pam_floor.so $(B)/bench/authbench \
               $(B)/bench/genkeys $(B)/bench/helperrun

.PHONY: bench bench-tools
bench: deps
	sh bench/deps.sh
	$(MAKE) all $(B)/log-listen bench-tools
	QUICK=$(QUICK) bash bench/bench.sh

bench-tools: $(BENCH_TOOLS)

# the floor's helper: a setuid `return 0`, libc only
$(B)/bench/noop: $(B)/bench/noop.o
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -pie $(LDHARDEN) $^ -o $@

# the floor module: pam_apikey's own spawn code, unchanged
$(B)/bench/pam_floor.so: $(B)/pic/bench/pam_floor.o \
                         $(B)/pic/pam_apikey/spawn.o $(B)/pic/pam_apikey/log.o \
                         $(COMMON_PIC_LIB)
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -shared $(LDHARDEN) $^ \
	  $(MODULE_LIBS) -o $@

$(B)/bench/authbench: $(B)/bench/authbench.o
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -pie $(LDHARDEN) $^ $(MODULE_LIBS) -o $@

$(B)/bench/genkeys: $(B)/bench/genkeys.o $(CORE_LIB) $(COMMON_LIB)
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -pie $(LDHARDEN) $^ $(CORE_LIBS) -o $@

$(B)/bench/helperrun: $(B)/bench/helperrun.o $(COMMON_LIB)
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -pie $(LDHARDEN) $^ $(CLIENT_LIBS) -o $@
