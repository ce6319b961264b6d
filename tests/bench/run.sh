#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# `make bench`: runs the userspace benchmarks (policy compiler, audit writer) and writes
# their tables, the command, the machine and the date into BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
out=BENCHMARKS.md
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
	echo "# Benchmarks"
	echo
	echo "Produced by \`make bench\` on $(date -u +%Y-%m-%d), $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), kernel $(uname -r)."
	echo "Figures are medians of repeated runs; compare them within one run."
	echo
	echo "## Policy compiler (\`$build/bench/bench_compile\`)"
	echo
	"$build/bench/bench_compile"
	echo
	echo "## Audit writer (\`$build/bench/bench_audit\`)"
	echo
	"$build/bench/bench_audit" "$build/bench/tmp"
} >"$tmp"
mv "$tmp" "$out"
trap - EXIT
cat "$out"
