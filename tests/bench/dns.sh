#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# `make bench-dns` (and the end of `make bench`): the DNS proxy with 1, 100 and 1000 bound
# containers, each in a network namespace of its own, in one boot of Debian's 6.12 kernel
# under qemu (tests/bench/guest-dns.sh): the daemon's threads, memory and files, lookup
# latency through the proxy, and the outage of a daemon restart. Replaces the section
# "DNS proxy at scale" of BENCHMARKS.md (appended when missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/section.sh
build=${BUILD:-build}
bench=$build/bench
log=$bench/vm-dns-6.12.log
out=BENCHMARKS.md
mkdir -p "$bench"

dnsmasq=${DNSMASQ:-/usr/sbin/dnsmasq}
[ -x "$dnsmasq" ] || { echo "bench-dns: no $dnsmasq (apt-get install dnsmasq-base)" >&2; exit 1; }
files=(
	"$build/agentgate:/ag/bin/agentgate"
	"$bench/dnsbench:/ag/bin/dnsbench"
	"$dnsmasq:/usr/sbin/dnsmasq"
	"tests/e2e/dns.sh:/ag/bench/dns.sh"
	"policies/include:/ag/bench/include"
)
t0=$(date +%s)
tests/vm/run.sh --kernel 6.12 --timeout 2400 --mem 3072 --log "$log" tests/bench/guest-dns.sh \
	"${files[@]}" >/dev/null
wall=$(($(date +%s) - t0))
if grep -q '^BENCHFAIL' "$log"; then
	grep '^BENCHFAIL' "$log" >&2
	exit 1
fi

v() { sed -n "s/^BENCHDNS $1 $2 //p" "$log" | head -n 1; }
us() { awk '{printf "%.0f / %.0f", $2 / 1000, $3 / 1000}'; }
section=$(mktemp)
trap 'rm -f "$section"' EXIT
{
	echo "## DNS proxy at scale (\`make bench-dns\`, $(date -u +%Y-%m-%d))"
	echo
	echo "One boot of Debian $(sed -n 's/^BENCHINFO kernel //p' "$log") under qemu TCG"
	echo "($(sed -n 's/^BENCHINFO cpus //p' "$log") vCPUs, 3 GB), $wall s in all (\`tests/bench/guest-dns.sh\`). N containers: N cgroups,"
	echo "each with a task in a network namespace of its own (loopback and a dummy interface),"
	echo "bound to one policy the way the runtime wrapper binds a container. The daemon's figures"
	echo "after a few sweeps; lookups: getaddrinfo() of an allowed name from the first and the"
	echo "last container, through the proxy sockets in its namespace to dnsmasq (200 in a row,"
	echo "µs at the median / 90th percentile; TCG makes them 10-50× slower than hardware)."
	echo
	echo "| containers | namespaces served | daemon threads | daemon RSS KiB | daemon files | kernel slab KiB | lookup µs, first | lookup µs, last |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
	for n in 1 100 1000; do
		echo "| $n | $(v "$n" served) | $(v "$n" threads) | $(v "$n" rss_kb) | $(v "$n" fds) | $(v "$n" slab_kb) | $(v "$n" first | us) | $(v "$n" last | us) |"
	done
	echo
	read -r longest failed total <<<"$(v restart OUTAGE)"
	echo "Daemon restart with 1000 containers bound (SIGTERM, then a new daemon that adopts the"
	echo "pinned state and sets the proxies' sockets up again): $(v restart daemon_ms) ms from the"
	echo "signal until the new daemon was ready. A container looking its name up every 10 ms"
	echo "meanwhile had $failed of $total lookups fail; the longest stretch without an answer was"
	echo "$longest ms. Lookups are refused (not left waiting) while no proxy listens, so clients"
	echo "see errors for that long; addresses learned before stay reachable."
	echo
	echo "Command: \`make bench-dns\` (log: \`$log\`)."
} >"$section"

replace_section "$out" "$section" "## DNS proxy at scale"
cat "$section"
