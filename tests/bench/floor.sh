#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# `make bench-floor`: what the kernel charges an unconfined open+close for any BPF LSM
# program on file_open (tests/bench/floor.bpf.c, which does nothing), against agentgate's
# with no policy installed; counted in instructions (qemu -icount), one boot per kernel
# (tests/bench/guest-floor.sh). Writes its section of BENCHMARKS.md.
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
		"$bench/floor.bpf.o:/ag/floor.bpf.o" >/dev/null
done
{
	echo "$heading\`make bench-floor\`, $(date -u +%Y-%m-%d))"
	echo
	echo "An unconfined open+close of a file (\`microbench\`, batches of 5000), counted in"
	echo "instructions on one vCPU (qemu \`-icount\`; \`make bench-icount\` says what that measures):"
	echo "with nothing attached, with a BPF LSM program on \`file_open\` that only passes the verdict"
	echo "on (\`tests/bench/floor.bpf.c\`), and with agentgate loaded and no policy installed. Both are"
	echo "loaded once per boot; between configurations \`aglink\` attaches and detaches their links. One boot"
	echo "per kernel, 3 rounds of that order, 3 batches each; cells: instructions per open+close,"
	echo "the median (min–max) over the rounds of each round's fewest, and the increase over"
	echo "nothing attached (the median of the rounds' ratios). The do-nothing program's cost is the"
	echo "kernel's: on 6.12 the static call into the BPF LSM (off while it has no program on the"
	echo "hook), on both the trampoline with its RCU and migration bookkeeping. No program on that"
	echo "hook costs less."
	echo
	echo "| kernel | nothing attached | do-nothing program | + | agentgate, no policy | + |"
	echo "|---|---:|---:|---:|---:|---:|"
	for k in 6.12 6.1; do
		awk -f tests/bench/sort.awk -f tests/bench/floor.awk "$bench/vm-floor-$k.log"
	done
} >"$tmp"
replace_section "$out" "$tmp" "$heading"
cat "$tmp"
