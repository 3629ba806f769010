# pvbench: plain GNU make.  make | make check | make bench | make image | make install
#   WERROR=0        do not turn warnings into errors
#   SANITIZE=address,undefined   build host code and unit tests with sanitizers (clang or gcc)
#   V=1             show full commands
#   FUZZ_SECONDS=60 make fuzz: seconds per libFuzzer target (clang, libclang-rt-14-dev)
#   PREFIX, DESTDIR for make install

PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= cc
WERROR   ?= 1
SANITIZE ?=
V        ?= 0
BUILD    := build

ifeq ($(V),1)
Q :=
else
Q := @
endif

VERSION := 0.1.0
GIT_REV := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

WARNINGS := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter -Wvla -Wpointer-arith \
            -Wno-format-truncation
# clang has no -Wformat-truncation: let it pass over the gcc-only option (CC=clang SANITIZE=...).
ifneq ($(findstring clang,$(shell $(CC) --version 2>/dev/null | head -1)),)
WARNINGS += -Wno-unknown-warning-option
endif
HARDEN   := -D_FORTIFY_SOURCE=2 -fstack-protector-strong
BASE_CFLAGS := -std=gnu11 -O2 -g -D_GNU_SOURCE $(WARNINGS) $(HARDEN)
ifeq ($(WERROR),1)
BASE_CFLAGS += -Werror
endif

# bench/ in layers, each including only those below it (docs/architecture.md):
# core <- model <- guest <- backend, net <- run <- out; main.c on top.
BENCH_DIRS := core model guest backend net run out
BENCH_INC  := -Icommon $(BENCH_DIRS:%=-Ibench/%)

PKGS := inih json-c libvirt libvirt-qemu libxml-2.0
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# The results store (bench/out/store_*.c): SQLite by default, PostgreSQL for a team.
STORE_CFLAGS := $(shell pkg-config --cflags libpq 2>/dev/null)
STORE_LIBS := -lsqlite3 -lpq
HOST_CFLAGS := $(BASE_CFLAGS) $(BENCH_INC) $(PKG_CFLAGS) $(STORE_CFLAGS) -DPVB_VERSION='"$(VERSION)"' -DPVB_GIT_REV='"$(GIT_REV)"' \
               -DPVB_DATADIR='"$(abspath .)"'
# The always-sanitized tree ($(BUILD)/san: fuzz regression replays, `make unit-san`).
# -fno-builtin-memcmp: gcc inlines a short memcmp that stops at the first difference; the
# interceptor checks the whole range (how the scenario BOM over-read was found).
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
             -fno-builtin-memcmp
SAN_CFLAGS := $(HOST_CFLAGS) $(SAN_FLAGS)
HOST_LDFLAGS :=
ifneq ($(SANITIZE),)
HOST_CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
HOST_LDFLAGS += -fsanitize=$(SANITIZE)
endif
HOST_LIBS := $(PKG_LIBS) $(STORE_LIBS) -lm

# The agent is the guest's /init: static, no sanitizers, its own flags.
AGENT_CFLAGS := $(BASE_CFLAGS) -Icommon -static -DPVB_VERSION='"$(VERSION)"'
AGENT_TEST_CFLAGS := $(BASE_CFLAGS) -Icommon -DPVB_AGENT_TEST -DPVB_VERSION='"$(VERSION)"' \
                     -DPVB_AGENT_FIXTURES='"$(abspath guest-agent/tests/fixtures)"' \
                     -DPVB_AGENT_BIN='"$(abspath guest-agent/pvbench-agent)"'

# ---- sources --------------------------------------------------------------------------------
BENCH_SRCS := $(wildcard $(BENCH_DIRS:%=bench/%/*.c))
# Code the agent and the harness share (wire format, fio's command line and JSON): common/.
COMMON_SRCS := $(wildcard common/*.c)
BENCH_SHARED := $(COMMON_SRCS)
BENCH_OBJS := $(BENCH_SRCS:%.c=$(BUILD)/%.o) $(BENCH_SHARED:%.c=$(BUILD)/bench/%.o)
BENCH_LIB  := $(BUILD)/libpvbench.a

AGENT_SRCS := $(filter-out guest-agent/agent_main.c,$(wildcard guest-agent/*.c)) $(COMMON_SRCS)
AGENT_OBJS := $(AGENT_SRCS:%.c=$(BUILD)/agent/%.o)
AGENT_HOST_OBJS := $(AGENT_SRCS:%.c=$(BUILD)/agent-host/%.o)

BENCH_TESTS := $(patsubst bench/tests/%.c,$(BUILD)/tests/bench/%,$(wildcard bench/tests/test_*.c))
AGENT_TESTS := $(patsubst guest-agent/tests/%.c,$(BUILD)/tests/agent/%,$(wildcard guest-agent/tests/test_*.c))
UNIT_TESTS  := $(BENCH_TESTS) $(AGENT_TESTS)

# Fuzz targets (fuzz/fuzz_<name>.c); their regression replays run in `make check`.
FUZZ_TARGETS := scenario agentmsg samples_csv run_json report
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_REPLAYS := $(FUZZ_TARGETS:%=$(BUILD)/tests/fuzz/replay_%)
SAN_OBJS     := $(BENCH_SRCS:%.c=$(BUILD)/san/%.o) $(BENCH_SHARED:%.c=$(BUILD)/san/bench/%.o)
SAN_LIB      := $(BUILD)/san/libpvbench.a
SAN_TESTS    := $(patsubst bench/tests/%.c,$(BUILD)/san/tests/%,$(wildcard bench/tests/test_*.c))

# Message catalogues (bench/core/i18n.h): po/<lang>.po -> build/locale/<lang>/LC_MESSAGES/.
PO_LANGS := es
MO_FILES := $(PO_LANGS:%=$(BUILD)/locale/%/LC_MESSAGES/pvbench.mo)

PVBENCH := bench/pvbench
AGENT   := guest-agent/pvbench-agent

# The manual and the shell completion, generated from the binary's option tables.
MAN_PAGES  := $(BUILD)/man/pvbench.1 $(BUILD)/man/pvbench-scenario.5
COMPLETION := $(BUILD)/completion/pvbench

.PHONY: all check check-fast check-kvm uninstall unit integration bench demo image setup install clean lint help
.PHONY: image-fio selftest fuzz fuzz-build unit-san valgrind
all: $(PVBENCH) $(AGENT) $(MO_FILES) $(MAN_PAGES) $(COMPLETION)

$(BUILD)/man/pvbench.1: $(PVBENCH)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)$(PVBENCH) help man1 >$@.tmp && mv $@.tmp $@

$(BUILD)/man/pvbench-scenario.5: $(PVBENCH)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)$(PVBENCH) help man5 >$@.tmp && mv $@.tmp $@

$(COMPLETION): $(PVBENCH)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)$(PVBENCH) help completion >$@.tmp && mv $@.tmp $@

$(BUILD)/locale/%/LC_MESSAGES/pvbench.mo: po/%.po
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  MSGFMT  $<")
	$(Q)msgfmt --check -o $@ $<

help:
	@echo "make            build bench/pvbench and guest-agent/pvbench-agent"
	@echo "make check      build and run every test (unit + integration with real guests)"
	@echo "make unit       unit tests only"
	@echo "make check-fast the harness through the process backend, no guest (seconds)"
	@echo "make check-kvm  the KVM path nested in an L1 guest under TCG (minutes; AMD SVM)"
	@echo "make bench      set up the host, build, run scenarios/quick.ini"
	@echo "make demo       the teaching demo (about 1.5 minutes): emulated vs virtio, and why"
	@echo "make image      build the guest kernel + initramfs into build/guest/"
	@echo "make image-fio  also build/guest/initramfs-fio.img (Debian's fio inside, engine = fio)"
	@echo "make selftest   agent against fio and iperf3 in guests (SELFTEST_ARGS=--quick)"
	@echo "make install    install pvbench into \$$(DESTDIR)\$$(PREFIX)"
	@echo "make fuzz       run each libFuzzer target FUZZ_SECONDS (60) s (clang; build/fuzz/)"
	@echo "make unit-san   host unit tests and fuzz regressions with ASan+UBSan (build/san/)"
	@echo "make valgrind   unit tests under valgrind --leak-check=full"
	@echo "make lint       cppcheck on the host code and the agent"

# ---- host harness ---------------------------------------------------------------------------
$(BUILD)/bench/%.o: bench/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/bench/common/%.o: common/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (host)")
	$(Q)$(CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@

$(BENCH_LIB): $(BENCH_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(PVBENCH): $(BUILD)/bench/main.o $(BENCH_LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)

# ---- guest agent ----------------------------------------------------------------------------
$(BUILD)/agent/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (agent)")
	$(Q)$(CC) $(AGENT_CFLAGS) -MMD -MP -c $< -o $@

$(AGENT): $(BUILD)/agent/guest-agent/agent_main.o $(AGENT_OBJS)
	@$(if $(Q),echo "  LD      $@ (static)")
	$(Q)$(CC) -static -o $@ $^ -ljson-c

.SECONDARY: $(AGENT_OBJS) $(AGENT_HOST_OBJS)
$(BUILD)/agent-host/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(AGENT_TEST_CFLAGS) -MMD -MP -c $< -o $@

# ---- unit tests -----------------------------------------------------------------------------
$(BUILD)/tests/bench/%: bench/tests/%.c $(BENCH_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(HOST_CFLAGS) $(HOST_LDFLAGS) -o $@ $< $(BENCH_LIB) $(HOST_LIBS) -lcmocka

# test_agent runs the static agent itself (off PID 1, on a pty and a scratch file).
$(BUILD)/tests/agent/test_agent: $(AGENT)
$(BUILD)/tests/agent/%: guest-agent/tests/%.c $(AGENT_HOST_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(AGENT_TEST_CFLAGS) -Iguest-agent -Icommon -o $@ $< $(AGENT_HOST_OBJS) -lcmocka -ljson-c -lm

# Checks of the tree that run with the unit tests (no guest): every message translated.
TREE_TESTS := bench/tests/test_translations.sh

unit: $(UNIT_TESTS) $(FUZZ_REPLAYS) $(PVBENCH)
	$(Q)scripts/run-tests unit $(UNIT_TESTS) $(FUZZ_REPLAYS) $(TREE_TESTS)

# ---- sanitizer tree: the library and host unit tests with ASan+UBSan, separate objects -----
$(BUILD)/san/bench/%.o: bench/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (asan,ubsan)")
	$(Q)$(CC) $(SAN_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/san/bench/common/%.o: common/%.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(SAN_CFLAGS) -MMD -MP -c $< -o $@

$(SAN_LIB): $(SAN_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/san/tests/%: bench/tests/%.c $(SAN_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@ (asan,ubsan)")
	$(Q)$(CC) $(SAN_CFLAGS) -o $@ $< $(SAN_LIB) $(HOST_LIBS) -lcmocka $(SAN_FLAGS)

# Each fuzz target with a plain main() that replays fuzz/regressions/<t>/ and fuzz/corpus/<t>/.
$(BUILD)/tests/fuzz/replay_%: fuzz/fuzz_%.c fuzz/replay.c fuzz/fuzz_util.h $(SAN_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@ (asan,ubsan)")
	$(Q)$(CC) $(SAN_CFLAGS) \
	    -DFUZZ_REPLAY_DIRS='"$(abspath fuzz/regressions/$*):$(abspath fuzz/corpus/$*)"' \
	    -o $@ fuzz/fuzz_$*.c fuzz/replay.c $(SAN_LIB) $(HOST_LIBS) $(SAN_FLAGS)

# Unit tests of the host code with sanitizers, in their own tree (the normal build is kept).
unit-san: $(SAN_TESTS) $(FUZZ_REPLAYS) $(PVBENCH)
	$(Q)scripts/run-tests unit-san $(SAN_TESTS) $(FUZZ_REPLAYS)

# Every unit test program under valgrind (the normal, unsanitized build).
valgrind: $(UNIT_TESTS) $(PVBENCH)
	$(Q)PVBENCH_TEST_LOGS=$(BUILD)/test-logs/valgrind PVBENCH_TEST_WRAPPER=scripts/valgrind-test \
	    scripts/run-tests valgrind $(UNIT_TESTS)

# ---- fuzzing: clang + libFuzzer + ASan/UBSan, objects in $(BUILD)/fuzz --------------------
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_CFLAGS  := $(filter-out -Werror -O2,$(HOST_CFLAGS)) -O1 -Wno-unknown-warning-option \
                $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_OBJS    := $(BENCH_SRCS:%.c=$(BUILD)/fuzz/%.o) $(BENCH_SHARED:%.c=$(BUILD)/fuzz/bench/%.o)
FUZZ_LIB     := $(BUILD)/fuzz/libpvbench.a

$(BUILD)/fuzz/bench/%.o: bench/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (fuzz)")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/fuzz/bench/common/%.o: common/%.c
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_LIB): $(FUZZ_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_util.h $(FUZZ_LIB)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) $(HOST_LIBS)

fuzz-build: $(FUZZ_BINS)

# Each target for FUZZ_SECONDS on a working corpus seeded from fuzz/corpus/<t>; crashes go
# to $(BUILD)/fuzz/crashes/<t>/ (keep them in fuzz/regressions/<t>/ once fixed).
fuzz: $(FUZZ_BINS)
	$(Q)set -e; rm -rf $(BUILD)/fuzz/tmp; for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(BUILD)/fuzz/work/$$t $(BUILD)/fuzz/crashes/$$t $(BUILD)/fuzz/tmp; \
	    echo "== fuzz_$$t ($(FUZZ_SECONDS) s)"; \
	    TMPDIR=$(abspath $(BUILD)/fuzz/tmp) $(BUILD)/fuzz/fuzz_$$t \
	        -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	        -artifact_prefix=$(BUILD)/fuzz/crashes/$$t/ \
	        $(BUILD)/fuzz/work/$$t fuzz/corpus/$$t >$(BUILD)/fuzz/fuzz_$$t.log 2>&1 || \
	        { tail -60 $(BUILD)/fuzz/fuzz_$$t.log; exit 1; }; \
	    grep -E '^(stat::number_of_executed_units|Done)' $(BUILD)/fuzz/fuzz_$$t.log || true; \
	done

# ---- guest image, integration, bench --------------------------------------------------------
image: $(PVBENCH) $(AGENT)
	$(Q)scripts/build-guest --out $(BUILD)/guest --agent $(AGENT) --pvbench $(PVBENCH)

# The variant image with Debian's fio and its libraries (engine = fio, pvbench selftest).
image-fio: $(PVBENCH) $(AGENT)
	$(Q)scripts/build-guest --out $(BUILD)/guest --agent $(AGENT) --pvbench $(PVBENCH) --with-fio

selftest: image-fio
	$(Q)$(PVBENCH) selftest $(SELFTEST_ARGS)

# Tests at a time in make check and make integration (scripts/run-tests: a test marked
# "pvbench-test: alone" still runs by itself). TEST_JOBS=1 runs them one by one.
TEST_JOBS ?= 2

integration: all image image-fio
	$(Q)PVBENCH_TEST_JOBS=$(TEST_JOBS) scripts/run-tests integration bench/tests/integration/test_*.sh

# The fast tier: the harness through its process backend (the agent as a host process), no guest.
check-fast: all
	$(Q)scripts/run-tests fast bench/tests/fast/test_*.sh

# The KVM path, nested: an L1 guest under TCG with an SVM CPU runs `pvbench run --accel kvm`
# (scripts/kvm-l1, bench/tests/kvm/); a few minutes, so not part of make check.
check-kvm: all
	$(Q)scripts/run-tests kvm bench/tests/kvm/check_kvm.sh

check: all $(UNIT_TESTS) $(FUZZ_REPLAYS) image image-fio
	$(Q)PVBENCH_TEST_JOBS=$(TEST_JOBS) scripts/run-tests all $(UNIT_TESTS) $(FUZZ_REPLAYS) $(TREE_TESTS) bench/tests/fast/test_*.sh \
	    bench/tests/integration/test_*.sh

setup:
	$(Q)scripts/setup

bench: setup
	$(Q)$(MAKE) --no-print-directory all image
	$(Q)$(PVBENCH) run scenarios/quick.ini

# The teaching demo: scenarios/teaching.ini, then the account and demo.html (docs/teaching.md).
demo: all image
	$(Q)$(PVBENCH) demo

# cppcheck, then the include graph (docs/architecture.md): its report is printed, not yet fatal
# while the layer violations it lists remain.
lint:
	-$(Q)scripts/check-includes
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
	    --suppress=missingIncludeSystem $(BENCH_INC) -Iguest-agent bench guest-agent common

# A self-contained copy under PREFIX (bench/core/paths.h): the harness finds its data, its
# agent and its catalogues relative to its own bin/; guest images go to the cache
# (`pvbench image build`).
SHARE := $(DESTDIR)$(PREFIX)/share/pvbench
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(SHARE)/scenarios $(SHARE)/scripts/plot \
	    $(DESTDIR)$(PREFIX)/lib/pvbench
	install -m 0755 $(PVBENCH) $(DESTDIR)$(PREFIX)/bin/pvbench
	install -m 0755 $(AGENT) $(DESTDIR)$(PREFIX)/lib/pvbench/pvbench-agent
	install -m 0644 scenarios/*.ini $(SHARE)/scenarios/
	install -m 0644 scripts/plot/*.gp $(SHARE)/scripts/plot/
	install -m 0755 scripts/build-guest scripts/fetch-debian $(SHARE)/scripts/
	for l in $(PO_LANGS); do \
	    install -d $(DESTDIR)$(PREFIX)/share/locale/$$l/LC_MESSAGES && \
	    install -m 0644 $(BUILD)/locale/$$l/LC_MESSAGES/pvbench.mo \
	        $(DESTDIR)$(PREFIX)/share/locale/$$l/LC_MESSAGES/pvbench.mo || exit 1; \
	done
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 0644 $(BUILD)/man/pvbench.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 $(BUILD)/man/pvbench-scenario.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 $(COMPLETION) $(DESTDIR)$(PREFIX)/share/bash-completion/completions/pvbench

# What install put there, and nothing else (the cache and the results store stay).
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/pvbench $(DESTDIR)$(PREFIX)/lib/pvbench/pvbench-agent \
	    $(DESTDIR)$(PREFIX)/share/man/man1/pvbench.1 \
	    $(DESTDIR)$(PREFIX)/share/man/man5/pvbench-scenario.5 \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/pvbench
	for l in $(PO_LANGS); do rm -f $(DESTDIR)$(PREFIX)/share/locale/$$l/LC_MESSAGES/pvbench.mo; done
	rm -rf $(SHARE)
	-rmdir $(DESTDIR)$(PREFIX)/lib/pvbench

clean:
	rm -rf $(BUILD)/bench $(BUILD)/agent $(BUILD)/agent-host $(BUILD)/tests $(BENCH_LIB) \
	       $(BUILD)/san $(BUILD)/fuzz/bench $(BUILD)/fuzz/fuzz_* $(BUILD)/fuzz/tmp $(FUZZ_LIB) \
	       $(PVBENCH) $(AGENT) $(BUILD)/man $(BUILD)/completion

# dependency files only: build/sshd (test_libvirt_isolated) holds folders named *.d
-include $(shell find $(BUILD) -name '*.d' -type f -not -path '$(BUILD)/sshd/*' 2>/dev/null)
