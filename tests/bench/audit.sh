#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The audit writer's section of BENCHMARKS.md, to stdout: build/bench/bench_audit's table,
# then sha256sum over the log the batched run wrote (read from the page cache, just
# written), the chain's reference: every byte of the log is hashed once. Run by
# tests/bench/run.sh (`make bench`); alone: `tests/bench/audit.sh` after
# `make build/bench/bench_audit`.
set -euo pipefail
cd "$(dirname "$0")/../.."
bench=${BUILD:-build}/bench
tmp=$bench/tmp
table=$("$bench/bench_audit" "$tmp")
echo "$table"
log=$tmp/batched.log
bytes=$(stat -c %s "$log")
t0=$(date +%s%N)
sha256sum "$log" >/dev/null
t1=$(date +%s%N)
rm -rf "$tmp"/batched*.log "$tmp"/per-record.log* "$tmp"/keys-*
# The batched row: records and records/s.
n=$(awk -F'|' '$2 ~ /^ batched /{gsub(/ /, "", $4); print $4}' <<<"$table")
rate=$(awk -F'|' '$2 ~ /^ batched /{gsub(/ /, "", $6); print $6}' <<<"$table")
awk -v b="$bytes" -v ns=$((t1 - t0)) -v n="$n" -v r="$rate" -v cpus="$(nproc)" \
	-v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
	s = b / (ns / 1e9); per = b / n
	printf "\nsha256sum (GNU coreutils) over the batched log (%d bytes, from the page cache): ", b
	printf "%.0f MB/s, %.0f records/s at %.0f bytes per record. ", s / 1e6, s / per, per
	printf "Writer ÷ sha256sum: %.2f (the writer hashes with OpenSSL, which uses SHA-NI ", \
		r / (s / per)
	printf "where the CPU has it). %d CPUs, load average %s after the runs.\n", cpus, load
}'
