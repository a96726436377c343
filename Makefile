# SPDX-License-Identifier: GPL-2.0-only
# v4via6: build the XDP program, its skeleton, the loader, the tests and the benchmarks.
#   make            build everything (installs nothing: `make deps` does)
#   make deps       install the Debian 12 packages that are missing (root)
#   make test       make deps, then run the test suite (root)
#   make fuzz       make deps, then run each fuzzer for FUZZ_SECONDS and the frame fuzzer (root)
#   make demo       make deps, then the seed's scenario in three namespaces (root)
#   make bench      make deps, then benchmarks against the kernel and a bpf_fib_lookup forwarder (root)
#   make bench-ecmp     the ECMP part of the bench alone: group cost and convergence (root)
#   make bench-profile  perf profile of the live run at 1 and at 1M routes (root; bench/profile.sh)
#   make V=1        show the full commands

BUILD    ?= build
CLANG    ?= clang
CC       ?= gcc
BPFTOOL  ?= bpftool
# Debian's python3-scapy imports only under the system interpreter, not a pyenv one on PATH.
PYTHON   ?= /usr/bin/python3
PREFIX   ?= /usr/local
DESTDIR  ?=

# Packages the build, the tests, the demo and the benchmarks need (Debian 12).
DEB_PKGS := clang llvm gcc make pkg-config libbpf-dev libxdp-dev xdp-tools libelf-dev zlib1g-dev \
	    libmnl-dev bpftool iproute2 ethtool tcpdump python3-scapy netsniff-ng bird2 frr gnuplot-nox \
	    iputils-ping procps kmod libclang-rt-14-dev prometheus libmicrohttpd-dev curl util-linux linux-perf

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
# clang -target bpf does not search the multiarch directory where asm/types.h lives.
BPF_CFLAGS := -target bpf -O2 -g -Wall -Werror -Iinclude -Ibpf -idirafter /usr/include/$(MULTIARCH) \
	      -MMD -MP
# A CFLAGS given on the command line replaces this one: include paths, defines and
# the dependency flags live in CPPFLAGS, warnings in WFLAGS, so `make CFLAGS=-O0` builds.
CFLAGS  ?= -O2 -g
WFLAGS  := -Wall -Werror
CPPFLAGS := -Iinclude -I$(BUILD) -Iloader -D_GNU_SOURCE -MMD -MP
LDLIBS  := $(shell pkg-config --libs libxdp libbpf libmnl libmicrohttpd 2>/dev/null || echo -lxdp -lbpf -lelf -lz -lmnl -lmicrohttpd)

BPF_SRCS   := $(wildcard bpf/*.bpf.c) $(wildcard bench/*.bpf.c) $(wildcard tests/*.bpf.c)
BPF_OBJS   := $(patsubst %.bpf.c,$(BUILD)/%.bpf.o,$(notdir $(BPF_SRCS)))
SKELS      := $(patsubst %.bpf.c,$(BUILD)/%.skel.h,$(notdir $(BPF_SRCS)))
LOADER_SRCS := $(wildcard loader/*.c) $(wildcard loader/sync/*.c)
LOADER_OBJS := $(patsubst loader/%.c,$(BUILD)/loader/%.o,$(LOADER_SRCS))
# Code the tests share (declared in tests/*.h), in a library each test binary links.
TEST_LIB_SRCS := tests/check.c tests/xdp_frame.c tests/xdp_world.c tests/xdp_run.c \
		 tests/xdp_fuzz.c tests/xdp_bench.c
TEST_LIB   := $(BUILD)/tests/libtest.a
TEST_SRCS  := $(filter-out %.bpf.c $(TEST_LIB_SRCS),$(wildcard tests/*.c))
TEST_BINS  := $(patsubst tests/%.c,$(BUILD)/%,$(TEST_SRCS))
# Code the bench tools share (declared in bench/benchlib.h), in a library each tool links.
BENCH_LIB_SRCS := bench/benchlib.c
BENCH_LIB  := $(BUILD)/bench/libbench.a
BENCH_SRCS := $(filter-out %.bpf.c $(BENCH_LIB_SRCS),$(wildcard bench/*.c))
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/%,$(BENCH_SRCS))
# The layout-1 program as released, frozen for tests/test-upgrade.sh (tests/layout1/README).
FIXTURE_OBJS := $(BUILD)/layout1.bpf.o

vpath %.bpf.c bpf bench tests

.DELETE_ON_ERROR:
.SECONDARY: $(BPF_OBJS) $(SKELS)
.PHONY: all binaries deps test demo bench bench-ecmp bench-profile fuzz install clean format

all: binaries

binaries: $(BUILD)/v4via6 $(TEST_BINS) $(BENCH_BINS) $(FIXTURE_OBJS)

# Installs only what is missing; apt-get update first, as a fresh machine has no package lists.
deps:
	@missing=$$(for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "  DEPS     installing:" $$missing; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

$(BUILD) $(BUILD)/loader:
	$(Q)mkdir -p $@

# Header dependencies come from the compiler (-MMD -MP: one .d file beside each object).
$(BUILD)/%.bpf.o: %.bpf.c | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# Its quoted includes resolve in tests/layout1/ first (the directory of the including file).
$(BUILD)/layout1.bpf.o: tests/layout1/v4via6.bpf.c | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# The skeletons are generated before any loader file is compiled: a first build has
# no .d files yet to say which loader file includes which skeleton.
$(BUILD)/loader/%.o: loader/%.c | $(SKELS) $(BUILD)/loader
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WFLAGS) -c $< -o $@

$(BUILD)/v4via6: $(LOADER_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# A test or benchmark is one C file; it may use the loader's modules (all but main.o).
LIB_OBJS := $(filter-out $(BUILD)/loader/main.o,$(LOADER_OBJS))

# The objects of the test and bench libraries, and the two archives.
TEST_LIB_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(TEST_LIB_SRCS))
BENCH_LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(BENCH_LIB_SRCS))

$(TEST_LIB_OBJS) $(BENCH_LIB_OBJS): $(BUILD)/%.o: %.c | $(SKELS) $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WFLAGS) -c $< -o $@

$(TEST_LIB): $(TEST_LIB_OBJS)
$(BENCH_LIB): $(BENCH_LIB_OBJS)
$(TEST_LIB) $(BENCH_LIB):
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/%: tests/%.c $(TEST_LIB) $(LIB_OBJS) | $(SKELS) $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WFLAGS) $< $(TEST_LIB) $(LIB_OBJS) -o $@ $(LDLIBS)

$(BUILD)/%: bench/%.c $(BENCH_LIB) $(LIB_OBJS) | $(SKELS) $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WFLAGS) $< $(BENCH_LIB) $(LIB_OBJS) -o $@ $(LDLIBS)

# The C unit tests again with ASan and UBSan, no recovery: any report fails the test.
# clang, as its runtime writes UBSan's reports to UBSAN_OPTIONS' log_path (gcc 12's
# prints them on stderr only, which test_parse redirects while it reads configs).
ASAN_CC    ?= $(CLANG)
ASAN_DIR   := $(BUILD)/asan
ASAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
# the test frames override fields of a default frame on purpose (FRAME_SPEC)
ASAN_WFLAGS := $(WFLAGS) -Wno-initializer-overrides
ASAN_OBJS  := $(patsubst $(BUILD)/loader/%.o,$(ASAN_DIR)/loader/%.o,$(LIB_OBJS))
ASAN_BINS  := $(patsubst tests/%.c,$(ASAN_DIR)/%,$(wildcard tests/test_*.c))
ASAN_TEST_LIB := $(ASAN_DIR)/tests/libtest.a

$(ASAN_DIR)/loader:
	$(Q)mkdir -p $@

$(ASAN_DIR)/loader/%.o: loader/%.c | $(SKELS) $(ASAN_DIR)/loader
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(ASAN_CC) $(CPPFLAGS) $(ASAN_FLAGS) $(ASAN_WFLAGS) -c $< -o $@

$(ASAN_DIR)/tests/%.o: tests/%.c | $(SKELS) $(ASAN_DIR)/loader
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(ASAN_CC) $(CPPFLAGS) $(ASAN_FLAGS) $(ASAN_WFLAGS) -c $< -o $@

$(ASAN_TEST_LIB): $(patsubst tests/%.c,$(ASAN_DIR)/tests/%.o,$(TEST_LIB_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(ASAN_DIR)/%: tests/%.c $(ASAN_TEST_LIB) $(ASAN_OBJS) | $(SKELS) $(ASAN_DIR)/loader
	$(call msg,CC,$@)
	$(Q)$(ASAN_CC) $(CPPFLAGS) $(ASAN_FLAGS) $(ASAN_WFLAGS) $< $(ASAN_TEST_LIB) $(ASAN_OBJS) \
		-o $@ $(LDLIBS)

# The objects named here are not intermediate: make keeps them, and builds a new one.
.PHONY: asan
asan: $(ASAN_OBJS) $(ASAN_BINS)

# libFuzzer harnesses (tests/fuzz/fuzz_*.c), built with clang against the loader's
# parsing and table modules in an archive, so that a harness links only what it calls
# (fuzz_sync brings its own fake maps and fib24 in place of the kernel's).
FUZZ_DIR   := $(BUILD)/fuzz
FUZZ_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
	      -fno-sanitize-recover=all
FUZZ_LIB   := log parse config json sync/nl_parse sync/sync_table sync/sync_htab dump
FUZZ_OBJS  := $(patsubst %,$(FUZZ_DIR)/loader/%.o,$(FUZZ_LIB))
FUZZ_BINS  := $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60
FUZZ_FRAMES  ?= 10000000

$(FUZZ_DIR)/loader:
	$(Q)mkdir -p $@

# fuzzer-no-link: instrumented for coverage; the harness brings libFuzzer's main.
$(FUZZ_DIR)/loader/%.o: loader/%.c | $(SKELS) $(FUZZ_DIR)/loader
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(CPPFLAGS) $(subst fuzzer,fuzzer-no-link,$(FUZZ_FLAGS)) $(WFLAGS) -c $< -o $@

$(FUZZ_DIR)/libv4via6.a: $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_DIR)/%: tests/fuzz/%.c $(FUZZ_DIR)/libv4via6.a | $(SKELS) $(FUZZ_DIR)/loader
	$(call msg,CC,$@)
	$(Q)$(CLANG) $(CPPFLAGS) -Itests/fuzz $(FUZZ_FLAGS) $(WFLAGS) $< $(FUZZ_DIR)/libv4via6.a \
		-o $@ $(LDLIBS)

.PHONY: fuzzers
fuzzers: $(FUZZ_BINS)

test: deps
	$(Q)$(MAKE) --no-print-directory binaries asan fuzzers
	$(Q)BUILD=$(abspath $(BUILD)) PYTHON=$(PYTHON) bash tests/run.sh

# Each harness for FUZZ_SECONDS on its corpus (seeded from tests/fuzz/corpus/NAME,
# grown in build/fuzz/corpus/NAME), then FUZZ_FRAMES random frames through the program.
fuzz: deps
	$(Q)$(MAKE) --no-print-directory binaries fuzzers
	$(Q)BUILD=$(abspath $(BUILD)) FUZZ_TEST_SECONDS=$(FUZZ_SECONDS) bash tests/test-fuzz.sh
	$(Q)$(abspath $(BUILD))/test_xdp --frames $(FUZZ_FRAMES)

demo: deps
	$(Q)$(MAKE) --no-print-directory binaries
	$(Q)BUILD=$(abspath $(BUILD)) bash tests/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory binaries
	$(Q)BUILD=$(abspath $(BUILD)) PYTHON=$(PYTHON) bash bench/run.sh

# Where the live cost per packet goes, at 1 and at 1M routes (perf stat, perf record, run_time_ns).
bench-ecmp: deps
	$(Q)$(MAKE) --no-print-directory binaries
	$(Q)BUILD=$(abspath $(BUILD)) bash bench/ecmp.sh

bench-profile: deps
	$(Q)$(MAKE) --no-print-directory binaries
	$(Q)for n in 1 1000000; do BUILD=$(abspath $(BUILD)) PYTHON=$(PYTHON) bash bench/profile.sh $$n || exit 1; done

# The units name $(PREFIX)/sbin/v4via6: written for /usr/local, rewritten for another PREFIX.
UNITDIR ?= /lib/systemd/system
UNITS   := $(wildcard loader/systemd/*.service)

install: binaries
	install -D -m 0755 $(BUILD)/v4via6 $(DESTDIR)$(PREFIX)/sbin/v4via6
	$(Q)for u in $(UNITS); do \
		install -d $(DESTDIR)$(UNITDIR) && \
		sed 's|/usr/local/sbin/|$(PREFIX)/sbin/|' $$u >$(DESTDIR)$(UNITDIR)/$$(basename $$u) && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$(basename $$u) && echo "  INSTALL  $(DESTDIR)$(UNITDIR)/$$(basename $$u)"; \
	done

format:
	clang-format -i $(wildcard include/*.h bpf/*.[ch] loader/*.[ch] loader/sync/*.[ch] tests/*.[ch] tests/fuzz/*.[ch] bench/*.[ch])

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
