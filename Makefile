# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# agentgate: `make` builds build/agentgate; `make test` runs unit, fuzz and VM e2e tests;
# `make demo` shows real enforcement; `make bench` writes BENCHMARKS.md. `make deps` installs
# what a fresh Debian 12 machine lacks. V=1 shows the commands.

BUILD ?= build
CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
# The BPF object's target architecture (__TARGET_ARCH_*), the build host's by default.
ARCH := $(patsubst x86_64,x86,$(patsubst aarch64,arm64,$(shell uname -m)))

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# `make install`: PREFIX is also where the binary looks for the shipped policies' includes.
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
VERSION := $(shell cat VERSION)

CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -Wshadow -Werror -Wno-unused-parameter -std=gnu11 -D_GNU_SOURCE \
	  -Iinclude -Iuserspace -I$(BUILD) -DAG_VERSION='"$(VERSION)"' \
	  -DAG_POLICY_DIR='"$(PREFIX)/share/agentgate/policies"'
LDLIBS := -lbpf -lelf -lz -lyaml -ljansson -lssl -lcrypto -lldns -lmicrohttpd -lpthread
# vmlinux.h is the build host's: AG_VMLINUX_ARCH_* tells bpf/lib/arch.h what it lacks.
BPF_CFLAGS := -g -O2 -target bpf -D__BPF__ -DAG_VMLINUX_ARCH_$(ARCH) -Wall -Werror \
	      -Iinclude -I$(BUILD)

USER_SRCS := $(sort $(wildcard userspace/*.c userspace/*/*.c))
# The dashboard's page files, built into the binary as one generated C file (embed.sh).
WWW_FILES := $(sort $(wildcard userspace/dashboard/www/*))
WWW_SRC := $(BUILD)/gen/dash_www.c
USER_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(USER_SRCS)) $(BUILD)/obj/gen/dash_www.o
LIB_OBJS := $(filter-out $(BUILD)/obj/userspace/cli/main.o,$(USER_OBJS))
# maps.bpf.o first: libbpf 1.1's linker leaves the BTF offset of a map at 0 when an extern
# declaration of it comes before its definition (the skeleton then fails to open the object).
BPF_PARTS := maps.bpf.o $(filter-out maps.bpf.o,$(patsubst bpf/%.bpf.c,%.bpf.o,$(sort $(wildcard bpf/*.bpf.c))))
BPF_HDRS := $(wildcard include/*.h bpf/lib/*.h)
SKELS := $(BUILD)/agentgate.skel.h
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(sort $(wildcard tests/unit/test_*.c)))
E2E_BINS := $(patsubst tests/e2e/%.c,$(BUILD)/tests/e2e/%,$(sort $(wildcard tests/e2e/*.c)))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_OBJS := $(patsubst %.c,$(BUILD)/fuzzobj/%.o,$(filter-out userspace/cli/main.c,$(USER_SRCS))) \
	     $(BUILD)/fuzzobj/gen/dash_www.o
HDRS := $(wildcard include/*.h userspace/*.h userspace/*/*.h)

.PHONY: all deps test unit e2e fuzzers fuzz demo demo-docker bench bench-icount bench-floor bench-dns bench-ops bench-containers bench-macro bench-ab bench-audit-ab bench-dashboard browser-test install deb clean bpf-arm64
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BUILD)/agentgate $(E2E_BINS)

deps:
	$(Q)tests/deps.sh

$(BUILD)/vmlinux.h:
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp
	$(Q)cmp -s $@.tmp $@ 2>/dev/null && rm -f $@.tmp || mv $@.tmp $@

# One object per hook family (bpf/<family>.bpf.c) and architecture, in build/bpf/<arch>/;
# bpftool's static linker joins them into one object (extern maps resolved to bpf/maps.bpf.c),
# so one skeleton names every program and map.
define BPF_ARCH_RULE
$(BUILD)/bpf/$(1)/%.bpf.o: bpf/%.bpf.c $(BUILD)/vmlinux.h $(BPF_HDRS)
	$$(call msg,BPF,$$@)
	$(Q)mkdir -p $$(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -D__TARGET_ARCH_$(1) -c $$< -o $$@
	$(Q)llvm-strip -g $$@ 2>/dev/null || true
endef
$(foreach a,x86 arm64,$(eval $(call BPF_ARCH_RULE,$(a))))

$(BUILD)/bpf/agentgate.bpf.o: $(addprefix $(BUILD)/bpf/$(ARCH)/,$(BPF_PARTS))
	$(call msg,BPF-LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

# Built by `make test` so that the arm64 object keeps compiling; not loaded anywhere here.
$(BUILD)/bpf/agentgate-arm64.bpf.o: $(addprefix $(BUILD)/bpf/arm64/,$(BPF_PARTS))
	$(call msg,BPF-LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

bpf-arm64: $(BUILD)/bpf/agentgate-arm64.bpf.o

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(WWW_SRC): userspace/dashboard/embed.sh $(WWW_FILES)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)userspace/dashboard/embed.sh $(WWW_FILES) >$@

$(BUILD)/obj/gen/dash_www.o: $(WWW_SRC)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/fuzzobj/gen/dash_www.o: $(WWW_SRC)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(filter-out -O2,$(CFLAGS)) -O1 -c $< -o $@

$(BUILD)/obj/%.o: %.c $(HDRS) $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/agentgate: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS) $(HDRS)
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests/unit $< $(LIB_OBJS) $(LDLIBS) -lcmocka -o $@

# The writer's bytes pinned under deterministic clocks and random bytes.
$(BUILD)/tests/test_audit_golden: LDLIBS += -Wl,--wrap=clock_now_ns,--wrap=RAND_bytes,--wrap=RAND_priv_bytes
# A disk that fills, or fails, under the writer's I/O threads.
$(BUILD)/tests/test_audit_io: LDLIBS += -Wl,--wrap=write -Wl,--wrap=posix_fadvise -Wl,--wrap=sysconf
# A model of ag_learned in place of the kernel's.
$(BUILD)/tests/test_dns_quota: LDLIBS += -Wl,--wrap=loader_learn,--wrap=loader_unlearn,--wrap=loader_learned,--wrap=loader_learned_sweep

$(BUILD)/tests/e2e/%: tests/e2e/%.c $(HDRS) $(wildcard tests/e2e/*.h)
	$(call msg,E2E,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< -o $@ -lpthread $(E2E_LDLIBS)

# Static: after an exec into it, its first open is the file it loops on (66-fold.sh).
$(BUILD)/tests/e2e/openloop: E2E_LDLIBS += -static

# Static: it asks from a chroot that holds no libc (56-ask.sh).
$(BUILD)/tests/e2e/askc: E2E_LDLIBS += -static

# Reads a pinned map.
$(BUILD)/tests/e2e/scratch: E2E_LDLIBS := -lbpf

# A 32-bit agent: its ioctls are compat ioctls (17-hardening.sh). Freestanding, with raw
# syscalls: no 32-bit libc on the build machine.
$(BUILD)/tests/e2e/ioctl32: tests/e2e/ioctl32.c
	$(call msg,E2E,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -m32 -static -nostdlib -ffreestanding -fno-pic -fno-stack-protector -O2 -Wall -Werror $< -o $@

# Fuzz targets: the userspace library rebuilt with clang's fuzzer instrumentation.
$(BUILD)/fuzzobj/%.o: %.c $(HDRS) $(SKELS)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(filter-out -O2,$(CFLAGS)) -O1 -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJS)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(filter-out -O2,$(CFLAGS)) -O1 -fsanitize=fuzzer,address,undefined $^ $(LDLIBS) -o $@

# Compiler benchmark, not run by `make test`: prints a markdown table for BENCHMARKS.md.
$(BUILD)/bench/bench_compile: tests/bench/bench_compile.c $(LIB_OBJS) $(HDRS)
	$(call msg,BENCH,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< $(LIB_OBJS) $(LDLIBS) -o $@

# Audit writer benchmark, not run by `make test`: records/s batched and per-record fsync.
$(BUILD)/bench/bench_audit: tests/bench/bench_audit.c $(LIB_OBJS) $(HDRS)
	$(call msg,BENCH,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< $(LIB_OBJS) $(LDLIBS) -o $@

# Audit logs of N records written by the audit library (the dashboard's benchmark and tests).
$(BUILD)/bench/gen_audit_log: tests/bench/gen_audit_log.c $(LIB_OBJS) $(HDRS)
	$(call msg,BENCH,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< $(LIB_OBJS) $(LDLIBS) -o $@

# In-VM microbenchmarks (tests/bench/guest-bench.sh): standalone programs, no agentgate code.
BENCH_VM_BINS := $(addprefix $(BUILD)/bench/,microbench landlock-run genpolicy dnsbench rateopen aglink)
$(BENCH_VM_BINS): $(BUILD)/bench/%: tests/bench/%.c
	$(call msg,BENCH,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< -o $@
$(BUILD)/bench/floorload: tests/bench/floorload.c
	$(call msg,BENCH,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< -lbpf -o $@
$(BUILD)/bench/floor.bpf.o $(BUILD)/bench/floorcg.bpf.o $(BUILD)/bench/floorut.bpf.o: $(BUILD)/bench/%.bpf.o: tests/bench/%.bpf.c $(BUILD)/vmlinux.h
	$(call msg,BENCH,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -D__TARGET_ARCH_$(ARCH) -c $< -o $@
# Static: runs in a container whose image has no libc (tests/bench/guest-containers.sh).
$(BUILD)/bench/microbench-static: tests/bench/microbench.c
	$(call msg,BENCH,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -static $< -o $@

unit: $(UNIT_BINS)
fuzzers: $(FUZZ_BINS)

# test and demo install missing packages first: each is one command on a fresh machine.
test: deps
	$(Q)$(MAKE) --no-print-directory all unit fuzzers bpf-arm64 $(BUILD)/bench/gen_audit_log
	$(Q)tests/run-tests.sh

# make test fuzzes each target for 10 s; this, FUZZ_SECONDS (default 600) each.
fuzz: fuzzers
	$(Q)FUZZ_SECONDS=$${FUZZ_SECONDS:-600} tests/run-fuzz.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/demo.sh

# Seed 2: a Node.js agent in a Docker container, in the VM with Debian's docker.io.
demo-docker: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/demo-docker.sh

bench: all $(BUILD)/bench/bench_compile $(BUILD)/bench/bench_audit $(BENCH_VM_BINS)
	$(Q)tests/bench/run.sh
	$(Q)tests/bench/dns.sh

# The hooks' rings counted in instructions (qemu -icount): 2% resolved; a section per kernel.
bench-icount: all $(BENCH_VM_BINS)
	$(Q)BENCH_ICOUNT=1 tests/bench/run.sh

# The kernel's own cost for a do-nothing BPF LSM program on file_open, against agentgate's.
bench-floor: all $(BUILD)/bench/microbench $(BUILD)/bench/aglink $(BUILD)/bench/floorload $(BUILD)/bench/floor.bpf.o $(BUILD)/bench/floorcg.bpf.o $(BUILD)/bench/floorut.bpf.o
	$(Q)tests/bench/floor.sh

# The DNS proxy with 1, 100 and 1000 containers: its section of BENCHMARKS.md only.
bench-dns: all $(BUILD)/bench/dnsbench
	$(Q)tests/bench/dns.sh

# Audit forwarding and metrics: the daemon's cost at a steady rate and at saturation.
bench-ops: all $(BUILD)/bench/rateopen
	$(Q)tests/bench/ops.sh

# Container start and confined opens with and without agentgate-runc: its section.
bench-containers: all $(BUILD)/bench/microbench-static
	$(Q)tests/bench/containers.sh

# tar and python3 -m compileall unconfined, under agentgate and AppArmor, on 6.12 and 6.1.
bench-macro: all $(BUILD)/bench/microbench
	$(Q)tests/bench/macro.sh

# Builds of REVS (git revisions) against each other, one boot: the kernel side of a confined open.
bench-ab: all $(BUILD)/bench/microbench
	$(Q)tests/bench/ab.sh

# The audit writer of REVS (git revisions) against each other, taking turns on this machine.
bench-audit-ab:
	$(Q)tests/bench/audit-ab.sh

# The dashboard over a million-record log: its section of BENCHMARKS.md.
bench-dashboard: all $(BUILD)/bench/gen_audit_log
	$(Q)tests/bench/dashboard.sh

# The dashboard in headless Chromium (also part of `make test`).
browser-test: all $(BUILD)/bench/gen_audit_log
	$(Q)tests/browser/run.sh

# Installed text names the installed paths: the sources say /usr (the Debian package's
# PREFIX), install writes PREFIX in its place. $(call install_text,SRC,DEST), mode 0644.
INSTALL_SED := sed -e 's|/usr/bin/agentgate|$(PREFIX)/bin/agentgate|g' \
	-e 's|/usr/share/agentgate/|$(PREFIX)/share/agentgate/|g' \
	-e 's|/usr/share/doc/agentgate/|$(PREFIX)/share/doc/agentgate/|g'
install_text = $(INSTALL_SED) $(1) >$(2) && chmod 0644 $(2)

# DESTDIR stages (the Debian package); PREFIX as at build time (the includes' directory).
install: all
	install -D -m 0755 $(BUILD)/agentgate $(DESTDIR)$(PREFIX)/bin/agentgate
	ln -sf agentgate $(DESTDIR)$(PREFIX)/bin/agentgate-runc
	ln -sf agentgate $(DESTDIR)$(PREFIX)/bin/agentgate-crun
	install -d $(DESTDIR)$(PREFIX)/share/agentgate/policies/include
	install -m 0644 $(filter-out policies/daemon.example.yaml,$(wildcard policies/*.yaml)) \
		$(DESTDIR)$(PREFIX)/share/agentgate/policies/
	install -m 0644 policies/include/*.yaml $(DESTDIR)$(PREFIX)/share/agentgate/policies/include/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)$(PREFIX)/share/man/man8
	for f in docs/man/*.[158]; do \
		$(call install_text,$$f,$(DESTDIR)$(PREFIX)/share/man/man$${f##*.}/$${f##*/}) || exit 1; \
	done
	install -d $(DESTDIR)$(PREFIX)/share/doc/agentgate/examples
	install -m 0644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/agentgate/
	for f in policies/daemon.example.yaml deploy/engines/*; do \
		$(call install_text,$$f,$(DESTDIR)$(PREFIX)/share/doc/agentgate/examples/$${f##*/}) || exit 1; \
	done
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	$(call install_text,deploy/systemd/agentgate.service,\
		$(DESTDIR)$(PREFIX)/lib/systemd/system/agentgate.service)
	install -d $(DESTDIR)$(SYSCONFDIR)/agentgate/policies
	[ -e $(DESTDIR)$(SYSCONFDIR)/agentgate/daemon.yaml ] || \
		$(call install_text,deploy/daemon.yaml,$(DESTDIR)$(SYSCONFDIR)/agentgate/daemon.yaml)

# The Debian package (debian/, debhelper), built in build-deb/, copied into $(BUILD)/.
deb:
	$(Q)tests/deps.sh
	$(Q)dpkg-buildpackage -b -us -uc
	$(Q)mkdir -p $(BUILD) && mv ../agentgate_$(VERSION)_*.deb ../agentgate-dbgsym_$(VERSION)_*.deb \
		$(BUILD)/ 2>/dev/null; rm -f ../agentgate_$(VERSION)_*.buildinfo ../agentgate_$(VERSION)_*.changes
	$(Q)ls $(BUILD)/agentgate_$(VERSION)_*.deb

clean:
	rm -rf $(BUILD)
