#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Guest script for tests/bench/floor.sh: an unconfined open+close loop with nothing
# attached, with a do-nothing BPF LSM program on file_open, and with agentgate loaded and
# no policy installed; ROUNDS rounds of that order, 3 batches each, each batch once the
# machine is quiet and after an untimed tenth (the kernel's text was just patched).
# Output: "FLOOR CONFIG ROUND NS" per batch (instructions under qemu -icount).
set -u
PINS=/sys/fs/bpf/agentgate
SAVED=/sys/fs/bpf/agfloor
FILE=/tmp/floor.txt
echo "BENCHINFO kernel $(uname -r)"
echo data >"$FILE"
printf 'version: "1.0"\ndefault: allow\n' >/tmp/allow.yaml
m() { # m CONFIG ROUND
	for _ in 1 2 3; do
		microbench -W -o 5000 -x 0 -c 0 -f "$FILE" 5</proc/stat | sed -n "s/^open /FLOOR $1 $2 /p"
	done
}
for r in 1 2 3; do
	m none "$r"
	floorload /ag/floor.bpf.o >/tmp/floor.out 2>&1 &
	fp=$!
	while ! grep -qsx attached /tmp/floor.out && kill -0 "$fp" 2>/dev/null; do sleep 0.1; done
	grep -qsx attached /tmp/floor.out || { cat /tmp/floor.out; exit 1; }
	m floor "$r"
	kill "$fp"
	wait "$fp" # its exit closed the links: detached
	agentgate exec --policy /tmp/allow.yaml -- microbench nop || exit 1
	m agentgate "$r"
	# Detached before the next round: aglink off drops each link's last reference itself.
	mkdir -p "$SAVED"
	{ aglink save "$PINS" "$SAVED" && aglink off "$PINS" "$SAVED"; } || exit 1
	rm -rf "$PINS" "$SAVED"
done
exit 0
