#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Guest script: proves the VM can run agentgate's tests (BPF LSM on, BTF, cgroup2, bpffs).
# Exits 0 only if bpf is an active LSM. Run with: tests/vm/run.sh --kernel K tests/vm/smoke.sh
rc=0
echo "uname: $(uname -r)"
lsm=$(cat /sys/kernel/security/lsm)
echo "lsm: $lsm"
case ",$lsm," in *,bpf,*) echo "bpf lsm: yes" ;; *) echo "bpf lsm: NO"; rc=1 ;; esac
[ -e /sys/kernel/btf/vmlinux ] && echo "btf: yes" || { echo "btf: NO"; rc=1; }
grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts && echo "cgroup2: yes" || { echo "cgroup2: NO"; rc=1; }
grep -q ' /sys/fs/bpf bpf ' /proc/mounts && echo "bpffs: yes" || { echo "bpffs: NO"; rc=1; }
echo "lo: $(ip -o addr show dev lo | awk '{print $4}' | tr '\n' ' ')"
echo "modules: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
echo "uptime: $(cut -d' ' -f1 /proc/uptime) s"
exit $rc
