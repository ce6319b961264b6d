#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The fourth hardening round (a review of 2026-12-06), each hole tried as the attack
# (tests/e2e/attack4.c) by a root agent whose policy allows every read and write: calls that
# take CAP_SYS_ADMIN in another capability's stead (perf_event_open, syslog) or alone
# (swapon, sethostname), modprobe run by the kernel for an ioctl (CAP_SYS_MODULE), the
# kernel's settings (sysctls, sysrq-trigger, sysfs) and the host's SysV IPC objects. Each
# refusal is the hardening's own.
. "$(dirname "$0")/kernel.sh"

ATTACK4=$(command -v attack4)
pol=$(open_policy hard4 "$ATTACK4")
log=$WORK/hard4.log
a() { run "$pol" "$log" "$ATTACK4" "$@"; }

# perf_event_open of a whole CPU samples every task of the host (registers, stacks):
# perfmon_capable() is CAP_PERFMON or CAP_SYS_ADMIN.
got=$(a perf-cpu 2>/dev/null)
case $got in EACCES | EPERM) pass "perf_event_open CPU-wide refused ($got)" ;;
*) fail "perf_event_open CPU-wide refused" "got '$got'" ;; esac
audit "perf_event_open: recorded as CAP_SYS_ADMIN for the call" "$log" '"op":"capability"' '"command":"cap 21 syscall ' '"decision":"DENY"'
expect "perf_event_open CPU-wide unconfined unaffected" ok "$ATTACK4" perf-cpu

# The kernel's log under dmesg_restrict: CAP_SYSLOG, or CAP_SYS_ADMIN in its stead.
restrict=$(cat /proc/sys/kernel/dmesg_restrict)
echo 1 >/proc/sys/kernel/dmesg_restrict
expect "syslog(READ_ALL) under dmesg_restrict refused" EPERM a syslog-read
expect "syslog(READ_ALL) unconfined unaffected" ok "$ATTACK4" syslog-read
echo "$restrict" >/proc/sys/kernel/dmesg_restrict

# swapon of a file the agent reads: every process's pages swapped into it. The file is no
# swap file: past the capability check the kernel answers EINVAL.
dd if=/dev/zero of="$WORK/swap" bs=4096 count=16 2>/dev/null
expect "swapon refused" EPERM a swapon "$WORK/swap"
expect "swapon unconfined reaches the file's check" EINVAL "$ATTACK4" swapon "$WORK/swap"
expect "sethostname (the host's) refused" EPERM a sethostname
expect "sethostname unconfined unaffected" ok "$ATTACK4" sethostname

# SIOCGIFINDEX of an unknown name: with CAP_SYS_MODULE the kernel runs modprobe NAME, outside
# every cgroup. The ioctl's own answer is ENODEV either way: the record says it was asked.
expect "SIOCGIFINDEX of an unknown device" ENODEV a ifindex ag4nosuchdev
audit "CAP_SYS_MODULE refused (no modprobe for the agent)" "$log" '"op":"capability"' '"command":"cap 16"' '"decision":"DENY"'

# The kernel's settings, whatever the policy allows: opened for writing only, never written.
for f in /proc/sys/kernel/core_pattern /proc/sys/kernel/modprobe /proc/sys/kernel/ftrace_enabled \
	/proc/sysrq-trigger /sys/kernel/mm/transparent_hugepage/enabled /sys/kernel/tracing/tracing_on; do
	[ -e "$f" ] || continue
	expect "a kernel setting is not written: $f" EPERM a open-w "$f"
	expect "$f unconfined writable" ok "$ATTACK4" open-w "$f"
done
audit "kernel settings: recorded as op kernel_setting with the path" "$log" '"op":"kernel_setting"' '"path":"/proc/sys/kernel/core_pattern"' '"decision":"DENY"'
expect "proc files of its own stay writable (/proc/self/comm)" ok a open-w /proc/self/comm
expect "files the policy allows stay writable" ok a open-w "$WORK/swap"

# The host's SysV IPC: an agent joins the host's IPC namespace (agentgate exec gives it its
# own) and attaches or removes another process's segment.
key=0x41474734
ipcrm -M "$key" 2>/dev/null
id=$("$ATTACK4" shm-create "$key")
expect "the host's segment readable unconfined" ok "$ATTACK4" shm-read "$key"
expect "agentgate exec: the host's segment is not in the agent's IPC namespace" ENOENT a shm-read "$key"
# /proc/1/ns/ipc is a task outside's: opening it is a ptrace-checked access, refused.
expect "the host's IPC namespace cannot be joined through /proc/1/ns/ipc" EACCES a shm-host-read "$key"
# A descriptor of it handed down by whoever started the agent: joined, then each use refused
# (shmget's lookup answers EACCES for any refusal of the hook; shmctl passes its EPERM on).
expect "the host's IPC namespace joined: its segment refused" EACCES a shm-host-read "$key" 3 3</proc/1/ns/ipc
audit "SysV IPC: recorded as op host_ipc" "$log" '"op":"host_ipc"' '"decision":"DENY"'
expect "the host's IPC namespace joined: its segment cannot be removed" EPERM a shm-host-rm "$id" 3 3</proc/1/ns/ipc
expect "the host's segment is still there" ok "$ATTACK4" shm-read "$key"
expect "a segment of its own IPC namespace works" ok a shm-own
expect "the host's segment removed unconfined" ok "$ATTACK4" shm-rm "$id"
