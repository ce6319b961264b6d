#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# `make bench-audit-ab REVS="A B ..."`: the audit writer of git revisions against each other on
# this machine (build/bench/bench_audit's batched run: 1,000,000 records, fsync batched). Each
# revision's benchmark is built in a scratch worktree; the builds take turns AUDIT_AB_RUNS
# times (30), the log removed and the disk synced after each run, so that every build sees the
# same moments of a shared host. Prints each run, then per build the median (range) of
# records/s and of CPU ns per record, the appending thread's and all threads'.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
work=$build/bench/audit-ab
runs=${AUDIT_AB_RUNS:-30}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "bench-audit-ab: AUDIT_AB_RUNS=$runs is not a count" >&2; exit 2; }
# shellcheck source=tests/bench/revs.sh
. tests/bench/revs.sh
# shellcheck source=tests/bench/stats.sh
. tests/bench/stats.sh
revs_build bench-audit-ab "$work" build/bench/bench_audit
trap 'revs_cleanup; rm -rf "$work/tmp"' EXIT
n=$nrevs
for ((r = 1; r <= runs; r++)); do
	for ((b = 0; b < n; b++)); do
		row=$("$work/src.$b/build/bench/bench_audit" "$work/tmp" batched | grep '^| batched |')
		rm -rf "$work/tmp"
		sync
		awk -F'|' -v r="$r" -v b="$b" '{ gsub(/ /, ""); print "run", r, "build", b, $6, $7, $8 }' <<<"$row"
	done
done | tee "$work/runs"
echo
echo "| build | records/s, median (range) | CPU ns/record, appending thread | CPU ns/record, all threads |"
echo "|---|---:|---:|---:|"
med() { # column $2 of build $1's rows
	awk -v b="$1" -v c="$2" '$4 == b { print $c }' "$work/runs" | median_range
}
for ((b = 0; b < n; b++)); do
	echo "| $b: ${revs[$b]} | $(med "$b" 5) | $(med "$b" 6) | $(med "$b" 7) |"
done
echo
echo "$runs runs each, taking turns; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) after the runs."
