#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# `make bench-floor`: what the kernel charges an unconfined open+close for any BPF LSM
# program on file_open (tests/bench/floor.bpf.c, which does nothing) and for one that reads
# the task's cgroup id (floorcg.bpf.c) or asks whether it is below a cgroup (floorut.bpf.c),
# against agentgate's with no policy installed and with one elsewhere; counted in
# instructions (qemu -icount), one boot per kernel (tests/bench/guest-floor.sh). Writes its section of BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/section.sh
build=${BUILD:-build}
bench=$build/bench
out=BENCHMARKS.md
heading="## The kernel's floor for a BPF LSM program ("
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for k in 6.12 6.1; do
	AGVM_ICOUNT=0 AGVM_SMP=1 tests/vm/run.sh --kernel "$k" --timeout 1800 --log "$bench/vm-floor-$k.log" \
		tests/bench/guest-floor.sh "$build/agentgate:/ag/bin/agentgate" \
		"$bench/microbench:/ag/bin/microbench" "$bench/floorload:/ag/bin/floorload" "$bench/aglink:/ag/bin/aglink" \
		"$bench/floor.bpf.o:/ag/floor.bpf.o" "$bench/floorcg.bpf.o:/ag/floorcg.bpf.o" \
		"$bench/floorut.bpf.o:/ag/floorut.bpf.o" >/dev/null
done
{
	echo "$heading\`make bench-floor\`, $(date -u +%Y-%m-%d))"
	echo
	echo "An unconfined open+close of a file (\`microbench\`, batches of 5000), counted in"
	echo "instructions on one vCPU (qemu \`-icount\`; \`make bench-icount\` says what that measures):"
	echo "with nothing attached; with a BPF LSM program on \`file_open\` that only passes the verdict"
	echo "on (\`tests/bench/floor.bpf.c\`); with one that also reads the task's cgroup id"
	echo "(\`floorcg.bpf.c\`: what agentgate reads first for every open once any policy exists);"
	echo "with one that asks instead whether the task is in or below one cgroup"
	echo "(\`floorut.bpf.c\`, \`bpf_current_task_under_cgroup\`: another way to tell an unconfined task"
	echo "while one policy is installed); with agentgate loaded and no policy installed; and with"
	echo "agentgate and a policy for"
	echo "another, idle cgroup (ring T's case). All are loaded once per boot; between configurations"
	echo "\`aglink\` attaches and detaches their links. One boot per kernel, 3 rounds of that order, 3"
	echo "batches each; cells: instructions per open+close, the median (min–max) over the rounds of"
	echo "each round's fewest, and the increase over nothing attached (the median of the rounds'"
	echo "ratios). The do-nothing program's cost is the kernel's: on 6.12 the static call into the"
	echo "BPF LSM (off while it has no program on the hook), on both the trampoline with its RCU and"
	echo "migration bookkeeping. No program on that hook costs less."
	echo
	echo "| kernel | nothing attached | do-nothing program | + | reads the cgroup id | + | under a cgroup? | + | agentgate, no policy | + | agentgate, a policy elsewhere | + |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for k in 6.12 6.1; do
		awk -f tests/bench/sort.awk -f tests/bench/floor.awk "$bench/vm-floor-$k.log"
	done
} >"$tmp"
replace_section "$out" "$tmp" "$heading"
cat "$tmp"
