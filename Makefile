# SPDX-License-Identifier: LGPL-2.1-or-later
# provboot: the one build entry point (docs/conventions.md §10). Non-recursive: every
# directory's module.mk only appends to the variables below.

PREFIX ?= /usr
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/libexec
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
SYSCONFDIR ?= /etc
UNITDIR ?= /lib/systemd/system
DESTDIR ?=

BUILD ?= build
CC ?= gcc
PKG_CONFIG ?= pkg-config
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang

# Packages each link set needs. provd must never link libcrypto or libsodium.
PKGS_PROVD := libsystemd libxml-2.0
PKGS_VERIFIERD := libsystemd libxml-2.0 libcrypto libssl libsodium sqlite3
PKGS_PROVCTL := libsystemd libxml-2.0
PKGS_MMSD_SYNC := libsystemd
PKGS_TEST := $(PKGS_VERIFIERD) check

pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pc_libs = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

WARN := -Wall -Wextra -Wshadow -Wvla -Wformat=2 -Wno-unused-parameter \
        -Werror=implicit-function-declaration -Wmissing-prototypes -Wstrict-prototypes
HARDEN := -fstack-protector-strong -fstack-clash-protection -fcf-protection \
          -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 -fPIE
BASE_CFLAGS := -std=gnu11 -g -O2 $(WARN) $(HARDEN) -I. -Icommon -Iipc -D_GNU_SOURCE
BASE_LDFLAGS := -pie -Wl,-z,relro,-z,now -Wl,--as-needed
SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
SAN_CFLAGS := -std=gnu11 -g -O1 $(WARN) -I. -Icommon -Iipc -D_GNU_SOURCE $(SAN) -DPROVBOOT_TEST=1

ALL_PC_CFLAGS := $(call pc_cflags,$(PKGS_TEST))

# Filled by module.mk fragments.
COMMON_SRCS :=          # pure decoders and helpers (libprovcommon.a): no crypto
VERIFIER_SRCS :=        # verifierd engine (libverifier.a): links crypto
IPC_SRCS :=             # D-Bus contract (libipc.a)
PROVD_SRCS :=           # provd main and intake
PROVD_LIB_SRCS :=       # provd's pure helpers (libprovd.a): quarantine, rate limit, SipHash
VERIFIERD_SRCS :=       # verifierd main (bus service)
PROVCTL_SRCS :=         # provctl
MMSD_SYNC_SRCS :=       # provboot-mmsd-sync (user service: MMS settings to mmsd-tng)
UNIT_TESTS :=           # names: tests/unit/<name>.c -> $(BUILD)/tests/<name>
FUZZERS :=              # names: tests/fuzz/<name>.c, corpus tests/fuzz/corpus/<name>/
BENCHES :=              # names: bench/<name>.c
INTEGRATION_TESTS :=    # scripts under tests/integration/
EXTRA_BINS :=           # further binaries (helpers for tests)

include common/module.mk
-include ipc/module.mk
-include verifierd/module.mk
-include provd/module.mk
-include provctl/module.mk
-include nm-writer/module.mk
-include mmsd-sync/module.mk
-include dmsessiond/module.mk
-include tests/module.mk
-include bench/module.mk
-include packaging/module.mk

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
sanobj = $(patsubst %.c,$(BUILD)/san/%.o,$(1))

LIBCOMMON := $(BUILD)/libprovcommon.a
LIBVERIFIER := $(BUILD)/libverifier.a
LIBIPC := $(BUILD)/libipc.a
LIBPROVD := $(BUILD)/libprovd.a
SAN_LIBCOMMON := $(BUILD)/san/libprovcommon.a
SAN_LIBVERIFIER := $(BUILD)/san/libverifier.a
SAN_LIBIPC := $(BUILD)/san/libipc.a
SAN_LIBPROVD := $(BUILD)/san/libprovd.a

BINS :=
ifneq ($(strip $(PROVCTL_SRCS)),)
BINS += $(BUILD)/provctl
endif
ifneq ($(strip $(PROVD_SRCS)),)
BINS += $(BUILD)/provd
endif
ifneq ($(strip $(VERIFIERD_SRCS)),)
BINS += $(BUILD)/verifierd
endif
ifneq ($(strip $(MMSD_SYNC_SRCS)),)
BINS += $(BUILD)/provboot-mmsd-sync
endif

.PHONY: all check check-unit check-valgrind check-includes fuzz fuzz-build bench deps clean demo install selinux deb rpm format format-check lint
.DEFAULT_GOAL := all

all: $(BINS) $(addprefix $(BUILD)/,$(EXTRA_BINS))

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(ALL_PC_CFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(SAN_CFLAGS) $(ALL_PC_CFLAGS) -MMD -MP -c $< -o $@

$(LIBCOMMON): $(call obj,$(COMMON_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^
$(LIBVERIFIER): $(call obj,$(VERIFIER_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^
$(LIBIPC): $(call obj,$(IPC_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^
$(LIBPROVD): $(call obj,$(PROVD_LIB_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^
$(SAN_LIBCOMMON): $(call sanobj,$(COMMON_SRCS))
	rm -f $@ && $(AR) rcs $@ $^
$(SAN_LIBVERIFIER): $(call sanobj,$(VERIFIER_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^
$(SAN_LIBIPC): $(call sanobj,$(IPC_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^
$(SAN_LIBPROVD): $(call sanobj,$(PROVD_LIB_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/provd: $(call obj,$(PROVD_SRCS)) $(LIBPROVD) $(LIBIPC) $(LIBCOMMON)
	$(CC) $(BASE_LDFLAGS) $(LDFLAGS) -o $@ $^ $(call pc_libs,$(PKGS_PROVD))
$(BUILD)/verifierd: $(call obj,$(VERIFIERD_SRCS)) $(LIBVERIFIER) $(LIBIPC) $(LIBCOMMON)
	$(CC) $(BASE_LDFLAGS) $(LDFLAGS) -o $@ $^ $(call pc_libs,$(PKGS_VERIFIERD))
$(BUILD)/provctl: $(call obj,$(PROVCTL_SRCS)) $(LIBIPC) $(LIBCOMMON)
	$(CC) $(BASE_LDFLAGS) $(LDFLAGS) -o $@ $^ $(call pc_libs,$(PKGS_PROVCTL))
$(BUILD)/provboot-mmsd-sync: $(call obj,$(MMSD_SYNC_SRCS)) $(LIBIPC) $(LIBCOMMON)
	$(CC) $(BASE_LDFLAGS) $(LDFLAGS) -o $@ $^ $(call pc_libs,$(PKGS_MMSD_SYNC))

# Unit tests: Check suites, built with ASan+UBSan, linked against every internal library.
TEST_LIBS := $(SAN_LIBPROVD) $(SAN_LIBVERIFIER) $(SAN_LIBIPC) $(SAN_LIBCOMMON)
$(BUILD)/tests/%: $(BUILD)/san/tests/unit/%.o $(BUILD)/san/tests/unit/testutil.o $(TEST_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $^ $(call pc_libs,$(PKGS_TEST)) -lpthread

# The same unit tests without sanitizers, for valgrind (make check-valgrind).
VG_CFLAGS := -std=gnu11 -g -O1 $(WARN) -I. -Icommon -Iipc -D_GNU_SOURCE -DPROVBOOT_TEST=1
vgobj = $(patsubst %.c,$(BUILD)/vg/%.o,$(1))
$(BUILD)/vg/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(VG_CFLAGS) $(ALL_PC_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/vg/libprovboot.a: $(call vgobj,$(PROVD_LIB_SRCS) $(IPC_SRCS) $(VERIFIER_SRCS) $(COMMON_SRCS))
	rm -f $@ && $(AR) rcs $@ $^
$(BUILD)/vg/tests/%: $(BUILD)/vg/tests/unit/%.o $(BUILD)/vg/tests/unit/testutil.o $(BUILD)/vg/libprovboot.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(call pc_libs,$(PKGS_TEST)) -lpthread

# Fuzz targets: gcc + ASan/UBSan against the replay main() (make check), clang libFuzzer (make fuzz).
$(BUILD)/fuzz-replay/%: $(BUILD)/san/tests/fuzz/%.o $(BUILD)/san/tests/fuzz/replay.o $(TEST_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $^ $(call pc_libs,$(PKGS_TEST))

FUZZ_LIB_SRCS := $(PROVD_LIB_SRCS) $(COMMON_SRCS) $(VERIFIER_SRCS) $(IPC_SRCS)
$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_SRCS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -g -O1 -I. -Icommon -Iipc -D_GNU_SOURCE -DPROVBOOT_TEST=1 $(ALL_PC_CFLAGS) \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -o $@ $^ $(call pc_libs,$(PKGS_TEST))

$(BUILD)/bench/%: bench/%.c $(LIBVERIFIER) $(LIBIPC) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -Iverifierd $(ALL_PC_CFLAGS) -O2 -o $@ $^ $(call pc_libs,$(PKGS_TEST))

UNIT_BINS := $(addprefix $(BUILD)/tests/,$(UNIT_TESTS))
REPLAY_BINS := $(addprefix $(BUILD)/fuzz-replay/,$(FUZZERS))

# Installs the Debian packages the build and tests need when they are missing (idempotent).
deps:
	@./tools/deps.sh

VG_BINS := $(addprefix $(BUILD)/vg/tests/,$(UNIT_TESTS))
check-build: all $(UNIT_BINS) $(REPLAY_BINS) $(VG_BINS)

check: deps
	@$(MAKE) --no-print-directory check-build
	@$(MAKE) --no-print-directory check-includes
	@BUILD=$(BUILD) UNIT_TESTS="$(UNIT_TESTS)" FUZZERS="$(FUZZERS)" INTEGRATION_TESTS="$(INTEGRATION_TESTS)" \
	  ./tests/run-tests.sh

# No dependency cycle between headers, nor between the modules of common/ and verifierd's layers.
check-includes: all
	@BUILD=$(BUILD) ./tests/check-includes.py

check-valgrind: deps
	@$(MAKE) --no-print-directory $(addprefix $(BUILD)/vg/tests/,$(UNIT_TESTS))
	@BUILD=$(BUILD) UNIT_TESTS="$(UNIT_TESTS)" ./tests/run-valgrind.sh

fuzz-build: $(addprefix $(BUILD)/fuzz/,$(FUZZERS))

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@BUILD=$(BUILD) FUZZERS="$(FUZZERS)" FUZZ_SECONDS=$(FUZZ_SECONDS) ./tests/fuzz/run-fuzz.sh

bench: deps
	@$(MAKE) --no-print-directory all $(addprefix $(BUILD)/bench/,$(BENCHES))
	@BUILD=$(BUILD) BENCHES="$(BENCHES)" ./bench/run-bench.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) ./tools/demo.sh

clean:
	rm -rf $(BUILD)

# Product C sources (not tests, benches or tools): what .clang-format describes (docs/conventions.md §4).
FORMAT_SRCS = $(sort $(wildcard $(addsuffix /*.[ch],common ipc provd verifierd provctl mmsd-sync)))
CLANG_FORMAT ?= clang-format

# Reformat every product C file in place (`git clang-format` reformats only the lines you changed).
format:
	$(CLANG_FORMAT) -i --style=file $(FORMAT_SRCS)

# Report the product C files clang-format would change, with the number of lines; fails if any.
# Not part of `make check`: the tree predates .clang-format and has not been reformatted.
format-check:
	@n=0; for f in $(FORMAT_SRCS); do \
	  d=$$($(CLANG_FORMAT) --style=file "$$f" | diff "$$f" - | grep -c '^>'); \
	  if [ "$$d" -gt 0 ]; then echo "$$f: $$d line(s) differ"; n=$$((n + 1)); fi; \
	done; echo "$$n file(s) differ from .clang-format"; [ "$$n" -eq 0 ]

lint:
	cppcheck --quiet --enable=warning,portability --std=c11 -I common -I ipc common provd verifierd provctl ipc mmsd-sync

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
