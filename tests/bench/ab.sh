#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# `make bench-ab REVS="A B ..."`: the kernel side of a confined open+close, before and after
# a change, in one boot (tests/bench/guest-ab.sh). Each git revision is built in a scratch
# worktree; in the VM the builds take turns for AB_ROUNDS rounds, each confining a microbench
# open loop under the seed policy with an audit log. Per round and build: ns per
# ag_file_open call (the kernel's bpf_stats over AB_WINDOW seconds of the loop: the program
# alone, without the rest of the system call) and the loop's best ns per open+close, confined
# and unconfined while the build confines another task (a policy installed elsewhere) or
# none (the build's programs loaded, no policy installed: the op's figure only); and the
# kernel memory a confined task costs: the unreclaimable slab's growth per sleeper (each opens
# the file and execs sleep) confined, beyond an unconfined one's, in all and per slab cache. Prints
# the rounds and, per build, the medians; compare builds within one run only (TCG).
# AB_KERNEL (6.12), AB_ROUNDS (7), AB_WINDOW (3), AB_SLEEPERS (300), AB_SETTLE (8 s before the
# slab is read) change the run; AB_OP=connect measures a TCP connect to loopback (accept, close)
# and ag_socket_connect instead of the open, AB_OP=exec a fork + execve + wait of the
# microbench itself and ag_bprm_check (the exec's other programs, file_open's share and
# bprm_committed_creds, are in the loop's figure only).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/bench/seed-policy.sh
. tests/bench/seed-policy.sh
build=${BUILD:-build}
bench=$build/bench
work=$bench/ab
kernel=${AB_KERNEL:-6.12}
rounds=${AB_ROUNDS:-7}
window=${AB_WINDOW:-3}
sleepers=${AB_SLEEPERS:-300}
settle=${AB_SETTLE:-8}
op=${AB_OP:-open}
case $op in
open) prog=ag_file_open ;;
connect) prog=ag_socket_connect ;;
exec) prog=ag_bprm_check ;;
*) echo "bench-ab: AB_OP is open, connect or exec, not '$op'" >&2; exit 2 ;;
esac
[ -x "$bench/microbench" ] || { echo "bench-ab: no $bench/microbench (make $bench/microbench)" >&2; exit 1; }
# shellcheck source=tests/bench/revs.sh
. tests/bench/revs.sh
# shellcheck source=tests/bench/stats.sh
. tests/bench/stats.sh
revs_build bench-ab "$work" build/agentgate
files=()
names=
for ((i = 0; i < nrevs; i++)); do
	files+=("$work/src.$i/build/agentgate:/ag/bin/ag-$i")
	names="$names $i"
done

# The seed policy as `make bench` runs it, with the microbench's own exec allowed.
cat >"$work/rules" <<'RULES'
    - action: shell_exec
      command: "/ag/bin/microbench *"
      decision: ALLOW
      reason: "the benchmark"
    - action: shell_exec
      command: "/bin/busybox *"
      decision: ALLOW
      reason: "the sleepers' sh and sleep (the guest's busybox)"
    - action: file_read
      path: "/dev/null"
      decision: ALLOW
      reason: "the sleepers' stdin"
    - action: network
      cidr: 127.0.0.1
      port: 40000
      decision: ALLOW
      reason: "the connect loop's listener (microbench's default port)"
RULES
seed_policy "$work/pol" "$work/rules"
"$build/agentgate" check "$work/pol/seed.yaml" --action file_read --path /opt/agent/input/data.txt |
	grep -q '"decision":"ALLOW"' || { echo "bench-ab: the seed policy does not allow the benchmark's file" >&2; exit 1; }
"$build/agentgate" check "$work/pol/seed.yaml" --action network --ip 127.0.0.1 --port 40000 |
	grep -q '"decision":"ALLOW"' || { echo "bench-ab: the seed policy does not allow the connect loop" >&2; exit 1; }
for c in "/bin/busybox -c x" "/bin/busybox 300"; do
	"$build/agentgate" check "$work/pol/seed.yaml" --action shell_exec --command "$c" |
		grep -q '"decision":"ALLOW"' || { echo "bench-ab: the seed policy does not allow the sleepers' $c" >&2; exit 1; }
done
echo "ROUNDS=$rounds VARIANTS=\"$names\" WIN=$window SLEEPERS=$sleepers SETTLE=$settle OP=$op" >"$work/params"

tests/vm/run.sh --kernel "$kernel" --timeout 3000 --log "$work/vm.log" tests/bench/guest-ab.sh "${files[@]}" \
	"$bench/microbench:/ag/bin/microbench" "$(command -v bpftool):/ag/bin/bpftool" \
	"$work/pol:/ag/pol" "$work/params:/ag/ab.params" >/dev/null
grep -E '^(AB|UNC|IDL|MEM|SLAB) ' "$work/vm.log" | tr -d '\r' | tee "$work/rounds"
echo "kernel $(sed -n 's/^KERNEL //p' "$work/vm.log" | tr -d '\r'), $rounds rounds"
echo "| build | $prog ns/call, median (range) | $op ns, median (range) | unconfined, a policy elsewhere: $prog ns/call | unconfined $op ns | unconfined, no policy installed: $op ns | unreclaimable slab KiB per confined task, median (range) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
col() { awk -v t="$1" -v n="$2" -v f="$3" '$1 == t && $2 == n {print $f}' "$work/rounds" | median_range; }
for n in $names; do
	echo "| ${revs[$n]} | $(col AB "$n" 5) | $(col AB "$n" 9) | $(col UNC "$n" 5) | $(col UNC "$n" 9) | $(col IDL "$n" 9) | $(col MEM "$n" 5) |"
done
echo
echo "Where a confined task's slab goes, beyond an unconfined one's (bytes per task, median over the rounds where the cache moved 16 bytes or more):"
for n in $names; do
	echo "${revs[$n]}:"
	for c in $(awk -v n="$n" '$1 == "SLAB" && $2 == n {print $4}' "$work/rounds" | sort -u); do
		echo "  $c $(awk -v n="$n" -v c="$c" '$1 == "SLAB" && $2 == n && $4 == c {print $5}' "$work/rounds" | median_range) in $(awk -v n="$n" -v c="$c" '$1 == "SLAB" && $2 == n && $4 == c' "$work/rounds" | grep -c .) of $rounds rounds"
	done
done
