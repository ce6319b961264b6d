#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Guest script: proves the VM can run agentgate's tests (BPF LSM on, BTF, cgroup2, bpffs).
# Exits 0 only if bpf is an active LSM. Run with: tests/vm/run.sh --kernel K tests/vm/smoke.sh
rc=0
echo "uname: $(uname -r)"
lsm=$(cat /sys/kernel/security/lsm)
echo "lsm: $lsm"
case ",$lsm," in *,bpf,*) echo "bpf lsm: yes" ;; *) echo "bpf lsm: NO"; rc=1 ;; esac
have() { # have WHAT CMD...: prints "WHAT: yes|NO"
	w=$1
	shift
	if "$@"; then echo "$w: yes"; else echo "$w: NO"; rc=1; fi
}
have btf test -e /sys/kernel/btf/vmlinux
have cgroup2 grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts
have bpffs grep -q ' /sys/fs/bpf bpf ' /proc/mounts
echo "lo: $(ip -o addr show dev lo | awk '{print $4}' | tr '\n' ' ')"
echo "modules: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
echo "uptime: $(cut -d' ' -f1 /proc/uptime) s"
exit $rc
