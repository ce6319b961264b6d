#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The audit writer's section of BENCHMARKS.md, to stdout: build/bench/bench_audit's table,
# then sha256sum, and `openssl dgst -sha256` (the library the writer hashes with), over the
# log the batched run wrote (from the page cache, just written): the chain's reference, as
# every byte of the log is hashed once, in order, on one core. The batched run, the one the
# target is about, is repeated AUDIT_RUNS times (9) with the disk synced between runs, and
# its row gives the median (range): a single run on a shared host varies by a third. Run by
# tests/bench/run.sh (`make bench`); alone: `tests/bench/audit.sh` after
# `make build/bench/bench_audit`.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/bench/stats.sh
. tests/bench/stats.sh
bench=${BUILD:-build}/bench
tmp=$bench/tmp
runs=${AUDIT_RUNS:-9}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "audit.sh: AUDIT_RUNS=$runs is not a count" >&2; exit 2; }
table=$("$bench/bench_audit" "$tmp")
rows=$(grep '^| batched |' <<<"$table")
for ((i = 2; i <= runs; i++)); do
	sync
	rows+=$'\n'$("$bench/bench_audit" "$tmp" batched | grep '^| batched |')
done
# The batched row: each number column as median (min–max) over the runs.
med() {
	awk -F'|' -v c="$1" '{ gsub(/ /, "", $c); print $c }' <<<"$rows" | median_range
}
batched=$(awk -F'|' 'NR == 1 { printf "|%s|%s|%s|%s|", $2, $3, $4, $5 }' <<<"$rows")
batched+=" $(med 6) | $(med 7) | $(med 8) |"
table=$(awk -v b="$batched" '/^\| batched \|/ { print b; next } { print }' <<<"$table")
echo "$table"
echo
echo "The batched row: median (range) of $runs runs, the disk synced between them."
log=$tmp/batched.log
bytes=$(stat -c %s "$log")
t0=$(date +%s%N)
sha256sum "$log" >/dev/null
t1=$(date +%s%N)
openssl dgst -sha256 "$log" >/dev/null
t2=$(date +%s%N)
rm -rf "$tmp"/batched*.log "$tmp"/per-record.log* "$tmp"/keys-*
# The batched row: records and records/s.
n=$(awk -F'|' '$2 ~ /^ batched /{gsub(/ /, "", $4); print $4}' <<<"$table")
rate=$(awk -F'|' '$2 ~ /^ batched /{split($6, w, " "); print w[1]}' <<<"$table")
awk -v b="$bytes" -v ns=$((t1 - t0)) -v ons=$((t2 - t1)) -v n="$n" -v r="$rate" \
	-v cpus="$(nproc)" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
	s = b / (ns / 1e9); o = b / (ons / 1e9); per = b / n
	printf "\nThe same %d bytes (the batched log, from the page cache) hashed once, one core: ", b
	printf "`sha256sum` (GNU coreutils) %.0f MB/s, that is %.0f records/s at %.0f bytes ", \
		s / 1e6, s / per, per
	printf "per record; `openssl dgst -sha256` (SHA-NI where the CPU has it, as the writer) "
	printf "%.0f MB/s, %.0f records/s. ", o / 1e6, o / per
	printf "Writer ÷ sha256sum: %.2f; writer ÷ openssl: %.2f. ", r / (s / per), r / (o / per)
	printf "%d CPUs, load average %s after the runs.\n", cpus, load
}'
