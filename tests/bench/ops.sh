#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# `make bench-ops`: what audit forwarding (TCP, TLS) and metrics cost the daemon, in one
# boot of Debian's 6.12 kernel under qemu (tests/bench/guest-ops.sh): the daemon's CPU and
# memory at a steady decision rate, the records/s it writes at saturation, and whether the
# rsyslog collector received every record. Replaces the section "Forwarding and metrics"
# of BENCHMARKS.md (appended when missing).
# OPS_ROUNDS (default 3), OPS_RATES (steady opens/s, default "10000 4000"), OPS_STEADY_S (8),
# OPS_SAT_S (6). OPS_LOG=FILE: no VM, the section from the log of an earlier run.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/section.sh
build=${BUILD:-build}
bench=$build/bench
log=$bench/vm-ops-6.12.log
out=BENCHMARKS.md
rounds=${OPS_ROUNDS:-3}
rates=${OPS_RATES:-10000 4000}
steady=${OPS_STEADY_S:-8}
sat=${OPS_SAT_S:-6}
configs="off fwd tls metrics"
mkdir -p "$bench"

rsmods=$(dirname "$(dpkg -L rsyslog 2>/dev/null | grep -m1 '/rsyslog/imtcp.so$')")
if [ ! -x /usr/sbin/rsyslogd ] || [ ! -f "$rsmods/lmnsd_ossl.so" ]; then
	echo "bench-ops: no rsyslog (apt-get install rsyslog rsyslog-openssl)" >&2
	exit 1
fi
for t in openssl curl; do
	command -v "$t" >/dev/null || { echo "bench-ops: no $t (tests/deps.sh)" >&2; exit 1; }
done
# glibc loads libgcc_s when rsyslogd cancels its threads at shutdown (tests/vm/e2e.sh).
gcc_s=$(ldconfig -p | sed -n 's/^[[:space:]]*libgcc_s.so.1 (libc6,x86-64) => //p' | head -n 1)
params=$(mktemp)
section=$(mktemp)
notes=tests/bench/ops-notes.md # the interpretation, pasted in after the figures
trap 'rm -f "$params" "$section"' EXIT
printf 'ROUNDS=%s\nCONFIGS="%s"\nRATES="%s"\nSTEADY_S=%s\nSAT_S=%s\n' \
	"$rounds" "$configs" "$rates" "$steady" "$sat" >"$params"
files=(
	"$build/agentgate:/ag/bin/agentgate"
	"$bench/rateopen:/ag/bin/rateopen"
	"$params:/ag/bench/params"
	"tests/e2e/collector.sh:/ag/bench/collector.sh"
	"/usr/sbin/rsyslogd:/usr/sbin/rsyslogd"
	"$rsmods:$rsmods"
	"$(command -v openssl):/usr/bin/openssl"
	"$(command -v curl):/usr/bin/curl"
)
[ -f "$gcc_s" ] && files+=("$gcc_s:$gcc_s")
if [ -z "${OPS_LOG:-}" ]; then
	t0=$(date +%s)
	tests/vm/run.sh --kernel 6.12 --timeout 3600 --mem 2048 --log "$log" tests/bench/guest-ops.sh \
		"${files[@]}" >/dev/null
	echo "BENCHINFO wall_s $(($(date +%s) - t0))" >>"$log"
else
	log=$OPS_LOG
fi
if grep -q '^BENCHFAIL' "$log"; then
	grep '^BENCHFAIL' "$log" >&2
	exit 1
fi

# med CONFIG KEY: the median over the rounds of KEY=VALUE in CONFIG's BENCHOPS lines.
med() {
	awk -v c="$1" -v k="$2" '$1 == "BENCHOPS" && $2 == c {
		for (i = 4; i <= NF; i++) if (index($i, k "=") == 1 && $i != k "=-") v[n++] = substr($i, length(k) + 2)
	} END {
		if (!n) { print "-"; exit }
		for (i = 1; i < n; i++) for (j = i; j > 0 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
		print (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2
	}' "$log"
}
# all CONFIG KEY [DIVISOR]: every round's value (divided), comma-separated.
all() {
	awk -v c="$1" -v k="$2" -v d="${3:-}" '$1 == "BENCHOPS" && $2 == c {
		for (i = 4; i <= NF; i++) if (index($i, k "=") == 1) {
			x = substr($i, length(k) + 2)
			if (d != "" && x != "-") x = sprintf("%.1f", x / d)
			s = s (s == "" ? "" : ", ") x
		}
	} END { print s }' "$log"
}
div() { awk -v v="$1" -v d="$2" 'BEGIN { if (v == "-") print "-"; else printf "%.1f\n", v / d }'; }
# per CONFIG RATE: the median over the rounds of the daemon's CPU % per 1000 decisions/s
# reached (the rates reached differ between configurations when the vCPUs are saturated).
per() {
	awk -v c="$1" -v r="$2" '$1 == "BENCHOPS" && $2 == c {
		for (i = 4; i <= NF; i++) {
			if (index($i, "rate" r "=") == 1) q = substr($i, length(r) + 6)
			if (index($i, "cpu" r "=") == 1) u = substr($i, length(r) + 5)
		}
		if (q > 0) v[n++] = u / 10 / (q / 1000)
	} END {
		if (!n) { print "-"; exit }
		for (i = 1; i < n; i++) for (j = i; j > 0 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
		printf "%.2f\n", (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2
	}' "$log"
}
name() {
	case $1 in
	off) echo "forwarding off, metrics off" ;;
	fwd) echo "forwarding on, plain TCP" ;;
	tls) echo "forwarding on, TLS" ;;
	metrics) echo "metrics on, scraped once a second" ;;
	esac
}
{
	echo "## Forwarding and metrics (\`make bench-ops\`, $(date -u +%Y-%m-%d))"
	echo
	echo "One boot of Debian $(sed -n 's/^BENCHINFO kernel //p' "$log") under qemu TCG"
	echo "($(sed -n 's/^BENCHINFO cpus //p' "$log") vCPUs, 2 GB), $(sed -n 's/^BENCHINFO wall_s //p' "$log") s in all (\`tests/bench/guest-ops.sh\`). The daemon (durability"
	echo "batch, the other audit settings at their defaults) with one assigned cgroup, whose agent"
	echo "(\`tests/bench/rateopen.c\`) opens an allowed file: one decision, one record per open."
	echo "The collector is Debian's rsyslogd in the same VM, on loopback (imtcp; TLS: the ossl"
	echo "driver, a P-256 certificate), configured as in docs/forward.md, so it shares the 2 vCPUs"
	echo "with the agent and the daemon. $rounds rounds, each round every configuration once, each"
	echo "run with a fresh daemon and log; medians over the rounds. TCG makes everything 10-50×"
	echo "slower than hardware and the VM's speed drifts: only ratios between rows mean anything."
	echo
	echo "- **steady**: the agent asks for N opens/s for $steady s; *reached*: the rate it made"
	echo "  (below N when the vCPUs are saturated); the daemon's CPU: utime+stime of all its"
	echo "  threads (the forwarder and the metrics server are threads of it) from /proc/PID/stat"
	echo "  over the interval, 100 % = one vCPU, and per 1000 opens/s reached; the collector's"
	echo "  (rsyslogd) the same way. Memory: the daemon's VmRSS after the last steady interval,"
	echo "  and its VmHWM (peak since it started) then."
	echo "- **saturation**: the agent opens as fast as it can for $sat s; the records the daemon"
	echo "  appended from the burst's start until the log stopped growing, over that time (the"
	echo "  kernel drops what the writer cannot take, and the log says so in gap records)."
	echo "- **collector**: after the stop, the collector's file with exact duplicates (resends)"
	echo "  folded equals the local log line for line (\"all\"), in every round; *caught up*:"
	echo "  seconds from the end of the burst until the collector held as many records as the log."
	echo
	hdr="| configuration |"
	sep="|---|"
	for r in $rates; do
		hdr="$hdr $r/s asked: reached | daemon CPU % | per 1000/s | rsyslogd CPU % |"
		sep="$sep---:|---:|---:|---:|"
	done
	echo "$hdr VmRSS KiB | VmHWM KiB | records/s at saturation | × off | collector | caught up s |"
	echo "$sep---:|---:|---:|---:|---|---:|"
	off_rps=$(med off sat_rps)
	for c in $configs; do
		coll=-
		if [ "$c" = fwd ] || [ "$c" = tls ]; then
			case $(all "$c" match) in
			*no*) coll="**lost records** ($(all "$c" received) of $(all "$c" records))" ;;
			*) coll="all ($(med "$c" records) records)" ;;
			esac
		fi
		row="| $(name "$c") |"
		for r in $rates; do
			row="$row $(med "$c" "rate$r") | $(div "$(med "$c" "cpu$r")" 10) | $(per "$c" "$r") | $(div "$(med "$c" "coll$r")" 10) |"
		done
		x=$(awk -v a="$(med "$c" sat_rps)" -v b="$off_rps" 'BEGIN { printf "%.2f\n", a / b }')
		echo "$row $(med "$c" rss_kb) | $(med "$c" hwm_kb) | $(med "$c" sat_rps) | $x | $coll | $(div "$(med "$c" catchup_ds)" 10) |"
	done
	echo
	hi=${rates%% *}
	pc() { per "$1" "$hi"; }
	rel() { awk -v a="$(med "$1" "$2")" -v b="$(med off "$2")" 'BEGIN { printf "%.2f\n", a / b }'; }
	echo "What costs what: per 1000 decisions/s (at $hi/s asked) the daemon used $(pc off) % of a vCPU"
	echo "with neither, $(pc fwd) % forwarding over TCP and $(pc tls) % over TLS, $(pc metrics) % with metrics"
	echo "scraped once a second. At saturation the log took $(rel fwd sat_rps)× (TCP), $(rel tls sat_rps)× (TLS)"
	echo "and $(rel metrics sat_rps)× (metrics) of the records/s it took with neither. The daemon's peak"
	echo "memory: $(med off hwm_kb) KiB with neither, $(med tls hwm_kb) KiB forwarding over TLS."
	[ -f "$notes" ] && cat "$notes"
	echo
	echo "Each round's figures:"
	echo
	for c in $configs; do
		row="- $c:"
		for r in $rates; do
			row="$row at $r/s reached $(all "$c" "rate$r"), daemon CPU % $(all "$c" "cpu$r" 10);"
		done
		row="$row records/s at saturation $(all "$c" sat_rps)"
		[ "$c" = metrics ] && row="$row; scrapes answered/made $(all "$c" scrapes_ok)"
		echo "$row."
	done
	echo
	echo "Command: \`make bench-ops\` (log: \`$log\`)."
} >"$section"

replace_section "$out" "$section" "## Forwarding and metrics"
cat "$section"
