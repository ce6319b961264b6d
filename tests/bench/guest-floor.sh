#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Guest script for tests/bench/floor.sh: an unconfined open+close loop with nothing
# attached, with a do-nothing BPF LSM program on file_open, with one that reads the task's
# cgroup id, with one that asks whether the task is below a cgroup, with agentgate loaded
# and no policy installed, and with agentgate and a policy for another (idle) cgroup; 3
# rounds of that order, 3 batches each, each batch once the
# machine is quiet and after an untimed tenth (the kernel's text was just patched).
# All are loaded once; between configurations aglink only attaches and detaches their
# links (their programs saved in DIR_saved: bpffs names take no dots).
# Output: "FLOOR CONFIG ROUND NS" per batch (instructions under qemu -icount).
set -u
AG=/sys/fs/bpf/agentgate
FL=/sys/fs/bpf/agfloor
FC=/sys/fs/bpf/agfloorcg
FU=/sys/fs/bpf/agfloorut
FILE=/tmp/floor.txt
echo "BENCHINFO kernel $(uname -r)"
echo data >"$FILE"
printf 'version: "1.0"\ndefault: allow\n' >/tmp/allow.yaml
m() { # m CONFIG ROUND
	for _ in 1 2 3; do
		microbench -W -o 5000 -x 0 -c 0 -f "$FILE" 5</proc/stat | sed -n "s/^open /FLOOR $1 $2 /p"
	done
}
# Each one's programs saved, its links off; aglink off drops each link's last reference
# itself: detached when it returns.
saved() { aglink save "$1" "${1}_saved" && aglink off "$1" "${1}_saved"; }
mkdir -p "$FL" "$FC" "$FU" "${FL}_saved" "${FC}_saved" "${FU}_saved" "${AG}_saved" \
	/sys/fs/cgroup/agfloor
floorload /ag/floor.bpf.o "$FL" && saved "$FL" || exit 1
floorload /ag/floorcg.bpf.o "$FC" && saved "$FC" || exit 1
floorload /ag/floorut.bpf.o "$FU" /sys/fs/cgroup/agfloor && saved "$FU" || exit 1
agentgate exec --policy /tmp/allow.yaml -- microbench nop && saved "$AG" || exit 1
for r in 1 2 3; do
	m none "$r"
	for c in floor:"$FL" cgroupid:"$FC" undercg:"$FU" agentgate:"$AG"; do
		aglink on "${c#*:}" "${c#*:}_saved" || exit 1
		m "${c%%:*}" "$r"
		[ "${c%%:*}" = agentgate ] || aglink off "${c#*:}" "${c#*:}_saved" || exit 1
	done
	# A policy for another cgroup, installed while agentgate is attached (its adoption
	# checks the pins): an idle process confined by it, this loop not.
	agentgate exec --policy /tmp/allow.yaml -- microbench sleep 3600000 &
	hp=$!
	i=0
	while [ $i -lt 600 ] && ! grep -qs . /sys/fs/cgroup/agentgate/exec-$hp/cgroup.procs; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -qs . /sys/fs/cgroup/agentgate/exec-$hp/cgroup.procs || exit 1
	m elsewhere "$r"
	kill "$hp"
	wait "$hp"
	aglink off "$AG" "${AG}_saved" || exit 1
done
exit 0
