#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Guest script for tests/bench/floor.sh: an unconfined open+close loop with nothing
# attached, with a do-nothing BPF LSM program on file_open, and with agentgate loaded and
# no policy installed; ROUNDS rounds of that order, 3 batches each, each batch once the
# machine is quiet and after an untimed tenth (the kernel's text was just patched).
# Both are loaded once; between configurations aglink only attaches and detaches their links
# (their programs saved in DIR_saved: bpffs names take no dots).
# Output: "FLOOR CONFIG ROUND NS" per batch (instructions under qemu -icount).
set -u
AG=/sys/fs/bpf/agentgate
FL=/sys/fs/bpf/agfloor
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
mkdir -p "$FL" "${FL}_saved" "${AG}_saved"
floorload /ag/floor.bpf.o "$FL" || exit 1
aglink save "$FL" "${FL}_saved" && aglink off "$FL" "${FL}_saved" || exit 1
agentgate exec --policy /tmp/allow.yaml -- microbench nop || exit 1
aglink save "$AG" "${AG}_saved" && aglink off "$AG" "${AG}_saved" || exit 1
for r in 1 2 3; do
	m none "$r"
	for c in floor:"$FL" agentgate:"$AG"; do
		aglink on "${c#*:}" "${c#*:}_saved" || exit 1
		m "${c%%:*}" "$r"
		aglink off "${c#*:}" "${c#*:}_saved" || exit 1
	done
done
exit 0
