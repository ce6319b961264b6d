#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# `make bench-dashboard`: the dashboard over a log of DASH_RECORDS (default 1,000,000)
# decision records written by the audit library (gen_audit_log: real chain, real seals):
# how long indexing takes (start until it serves), the time to the first page, paging deep
# into the log, server-side filters, the summary, the timeline and verification, each the
# median of 5 requests with curl. Writes its section of BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/section.sh
build=${BUILD:-build}
n=${DASH_RECORDS:-1000000}
out=BENCHMARKS.md
dir=$build/bench/dashboard
rm -rf "$dir"
mkdir -p "$dir"
load=$(cut -d' ' -f1 /proc/loadavg)
t0=$(date +%s.%N)
"$build/bench/gen_audit_log" --key-dir "$dir/keys" --records "$n" "$dir/audit.log"
t1=$(date +%s.%N)
size=$(du -m "$dir/audit.log" | cut -f1)

"$build/agentgate" dashboard --audit-log "$dir/audit.log" --pubkey "$dir/keys/audit.pub" --port 0 \
	--token-file "$dir/token" >"$dir/out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
t2=$(date +%s.%N)
until grep -q 'dashboard on' "$dir/out"; do
	kill -0 $pid 2>/dev/null || { cat "$dir/out"; exit 1; }
	sleep 0.02
done
t3=$(date +%s.%N)
url=$(sed -n 's|.*dashboard on \(http://[0-9.:]*\)/.*|\1|p' "$dir/out")
token=$(cat "$dir/token")
rss=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status)

# ms PATH: the median of 5 requests, in ms (the first of verify is apart: it is cached after).
ms() {
	for _ in 1 2 3 4 5; do
		curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$url$1"
	done | sort -n | sed -n 3p | awk '{printf "%.1f", $1 * 1000}'
}
once() { curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$url$1" | awk '{printf "%.0f", $1 * 1000}'; }
verify_first=$(once /api/verify)
verdict=$(curl -s -H "Authorization: Bearer $token" "$url/api/verify" | sed -n 's/.*"verdict":"\([a-z ]*\)".*/\1/p')
rows=(
	"first page (100 newest)|/api/records"
	"page 5000 (offset 499,900)|/api/records?offset=499900"
	"decision=deny|/api/records?decision=deny"
	"agent + action + decision|/api/records?agent=/agents/scraper&action=network&decision=deny"
	"rule=default|/api/records?rule=default"
	"text q=pastebin (scans the lines)|/api/records?q=pastebin"
	"time window (10 min)|/api/records?from=$(date -u -d '-30 min' +%Y-%m-%dT%H:%M:%SZ)&to=$(date -u -d '-20 min' +%Y-%m-%dT%H:%M:%SZ)"
	"summary (whole log)|/api/summary"
	"summary, one agent|/api/summary?agent=/agents/scraper"
	"timeline, 60 buckets|/api/timeline"
	"verify (cached)|/api/verify"
)
section=$(mktemp)
{
	echo "## Dashboard over a large log (\`make bench-dashboard\`, $(date -u +%F))"
	echo
	echo "$n decision records (plus genesis and seals) written by the audit library in"
	echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}') s, $size MiB, eight agents; this machine ($(nproc) cores, load average $load at the start)."
	echo "\`agentgate dashboard\` indexed it in $(awk -v a="$t2" -v b="$t3" 'BEGIN {printf "%.1f", b - a}') s"
	echo "(one parse per line; ${rss} KiB resident afterwards). Verification of the whole chain"
	echo "on first request: $verify_first ms ($verdict), then cached until the log grows."
	echo "Requests: median of 5, curl on the same machine, ms:"
	echo
	echo "| request | ms |"
	echo "|---|---:|"
	for r in "${rows[@]}"; do
		echo "| ${r%%|*} | $(ms "${r#*|}") |"
	done
	echo
	echo "Command: \`make bench-dashboard\` (DASH_RECORDS=N for another size)."
} >"$section"
replace_section "$out" "$section" "## Dashboard over a large log"
cat "$section"
rm -f "$section"
