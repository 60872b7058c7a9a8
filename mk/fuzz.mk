# SPDX-License-Identifier: BSD-2-Clause
# Fuzzers (tests/fuzz/): libFuzzer with clang, ASan and UBSan.  `make fuzz`
# runs each for FUZZ_SECONDS; a crash lands in tests/fuzz/regressions/,
# which `make check` replays with the corpus through $(B)/replay-*.

FUZZ_TARGETS := request key cidr when
FUZZ_SECONDS ?= 30
FUZZ_SRC_request := common/protocol.c
FUZZ_SRC_key     := common/keyfmt.c common/pak.c
FUZZ_SRC_cidr    := core/cidr.c
FUZZ_SRC_when    := core/when.c
FUZZ_CFLAGS := -g -O1 -D_GNU_SOURCE -Icommon -Icore \
               -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

.PHONY: fuzz
.SECONDEXPANSION:
$(B)/fuzz-%: tests/fuzz/fuzz_%.c $$(FUZZ_SRC_$$*)
	@mkdir -p $(B)
	@echo "  FUZZ $@"; clang $(FUZZ_CFLAGS) $^ -lcidr -lz -o $@

$(B)/replay-%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $$(FUZZ_SRC_$$*)
	@mkdir -p $(B)
	@echo "  LD $@"; $(CC) $(ALL_CFLAGS) -Icommon -Icore -fPIE -pie \
	  $(LDHARDEN) $^ -lcidr -lz -o $@

fuzz: $(FUZZ_TARGETS:%=$(B)/fuzz-%)
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(B)/fuzz-corpus/$$t tests/fuzz/regressions/$$t; \
	  echo "fuzzing $$t for $(FUZZ_SECONDS) s"; \
	  $(B)/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
	    -artifact_prefix=tests/fuzz/regressions/$$t/ \
	    $(B)/fuzz-corpus/$$t tests/fuzz/corpus/$$t 2>$(B)/fuzz-$$t.log \
	  || { tail -40 $(B)/fuzz-$$t.log; \
	       echo "fuzz-$$t FAILED; input saved in tests/fuzz/regressions/$$t"; \
	       exit 1; }; \
	  grep -E '^#[0-9]+.*DONE' $(B)/fuzz-$$t.log | tail -1; \
	done
