#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The VM offers what agentgate needs: BPF LSM active, kernel BTF, cgroup2 and bpffs mounted.
case ",$(cat /sys/kernel/security/lsm)," in
*,bpf,*) ok "bpf is an active LSM" ;;
*) fail "bpf is an active LSM" "lsm list: $(cat /sys/kernel/security/lsm)" ;;
esac
check "kernel BTF present" test -s /sys/kernel/btf/vmlinux
check "cgroup2 mounted" grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts
check "bpffs mounted" grep -q ' /sys/fs/bpf bpf ' /proc/mounts
# The errno helper itself, on DAC alone (no agentgate policy involved).
echo secret >/tmp/sanity-root-only
chmod 600 /tmp/sanity-root-only
expect_errno "uid 1000 refused a root-only file" EACCES su -s /bin/sh agent -c 'cat /tmp/sanity-root-only'
expect_errno "missing file" ENOENT cat /nonexistent
