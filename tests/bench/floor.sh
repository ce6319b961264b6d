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
	AGVM_ICOUNT=0 tests/vm/run.sh --kernel "$k" --timeout 1800 --log "$bench/vm-floor-$k.log" \
		tests/bench/guest-floor.sh "$build/agentgate:/ag/bin/agentgate" \
		"$bench/microbench:/ag/bin/microbench" "$bench/floorload:/ag/bin/floorload" \
		"$bench/floor.bpf.o:/ag/floor.bpf.o" >/dev/null
done
{
	echo "$heading\`make bench-floor\`, $(date -u +%Y-%m-%d))"
	echo
	echo "An unconfined open+close of a file (\`microbench\`, batches of 5000), counted in"
	echo "instructions (qemu \`-icount\`; \`make bench-icount\` says what that measures): with nothing"
	echo "attached, with a BPF LSM program on \`file_open\` that only passes the verdict on"
	echo "(\`tests/bench/floor.bpf.c\`), and with agentgate loaded and no policy installed. One boot"
	echo "per kernel, 3 rounds of that order, 3 batches each; cells: instructions per open+close,"
	echo "the median of each round's fewest (min–max), and the increase over nothing attached."
	echo "The do-nothing program's cost is the kernel's (the static call into the BPF LSM, the"
	echo "trampoline, its RCU and migration bookkeeping): no program on that hook costs less."
	echo
	echo "| kernel | nothing attached | do-nothing program | + | agentgate, no policy | + |"
	echo "|---|---:|---:|---:|---:|---:|"
	for k in 6.12 6.1; do
		awk -v k="$(sed -n 's/^BENCHINFO kernel //p; s/^uname: //p' "$bench/vm-floor-$k.log" | head -n 1)" '
			function med(c,    i, n, a, j, t) {
				n = 0
				for (i = 1; i <= 3; i++) if ((c, i) in best) a[++n] = best[c, i]
				for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
				lo[c] = a[1]; hi[c] = a[n]
				return n ? a[int((n + 1) / 2)] : 0
			}
			$1 == "FLOOR" { key = $2 SUBSEP $3; if (!(key in best) || $4 < best[key]) best[key] = $4 }
			END {
				n = med("none"); f = med("floor"); g = med("agentgate")
				printf "| %s | %.0f (%.0f–%.0f) | %.0f (%.0f–%.0f) | %.1f%% | %.0f (%.0f–%.0f) | %.1f%% |\n",
					k, n, lo["none"], hi["none"], f, lo["floor"], hi["floor"], 100 * (f / n - 1),
					g, lo["agentgate"], hi["agentgate"], 100 * (g / n - 1)
			}' "$bench/vm-floor-$k.log"
	done
} >"$tmp"
replace_section "$out" "$tmp" "$heading"
cat "$tmp"
