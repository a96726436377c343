# SPDX-License-Identifier: GPL-2.0-only
# v4via6: build the XDP program, its skeleton, the loader, the tests and the benchmarks.
#   make            build everything (after `make deps`)
#   make test       run the test suite (root)
#   make demo       the seed's scenario in three namespaces (root)
#   make bench      benchmarks against the kernel and a bpf_fib_lookup forwarder (root)
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
	    iputils-ping procps kmod

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
# clang -target bpf does not search the multiarch directory where asm/types.h lives.
BPF_CFLAGS := -target bpf -O2 -g -Wall -Werror -Iinclude -Ibpf -idirafter /usr/include/$(MULTIARCH)
CFLAGS  ?= -O2 -g
CFLAGS  += -Wall -Werror -Iinclude -I$(BUILD) -Iloader -D_GNU_SOURCE
LDLIBS  := $(shell pkg-config --libs libxdp libbpf libmnl libmicrohttpd 2>/dev/null || echo -lxdp -lbpf -lelf -lz -lmnl -lmicrohttpd)

BPF_SRCS   := $(wildcard bpf/*.bpf.c) $(wildcard bench/*.bpf.c) $(wildcard tests/*.bpf.c)
BPF_OBJS   := $(patsubst %.bpf.c,$(BUILD)/%.bpf.o,$(notdir $(BPF_SRCS)))
SKELS      := $(patsubst %.bpf.c,$(BUILD)/%.skel.h,$(notdir $(BPF_SRCS)))
LOADER_SRCS := $(wildcard loader/*.c) $(wildcard loader/sync/*.c)
LOADER_OBJS := $(patsubst loader/%.c,$(BUILD)/loader/%.o,$(LOADER_SRCS))
TEST_SRCS  := $(filter-out %.bpf.c,$(wildcard tests/*.c))
TEST_BINS  := $(patsubst tests/%.c,$(BUILD)/%,$(TEST_SRCS))
BENCH_SRCS := $(filter-out %.bpf.c,$(wildcard bench/*.c))
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/%,$(BENCH_SRCS))
HDRS       := $(wildcard include/*.h) $(wildcard bpf/*.h) $(wildcard loader/*.h) $(wildcard loader/sync/*.h)

vpath %.bpf.c bpf bench tests

.DELETE_ON_ERROR:
.SECONDARY: $(BPF_OBJS) $(SKELS)
.PHONY: all deps test demo bench install clean format

all: deps
	$(Q)$(MAKE) --no-print-directory binaries

.PHONY: binaries
binaries: $(BUILD)/v4via6 $(TEST_BINS) $(BENCH_BINS)

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

$(BUILD)/%.bpf.o: %.bpf.c $(HDRS) $(wildcard bench/*.h) | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(BUILD)/loader/%.o: loader/%.c $(HDRS) $(SKELS) | $(BUILD)/loader
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/v4via6: $(LOADER_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# A test or benchmark is one C file; it may use the loader's modules (all but main.o).
LIB_OBJS := $(filter-out $(BUILD)/loader/main.o,$(LOADER_OBJS))

$(BUILD)/%: tests/%.c $(HDRS) $(wildcard tests/*.h) $(SKELS) $(LIB_OBJS) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< $(LIB_OBJS) -o $@ $(LDLIBS)

$(BUILD)/%: bench/%.c $(HDRS) $(wildcard bench/*.h) $(SKELS) $(LIB_OBJS) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< $(LIB_OBJS) -o $@ $(LDLIBS)

test: all
	$(Q)BUILD=$(abspath $(BUILD)) PYTHON=$(PYTHON) bash tests/run.sh

demo: all
	$(Q)BUILD=$(abspath $(BUILD)) bash tests/demo.sh

bench: all
	$(Q)BUILD=$(abspath $(BUILD)) PYTHON=$(PYTHON) bash bench/run.sh

# The units name $(PREFIX)/sbin/v4via6: written for /usr/local, rewritten for another PREFIX.
UNITDIR ?= /lib/systemd/system
UNITS   := $(wildcard loader/systemd/*.service)

install: all
	install -D -m 0755 $(BUILD)/v4via6 $(DESTDIR)$(PREFIX)/sbin/v4via6
	$(Q)for u in $(UNITS); do \
		install -d $(DESTDIR)$(UNITDIR) && \
		sed 's|/usr/local/sbin/|$(PREFIX)/sbin/|' $$u >$(DESTDIR)$(UNITDIR)/$$(basename $$u) && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$(basename $$u) && echo "  INSTALL  $(DESTDIR)$(UNITDIR)/$$(basename $$u)"; \
	done

format:
	clang-format -i $(wildcard include/*.h bpf/*.[ch] loader/*.[ch] loader/sync/*.[ch] tests/*.c bench/*.c)

clean:
	rm -rf $(BUILD)
