# pvbench: plain GNU make.  make | make check | make bench | make image | make install
#   WERROR=0        do not turn warnings into errors
#   SANITIZE=address,undefined   build host code and unit tests with sanitizers (clang or gcc)
#   V=1             show full commands
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
HARDEN   := -D_FORTIFY_SOURCE=2 -fstack-protector-strong
BASE_CFLAGS := -std=gnu11 -O2 -g -D_GNU_SOURCE $(WARNINGS) $(HARDEN)
ifeq ($(WERROR),1)
BASE_CFLAGS += -Werror
endif

PKGS := inih json-c libvirt libxml-2.0
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

HOST_CFLAGS := $(BASE_CFLAGS) $(PKG_CFLAGS) -DPVB_VERSION='"$(VERSION)"' -DPVB_GIT_REV='"$(GIT_REV)"' \
               -DPVB_DATADIR='"$(abspath .)"'
HOST_LDFLAGS :=
ifneq ($(SANITIZE),)
HOST_CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
HOST_LDFLAGS += -fsanitize=$(SANITIZE)
endif
HOST_LIBS := $(PKG_LIBS) -lm

# The agent is the guest's /init: static, no sanitizers, its own flags.
AGENT_CFLAGS := $(BASE_CFLAGS) -static -DPVB_VERSION='"$(VERSION)"'
AGENT_TEST_CFLAGS := $(BASE_CFLAGS) -DPVB_AGENT_TEST -DPVB_VERSION='"$(VERSION)"' \
                     -DPVB_AGENT_FIXTURES='"$(abspath guest-agent/tests/fixtures)"' \
                     -DPVB_AGENT_BIN='"$(abspath guest-agent/pvbench-agent)"'

# ---- sources --------------------------------------------------------------------------------
BENCH_SRCS := $(filter-out bench/main.c,$(wildcard bench/*.c))
BENCH_OBJS := $(BENCH_SRCS:%.c=$(BUILD)/%.o)
BENCH_LIB  := $(BUILD)/libpvbench.a

AGENT_SRCS := $(filter-out guest-agent/agent.c,$(wildcard guest-agent/*.c))
AGENT_OBJS := $(AGENT_SRCS:%.c=$(BUILD)/agent/%.o)
AGENT_HOST_OBJS := $(AGENT_SRCS:%.c=$(BUILD)/agent-host/%.o)

BENCH_TESTS := $(patsubst bench/tests/%.c,$(BUILD)/tests/bench/%,$(wildcard bench/tests/test_*.c))
AGENT_TESTS := $(patsubst guest-agent/tests/%.c,$(BUILD)/tests/agent/%,$(wildcard guest-agent/tests/test_*.c))
UNIT_TESTS  := $(BENCH_TESTS) $(AGENT_TESTS)

PVBENCH := bench/pvbench
AGENT   := guest-agent/pvbench-agent

.PHONY: all check unit integration bench demo image setup install clean lint help
.PHONY: image-fio selftest
all: $(PVBENCH) $(AGENT)

help:
	@echo "make            build bench/pvbench and guest-agent/pvbench-agent"
	@echo "make check      build and run every test (unit + integration with real guests)"
	@echo "make unit       unit tests only"
	@echo "make bench      set up the host, build, run scenarios/quick.ini"
	@echo "make demo       the teaching demo (about 2 minutes): emulated vs virtio, and why"
	@echo "make image      build the guest kernel + initramfs into build/guest/"
	@echo "make image-fio  also build/guest/initramfs-fio.img (Debian's fio inside, engine = fio)"
	@echo "make selftest   agent against fio in one guest (SELFTEST_ARGS=--quick)"
	@echo "make install    install pvbench into \$$(DESTDIR)\$$(PREFIX)"

# ---- host harness ---------------------------------------------------------------------------
$(BUILD)/bench/%.o: bench/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
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

$(AGENT): $(BUILD)/agent/guest-agent/agent.o $(AGENT_OBJS)
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
	$(Q)$(CC) $(HOST_CFLAGS) -Ibench $(HOST_LDFLAGS) -o $@ $< $(BENCH_LIB) $(HOST_LIBS) -lcmocka

# test_agent runs the static agent itself (off PID 1, on a pty and a scratch file).
$(BUILD)/tests/agent/test_agent: $(AGENT)
$(BUILD)/tests/agent/%: guest-agent/tests/%.c $(AGENT_HOST_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(AGENT_TEST_CFLAGS) -Iguest-agent -o $@ $< $(AGENT_HOST_OBJS) -lcmocka -ljson-c -lm

unit: $(UNIT_TESTS) $(PVBENCH)
	$(Q)scripts/run-tests unit $(UNIT_TESTS)

# ---- guest image, integration, bench --------------------------------------------------------
image: $(PVBENCH) $(AGENT)
	$(Q)scripts/build-guest --out $(BUILD)/guest --agent $(AGENT) --pvbench $(PVBENCH)

# The variant image with Debian's fio and its libraries (engine = fio, pvbench selftest).
image-fio: $(PVBENCH) $(AGENT)
	$(Q)scripts/build-guest --out $(BUILD)/guest --agent $(AGENT) --pvbench $(PVBENCH) --with-fio

selftest: image-fio
	$(Q)$(PVBENCH) selftest $(SELFTEST_ARGS)

integration: all image image-fio
	$(Q)scripts/run-tests integration bench/tests/integration/*.sh

check: all $(UNIT_TESTS) image image-fio
	$(Q)scripts/run-tests all $(UNIT_TESTS) bench/tests/integration/*.sh

setup:
	$(Q)scripts/setup

bench: setup
	$(Q)$(MAKE) --no-print-directory all image
	$(Q)$(PVBENCH) run scenarios/quick.ini

# The teaching demo: scenarios/teaching.ini, then the account and demo.html (docs/teaching.md).
demo: all image
	$(Q)$(PVBENCH) demo

lint:
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
	    --suppress=missingIncludeSystem -Ibench -Iguest-agent bench guest-agent

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/pvbench/scenarios
	install -m 0755 $(PVBENCH) $(DESTDIR)$(PREFIX)/bin/pvbench
	install -m 0644 scenarios/*.ini $(DESTDIR)$(PREFIX)/share/pvbench/scenarios/
	install -d $(DESTDIR)$(PREFIX)/share/pvbench/scripts/plot
	install -m 0644 scripts/plot/*.gp $(DESTDIR)$(PREFIX)/share/pvbench/scripts/plot/

clean:
	rm -rf $(BUILD)/bench $(BUILD)/agent $(BUILD)/agent-host $(BUILD)/tests $(BENCH_LIB) \
	       $(PVBENCH) $(AGENT)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
