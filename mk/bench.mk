# SPDX-License-Identifier: BSD-2-Clause
# The benchmark (bench/README.md): `make bench` runs in a private namespace
# as root; QUICK=1 is the short run CI makes (no timing thresholds).  The
# run uses the programs of this build directory ($(B)).  BENCH_PARTS names
# the parts to run (default "login fleet"; bench/bench.sh).

QUICK ?=
BENCH_PARTS ?=
BENCH_TOOLS := $(B)/bench/noop $(B)/bench/pam_floor.so $(B)/bench/authbench \
               $(B)/bench/deleteload $(B)/bench/genkeys $(B)/bench/helperrun \
               $(B)/bench/fleetwatch

# the fleet part's sealed bulk rows, where the tree has the tool
# (tests/central/centralgen.c; bench/fleet.sh uses it when the central
# schema seals its rows)
BENCH_CENTRALGEN := $(if $(wildcard tests/central/centralgen.c),$(B)/centralgen)

.PHONY: bench bench-tools
bench: deps
	sh bench/deps.sh
	$(MAKE) all $(B)/log-listen bench-tools $(BENCH_CENTRALGEN)
	QUICK=$(QUICK) BENCH_PARTS="$(BENCH_PARTS)" BENCH_BUILD=$(abspath $(B)) \
	  bash bench/bench.sh

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

# the fleet's revocation watch (bench/fleet.sh): the product's verify_key on
# each host's store, whole logins through libpam to confirm
$(B)/bench/fleetwatch: $(B)/bench/fleetwatch.o $(B)/bench/login.o $(CORE_LIB) \
                       $(COMMON_LIB)
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -pie $(LDHARDEN) $^ $(CORE_LIBS) \
	  $(MODULE_LIBS) -pthread -o $@
