#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# `make bench-containers`: Debian's dockerd with and without agentgate-runc, in one boot of
# Debian's 6.12 kernel under qemu in the engines VM (tests/vm/engines.sh; the guest:
# tests/bench/guest-containers.sh): container start to the entrypoint's first step, plain
# runc against agentgate-runc binding a policy; opens under that policy in a container
# against the same on the host, each beside its unconfined baseline. Replaces the section
# "Containers" of BENCHMARKS.md (appended when missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/section.sh
build=${BUILD:-build}
bench=$build/bench
log=$bench/vm-containers-6.12.log
out=BENCHMARKS.md
mkdir -p "$bench"

for f in "$build/agentgate" "$bench/microbench-static"; do
	[ -x "$f" ] || { echo "bench-containers: no $f (make all $bench/microbench-static)" >&2; exit 1; }
done
cpio=$(tests/vm/engines.sh --cpio) || { echo "bench-containers: tests/vm/engines.sh failed" >&2; exit 1; }
files=(
	"$build/agentgate:/ag/bin/agentgate"
	"$bench/microbench-static:/ag/bin/microbench-static"
	"tests/e2e/engines.sh:/ag/bench/engines.sh"
	"policies/include:/ag/bench/include"
)
t0=$(date +%s)
# One vCPU, as tests/vm/e2e.sh boots the engines VM (two made 6.12 under TCG oops there).
AGVM_CPIO=$cpio AGVM_SMP=1 tests/vm/run.sh --kernel 6.12 --timeout 2400 --mem 3072 --log "$log" \
	tests/bench/guest-containers.sh "${files[@]}" >/dev/null
wall=$(($(date +%s) - t0))
if grep -q '^BENCHFAIL' "$log"; then
	grep '^BENCHFAIL' "$log" >&2
	exit 1
fi

# median FIELD KEY...: the median of field FIELD of the BENCHCS lines starting with KEY.
median() {
	local f=$1
	shift
	sed -n "s/^BENCHCS $* //p" "$log" | tr -d '\r' | cut -d' ' -f"$f" | sort -n |
		awk '{v[NR] = $1} END {if (NR) print v[int((NR + 1) / 2)]; else print "nan"}'
}
# range FIELD DIV KEY...: "min–max" of the same values, divided by DIV.
range() {
	local f=$1 d=$2
	shift 2
	sed -n "s/^BENCHCS $* //p" "$log" | tr -d '\r' | cut -d' ' -f"$f" | sort -n |
		awk -v d="$d" '{v[NR] = $1} END {printf "%.0f–%.0f", v[1] / d, v[NR] / d}'
}
count() { grep -c "^BENCHCS $*" "$log" || true; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
ns() { awk -v n="$1" 'BEGIN {printf "%.0f", n}'; }
ms() { awk -v n="$1" 'BEGIN {printf "%.0f", n / 1e6}'; }
info() { sed -n "s/^BENCHINFO $1 //p" "$log" | tr -d '\r' | head -n 1; }

sp=$(median 1 start plain) sa=$(median 1 start ag)
rp=$(median 2 start plain) ra=$(median 2 start ag)
hp=$(median 1 open host-plain) ha=$(median 1 open host-ag)
cu=$(median 1 open container-plain) ca=$(median 1 open container-ag)
section=$(mktemp)
trap 'rm -f "$section"' EXIT
{
	echo "## Containers (\`make bench-containers\`, $(date -u +%Y-%m-%d))"
	echo
	echo "One boot of Debian $(info kernel) under qemu TCG ($(info cpus) vCPU, 3 GB), $wall s in all"
	echo "(\`tests/bench/guest-containers.sh\`): Debian's dockerd $(info engine | cut -d' ' -f1) (runc"
	echo "$(info engine | cut -d' ' -f3), vfs storage, \`--network none\`), the agentgate daemon with"
	echo "a \`containers: policies_dir\` holding \`bench\`: a permissive but real policy (default"
	echo "allow; a denied file, an allowed tree, a denied write tree, a denied command). Before"
	echo "measuring, the denied file was refused on the host cgroup and in the agentgate"
	echo "container and read in the plain one ($(info denials) denial records). The image: busybox"
	echo "(engines.sh); the entrypoint and the benchmark: a static \`microbench\`, bind-mounted."
	echo "TCG makes everything many times slower than hardware: read the ratios."
	echo
	echo "**Start to first instruction.** \`docker run --rm\` of the same image, plain runc"
	echo "against \`--runtime agentgate -e AGENTGATE_POLICY=bench\` (agentgate-runc: the policy"
	echo "bound to the container's cgroup before its entrypoint runs), alternating, $(count start plain) of"
	echo "each after one unmeasured run of each. \"First step\": from just before \`docker run\` to"
	echo "the entrypoint's read of CLOCK_MONOTONIC (\`microbench now\`; containers share the clock);"
	echo "\"returned\": until \`docker run\` exited (the container torn down too). Medians:"
	echo
	echo "| | plain runc | agentgate-runc | ratio | range plain / agentgate |"
	echo "|---|---:|---:|---:|---|"
	echo "| first step, ms | $(ms "$sp") | $(ms "$sa") | $(ratio "$sa" "$sp") | $(range 1 1e6 start plain) / $(range 1 1e6 start ag) |"
	echo "| \`docker run\` returned, ms | $(ms "$rp") | $(ms "$ra") | $(ratio "$ra" "$rp") | $(range 2 1e6 start plain) / $(range 2 1e6 start ag) |"
	echo
	echo "**Confined open in a container against the host.** \`microbench -o N -x 0 -c 0\` (ns per"
	echo "open + close of one file under the allowed tree), the same binary and path in four"
	echo "places taken in turn each round: the host unconfined, the host in a cgroup the daemon"
	echo "assigned \`bench\` (config \`assignments:\`), a plain runc container, an agentgate-runc"
	echo "container bound to \`bench\`. Medians of $(count open host-plain) batches each:"
	echo
	echo "| | unconfined ns | under \`bench\` ns | confined ÷ unconfined | added by the policy, ns | batches unconfined / confined, ns |"
	echo "|---|---:|---:|---:|---:|---|"
	echo "| host | $(ns "$hp") | $(ns "$ha") | $(ratio "$ha" "$hp") | $(ns "$(awk -v a="$ha" -v b="$hp" 'BEGIN {print a - b}')") | $(range 1 1 open host-plain) / $(range 1 1 open host-ag) |"
	echo "| container | $(ns "$cu") | $(ns "$ca") | $(ratio "$ca" "$cu") | $(ns "$(awk -v a="$ca" -v b="$cu" 'BEGIN {print a - b}')") | $(range 1 1 open container-plain) / $(range 1 1 open container-ag) |"
	echo "| container ÷ host | $(ratio "$cu" "$hp") | $(ratio "$ca" "$ha") | | | |"
	echo
	echo "Both containers run under Docker's default seccomp profile (a filter on every system"
	echo "call) in a mount namespace, the host processes under neither: that, not agentgate, is"
	echo "what the unconfined container ÷ host ratio measures (not taken apart here). What the"
	echo "policy adds is the fifth column, in each place; under TCG it moves by several µs from"
	echo "one boot to the next (see the batches' spread), so read the two places as alike unless"
	echo "they differ by more than that."
	echo
	echo "Command: \`make bench-containers\` (log: \`$log\`)."
} >"$section"

replace_section "$out" "$section" "## Containers"
cat "$section"
