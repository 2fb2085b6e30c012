# smpdoc — GNU make, out-of-tree build in $(BUILD).
#
#   make            build $(BUILD)/smpdoc
#   make demo       install missing packages, run the pipeline on samples/
#   make check      install missing packages, run every test
#   make asan       the same tests under AddressSanitizer + UBSan
#   make bench      benchmarks (kernels per ISA, whole pipeline, peers)
#   make fuzz       libFuzzer on each target for FUZZ_SECONDS (needs clang)
#   make valgrind   the end-to-end tests under valgrind
#   make install    PREFIX=/usr/local DESTDIR=
#
# Sources are found by wildcard: a new src/*.c joins the library, a new
# tests/test_*.c becomes one more test program.

VERSION     := 0.1.0
BUILD       ?= build
CC          ?= cc
PKG_CONFIG  ?= pkg-config
CFLAGS      ?= -O2 -g
LDFLAGS     ?=
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
DATADIR     ?= $(PREFIX)/share/smpdoc
INSTALL     ?= install
PYTHON      ?= python3

PKGS        := vips fftw3 libexif json-glib-1.0 sqlite3 libwebpmux
WARN        := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
               -Wno-missing-field-initializers
PKG_CFLAGS  := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lcsv -lm
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
TEST_LIBS   := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
override CPPFLAGS += -Iinclude -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
               -DSMP_VERSION='"$(VERSION)"' -DSMP_DATADIR='"$(DATADIR)"' \
               -MMD -MP
STD         := -std=gnu11

# ISA flags go on the kernel objects only (STYLE.md): the rest of the
# binary runs on any x86-64 and dispatch.c picks a path at run time. The
# scalar reference is kept scalar so that it is a true reference.
KFLAGS      := -ffp-contract=off -fno-lto
$(BUILD)/src/detect/kernels_scalar.o: ISAFLAGS = $(KFLAGS) -fno-tree-vectorize
$(BUILD)/src/detect/kernels_sse2.o:   ISAFLAGS = $(KFLAGS) -msse2
$(BUILD)/src/detect/kernels_avx2.o:   ISAFLAGS = $(KFLAGS) -mavx2
$(BUILD)/src/detect/kernels_avx512.o: ISAFLAGS = $(KFLAGS) -mavx512f -mavx512bw

LIB_SRC     := $(sort $(wildcard src/*.c src/detect/*.c))
CLI_SRC     := $(sort $(wildcard src/cli/*.c))
TEST_SRC    := $(sort $(wildcard tests/test_*.c))
BENCH_SRC   := $(sort $(wildcard bench/bench_*.c))
# Fuzz targets (tests/fuzz/fuzz_NAME.c): replayed over their corpus by
# make check (gcc, replay.c's main), fuzzed by make fuzz (clang).
FUZZ_NAMES  := meta manifest pipeline load
FUZZ_REPLAY := $(FUZZ_NAMES:%=$(BUILD)/fuzz/replay_%)
FUZZ_BIN    := $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_SECONDS ?= 600

LIB_OBJ     := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ     := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_BIN    := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_BIN   := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
LIB         := $(BUILD)/libsmpdoc.a
PROG        := $(BUILD)/smpdoc

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all check test check-run demo demo-run bench bench-run asan deps \
        bench-deps install uninstall clean format unit e2e corpus fuzz \
        fuzz-run fuzz-bins valgrind valgrind-run

all: $(PROG)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(STD) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(WARN) $(ISAFLAGS) -c $< -o $@

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(STD) $(CPPFLAGS) $(PKG_CFLAGS) $(TEST_CFLAGS) $(CFLAGS) $(WARN) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(PROG): $(CLI_OBJ) $(LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(PKG_LIBS)

# test_faults meets write errors through the linker's --wrap.
$(BUILD)/tests/test_faults: WRAP = -Wl,--wrap=write,--wrap=fsync,--wrap=rename

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(BUILD)/tests/helpers.o \
		$(BUILD)/tests/cases.o $(LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(WRAP) -o $@ $^ $(PKG_LIBS) $(TEST_LIBS)

$(BUILD)/fuzz/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o \
		$(BUILD)/tests/fuzz/fuzz_common.o $(BUILD)/tests/fuzz/replay.o $(LIB)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o \
		$(BUILD)/tests/fuzz/fuzz_common.o $(LIB)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The benchmarks share the tests' ground-truth fixtures (tests/cases.c).
$(BUILD)/bench/%: $(BUILD)/bench/%.o $(BUILD)/tests/cases.o $(LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# --- set-up -----------------------------------------------------------------

# Installs the Debian packages the build and tests need, only when missing.
deps:
	@sh .ci/deps.sh build

bench-deps:
	@sh .ci/deps.sh bench

# --- tests --------------------------------------------------------------------

# `check` and `demo` first bring missing packages, then re-run make so that
# pkg-config sees them.
check test: deps
	@$(MAKE) --no-print-directory check-run

check-run: $(TEST_BIN) $(PROG) $(FUZZ_REPLAY)
	@sh tests/check.sh $(BUILD) $(TEST_BIN)

unit: $(TEST_BIN) $(PROG)
	@sh tests/run-unit.sh $(BUILD) $(TEST_BIN)

e2e: $(PROG)
	@sh tests/e2e/run.sh $(BUILD)

ASAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
              -fno-sanitize-recover=undefined
asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan \
	  CFLAGS="$(ASAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" \
	  SMP_SANITIZE=1 check-run

# libFuzzer needs clang; the library is rebuilt in build-fuzz with
# coverage and the sanitizers. FUZZ_SECONDS per target (default 600).
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer \
               -fsanitize=fuzzer-no-link,address,undefined
fuzz: deps
	@sh .ci/deps.sh fuzz
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang \
	  CFLAGS="$(FUZZ_CFLAGS)" LDFLAGS="-fsanitize=fuzzer,address,undefined" \
	  fuzz-run

fuzz-bins: $(FUZZ_BIN)

fuzz-run: $(FUZZ_BIN)
	@sh tests/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS)

# The end-to-end tests with every smpdoc process under valgrind.
valgrind: deps
	@sh .ci/deps.sh valgrind
	@$(MAKE) --no-print-directory valgrind-run

valgrind-run: $(PROG)
	@sh tests/valgrind.sh $(BUILD)

demo: deps
	@$(MAKE) --no-print-directory demo-run

demo-run: $(PROG)
	@sh samples/demo.sh $(PROG) demo-out

bench: deps bench-deps
	@$(MAKE) --no-print-directory bench-run

bench-run: $(PROG) $(BENCH_BIN)
	@sh bench/run.sh $(BUILD)

# --- install ------------------------------------------------------------------

install: $(PROG)
	$(INSTALL) -m 0755 -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/pipelines
	$(INSTALL) -m 0755 $(PROG) $(DESTDIR)$(BINDIR)/smpdoc
	for f in pipelines/*.pipeline; do \
	  [ -e "$$f" ] || continue; \
	  $(INSTALL) -m 0644 "$$f" $(DESTDIR)$(DATADIR)/pipelines/; done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/smpdoc
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-asan build-fuzz demo-out

format:
	clang-format -i $(LIB_SRC) $(CLI_SRC) $(TEST_SRC) include/smpdoc/*.h

# Test objects are intermediate files; keep them so relinks stay cheap.
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
