#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Guest script for tests/bench/floor.sh: an unconfined open+close loop with nothing
# attached, with a do-nothing BPF LSM program on file_open, with nothing again, and with
# agentgate loaded and no policy installed; ROUNDS rounds of that order, 3 batches each.
# Output: "FLOOR CONFIG ROUND NS" per batch (instructions under qemu -icount).
set -u
echo "BENCHINFO kernel $(uname -r)"
FILE=/tmp/floor.txt
echo data >"$FILE"
printf 'version: "1.0"\ndefault: allow\n' >/tmp/allow.yaml
m() { # m CONFIG ROUND
	for _ in 1 2 3; do
		microbench -o 5000 -x 0 -c 0 -f "$FILE" | sed -n "s/^open /FLOOR $1 $2 /p"
	done
}
for r in 1 2 3; do
	m none "$r"
	floorload /ag/floor.bpf.o >/tmp/floor.out 2>&1 &
	fp=$!
	while ! grep -qs attached /tmp/floor.out && kill -0 "$fp" 2>/dev/null; do sleep 0.1; done
	grep -qs attached /tmp/floor.out || { cat /tmp/floor.out; exit 1; }
	m floor "$r"
	kill "$fp"
	wait "$fp"
	m none-after "$r"
	agentgate exec --policy /tmp/allow.yaml -- microbench nop || exit 1
	m agentgate "$r"
	rm -rf /sys/fs/bpf/agentgate
	sleep 10 # its links' release (a kworker's, after the unpin) done before the next round
done
exit 0
