#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# `make bench`: the userspace benchmarks (policy compiler, audit writer) on this machine,
# then, in one boot of Debian's 6.12 kernel under qemu (tests/bench/guest-bench.sh),
# open / fork+exec / connect microbenchmarks with nothing loaded, with agentgate loaded,
# under agentgate policies (the seed, and 10 / 1,000 / 10,000 generated rules), under
# AppArmor profiles with the same rules and under a Landlock ruleset. Writes the tables,
# the targets, the command, the kernels and the date into BENCHMARKS.md.
# BENCH_ROUNDS, BENCH_TURNS, BENCH_OPEN, BENCH_EXEC, BENCH_CONN (per batch) and BENCH_RB
# change the counts (BENCH_ROUNDS=1 for a quick look), BENCH_KERNEL (6.12) the VM's kernel;
# BENCHMARKS.md is only written with the defaults, otherwise the report goes to stdout.
# BENCH_ICOUNT=1 (`make bench-icount`): the VM's clock counts instructions instead (qemu
# -icount), 3 rounds by default, the hooks only; its own section, one per BENCH_KERNEL.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/section.sh
build=${BUILD:-build}
bench=$build/bench
vm=$bench/vm
icount=${BENCH_ICOUNT:-0}
case $icount in 0 | 1) ;; *) echo "bench: BENCH_ICOUNT is 0 or 1, not '$icount'" >&2; exit 2 ;; esac
rounds=${BENCH_ROUNDS:-$((icount ? 3 : 8))}
turns=${BENCH_TURNS:-6}
nopen=${BENCH_OPEN:-2000}
nexec=${BENCH_EXEC:-4}
nconn=${BENCH_CONN:-200}
nrb=${BENCH_RB:-100000}
port=40000
file=/opt/agent/input/data.txt
sizes=(10 1000 10000)
vm_kernel=${BENCH_KERNEL:-6.12}
out=BENCHMARKS.md
defaults=0
if [ "$icount" = 0 ]; then
	[ "$rounds $turns $nopen $nexec $nconn $nrb $vm_kernel" = "8 6 2000 4 200 100000 6.12" ] && defaults=1
else
	# Counted in instructions: each kernel has a section of its own.
	case "$rounds $turns $nopen $nexec $nconn $vm_kernel" in
	"3 6 2000 4 200 6.1" | "3 6 2000 4 200 6.12") defaults=1 ;;
	esac
fi

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# AppArmor's parser and aa-exec (tests/bench/apparmor.sh). Without apt the AppArmor rows
# say why they are missing.
. tests/bench/apparmor.sh
# shellcheck source=tests/bench/seed-policy.sh
. tests/bench/seed-policy.sh
aa=$bench/apparmor
apparmor_unpack "$bench"

now_ns() { date +%s%N; }
median() { sort -n | awk '{v[NR] = $1} END {if (NR) print v[int((NR + 1) / 2)]}'; }

# Policies: the seed (policies/openai-agent-sandbox.yaml) with what the benchmark needs
# to start (ld-so) and to run (its own exec, the loopback port) put first, then the seed
# plus N generated file_read rules (genpolicy: bench_compile's generator).
rm -rf "$vm"
mkdir -p "$vm/policies" "$vm/apparmor"
cat >"$vm/policies/allow.yaml" <<EOF
version: "1.0"
default: allow
EOF
cat >"$tmp" <<EOF
    - action: shell_exec
      command: "/ag/bin/microbench *"
      decision: ALLOW
      reason: "the benchmark, and the copy of itself it executes"
    - action: network
      cidr: 127.0.0.1
      port: $port
      decision: ALLOW
      reason: "the benchmark's loopback listener"
EOF
seed_policy "$vm/policies" "$tmp"
for n in "${sizes[@]}"; do
	{ cat "$vm/policies/seed.yaml"; "$bench/genpolicy" "$n" yaml "$file"; } >"$vm/policies/rules$n.yaml"
done

# AppArmor profiles with the same rules: ld-so's libraries, the seed's files, the
# benchmark's exec and TCP (AppArmor 3 cannot name an address or a port), the same
# generated rules. agentgate's shell_exec allows carry arguments; AppArmor's cannot.
{
	echo "profile ag-bench-seed {"
	apparmor_seed_rules
	cat <<EOF
  /usr/bin/python3* ix,
  /opt/agent/scripts/process.py r,
  /opt/agent/scripts/transform.py r,
  /ag/bin/microbench mrix,
  network inet stream,
  # The harness, not the policy: AppArmor revalidates inherited files at exec, and the
  # benchmark inherits its output file, ring pipes and /proc/stat (guest-bench.sh).
  /tmp/ring/** rw,
  /proc/stat r,
EOF
} >"$vm/apparmor/seed.body"
{ cat "$vm/apparmor/seed.body"; echo "}"; } >"$vm/apparmor/seed.aa"
for n in "${sizes[@]}"; do
	{
		sed "s/^profile ag-bench-seed {/profile ag-bench-$n {/" "$vm/apparmor/seed.body"
		"$bench/genpolicy" "$n" apparmor "$file"
		echo "}"
	} >"$vm/apparmor/rules$n.aa"
done

# Compile time on this machine: agentgate (YAML load + compile, via check) and AppArmor.
declare -A ag_ms aa_ms aa_bytes
for p in seed "${sizes[@]/#/rules}"; do
	ts=()
	for _ in 1 2 3 4 5; do
		t0=$(now_ns)
		"$build/agentgate" check "$vm/policies/$p.yaml" --action file_read --path "$file" >"$tmp.out"
		ts+=($(( ($(now_ns) - t0) / 1000 )))
		[ "$icount" = 0 ] || break # the check only: its time is not reported
	done
	grep -q '"decision":"ALLOW"' "$tmp.out" ||
		{ echo "bench: $p.yaml does not allow $file: $(cat "$tmp.out")" >&2; exit 1; }
	ag_ms[$p]=$(printf '%s\n' "${ts[@]}" | median | awk '{printf "%.1f", $1 / 1000}')
done
allows() { # allows POLICY CHECK-ARGS...: the policy allows that request, or the run stops
	"$build/agentgate" check "$vm/policies/$1.yaml" "${@:2}" | grep -q '"decision":"ALLOW"' ||
		{ echo "bench: $1.yaml does not allow ${*:2}" >&2; exit 1; }
}
allows seed --action shell_exec --command "/ag/bin/microbench nop"
allows seed --action network --ip 127.0.0.1 --port "$port"
if [ -x "$aa/sbin/apparmor_parser" ]; then
	for n in "${sizes[@]}"; do
		# The generated profiles are loaded from these binaries in the VM.
		t0=$(now_ns)
		"$aa/sbin/apparmor_parser" -Q -K -M "$aa/usr/share/apparmor-features/features" \
			--config-file /dev/null -q -o "$vm/apparmor/rules$n.bin" "$vm/apparmor/rules$n.aa"
		aa_ms[rules$n]=$(( ($(now_ns) - t0) / 1000000 ))
		aa_bytes[rules$n]=$(stat -c %s "$vm/apparmor/rules$n.bin")
	done
fi
rm -f "$tmp.out"

if [ "$icount" = 0 ]; then
	"$bench/bench_compile" >"$vm.compile.md"
	tests/bench/audit.sh >"$vm.audit.md"
fi

cat >"$vm/params" <<EOF
ROUNDS=$rounds TURNS=$turns OPEN_N=$nopen EXEC_N=$nexec CONN_N=$nconn PORT=$port RB_N=$nrb ICOUNT=$icount
EOF
files=(
	"$build/agentgate:/ag/bin/agentgate"
	"$bench/microbench:/ag/bin/microbench"
	"$bench/landlock-run:/ag/bin/landlock-run"
	"$bench/aglink:/ag/bin/aglink"
	"$(command -v bpftool):/ag/bin/bpftool"
	"$vm:/ag/bench"
)
[ -x "$aa/sbin/apparmor_parser" ] &&
	files+=("$aa/sbin/apparmor_parser:/ag/bin/apparmor_parser" "$aa/usr/bin/aa-exec:/ag/bin/aa-exec")
log=$bench/vm-$([ "$icount" = 0 ] || echo icount-)$vm_kernel.log
# The host's CPU time used by anything but this VM while it ran: the figures are only as
# good as the machine was quiet. Ticks: all CPUs busy; this shell's waited-for descendants
# (the two are counted apart, so a quiet machine can come out a little below 0).
busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
ours() { sed 's/.*) //' /proc/$$/stat | awk '{print $14 + $15}'; }
busy0=$(busy)
ours0=$(ours)
t0=$(now_ns)
vmenv=()
# 2^0 ns an instruction; one vCPU: on 6.1 a second one's background work scattered open's
# count by up to 2% between batches (with one, 0.2%).
[ "$icount" = 0 ] || vmenv=(AGVM_ICOUNT=0 AGVM_SMP=1)
env "${vmenv[@]}" tests/vm/run.sh --kernel "$vm_kernel" --timeout 2700 --log "$log" tests/bench/guest-bench.sh "${files[@]}" >/dev/null
others=$(awk -v b="$(( $(busy) - busy0 - $(ours) + ours0 ))" -v hz="$(getconf CLK_TCK)" \
	-v wall="$(( $(now_ns) - t0 ))" -v cpus="$(nproc)" 'BEGIN {v = 100 * b / hz / (wall / 1e9 * cpus); printf "%.0f", (v > 0 ? v : 0)}')

# The report.
info() { sed -n "s/^BENCHINFO $1 //p" "$log"; }
report() { awk -f tests/bench/sort.awk -f tests/bench/report.awk - "$log"; }

failed_runs() {
	local fails
	fails=$(sed -n 's/^BENCHFAIL //p' "$log" | sort -u)
	[ -n "$fails" ] || return 0
	echo "Runs that failed (their cells are missing or come from fewer rounds):"
	echo
	# shellcheck disable=SC2016 # backquotes for markdown
	printf '%s\n' "$fails" | sed 's/^\([^ ]*\) \(.*\)/- `\1`: \2/'
	echo
}

# The hooks' table and targets, as report.awk's requests.
hook_rows() {
	echo "row baseline U: nothing loaded (the kernel's own LSMs only)"
	echo "row apparmor-seed U: AppArmor, the seed's rules"
	for n in "${sizes[@]}"; do echo "row apparmor-$n U: AppArmor, the seed's + $n generated rules"; done
	echo "row landlock-seed U: Landlock, the seed's rules (directories for \`**\`)"
	echo "row detached-idle L: agentgate's programs detached, no policy installed"
	echo "row loaded-idle@detached-idle L: agentgate loaded, no policy installed (× the row above)"
	echo "row detached T: agentgate's programs detached, another cgroup's policy installed"
	echo "row loaded-busy@detached T: agentgate loaded, another cgroup confined (× the row above)"
	echo "row apparmor-seed-loaded C: AppArmor, the seed's rules"
	echo "row seed C: agentgate, the seed policy"
	echo "row seed-noaudit C: agentgate, the seed policy, events read but not written"
	for n in "${sizes[@]}"; do echo "row rules$n C: agentgate, the seed + $n generated rules"; done
	echo "row apparmor-seed-unfolded F: AppArmor, the seed's rules"
	echo "row seed-unfolded F: agentgate, the seed policy, folding off (one record per open)"
}
hook_targets() {
	for op in open exec connect; do
		echo "target loaded-idle detached-idle $op 1.02 unconfined ≤ 1.02× detached: $op, no policy installed (ring L)"
	done
	for op in open exec connect; do
		echo "target loaded-busy detached $op 1.02 unconfined ≤ 1.02× detached: $op, another cgroup confined (ring T)"
	done
	echo "target seed apparmor-seed-loaded open 1.0 confined open() no slower than AppArmor (seed ÷ AppArmor, ring C)"
	echo "target seed-noaudit apparmor-seed-loaded open 1.0 the same without an audit log"
	echo "target seed-unfolded apparmor-seed-unfolded open 1.0 the same with folding off (ring F)"
	for op in open exec connect; do
		echo "target rules10000 rules10 $op 1.10 10,000 rules ≤ 1.10× of 10 rules: $op"
	done
}

kernel=$(info kernel)
if [ "$icount" = 1 ]; then
	heading="## Hooks counted in instructions on $vm_kernel ("
	{
		echo "$heading\`BENCH_KERNEL=$vm_kernel make bench-icount\`, $(date -u +%Y-%m-%d))"
		echo
		echo "The rings of \`make bench\` (\"Hooks in the VM\") in one boot of Debian $kernel, $rounds"
		echo "rounds, with qemu counting the guest's instructions (\`-icount shift=0,sleep=off\`) on one"
		echo "vCPU (on 6.1 a second one's background work scattered single batches by up to 2%): the guest's"
		echo "clock advances 1 ns per instruction executed and skips idle time. A batch's figure is"
		echo "then what the machine executed while it ran: the operation's own instructions, plus"
		echo "whatever else ran meanwhile (in rings C and F the audit writer: a whole-machine CPU"
		echo "cost). The rows the 2% bars compare (rings L and T) repeat within 0.6% across rounds for"
		echo "open and connect and 1.5% for exec, other rows within 3%, where wall-clock TCG scatters"
		echo "±15%. Instructions are not time: a"
		echo "cache miss or a lock's wait costs nothing here, an instruction of a hot loop as much as"
		echo "one of a cold path. Other load on the host changes nothing."
		echo
		echo "Cells: thousands of instructions per operation, each round's fewest (median and min–max"
		echo "over the rounds), then × the reference as in \`make bench\`."
		echo
		echo "| configuration | open+close kinsn | × | fork+exec+wait kinsn | × | connect kinsn | × |"
		echo "|---|---:|---:|---:|---:|---:|---:|"
		hook_rows | report
		echo
		failed_runs
		echo "| target, counted in instructions | measured | |"
		echo "|---|---:|---|"
		hook_targets | report
	} >"$tmp"
	if [ "$defaults" -eq 1 ]; then
		replace_section "$out" "$tmp" "$heading"
		cat "$tmp"
	else
		cat "$tmp"
		echo "bench: non-default counts or kernel, $out left as it was" >&2
	fi
	exit 0
fi
{
	echo "# Benchmarks"
	echo
	echo "Produced by \`make bench\` on $(date -u +%Y-%m-%d), $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), host kernel $(uname -r)."
	echo "Figures are medians of repeated runs; compare them within one run."
	echo
	echo "## Hooks in the VM (Debian $kernel, qemu TCG, $(info cpus) vCPUs)"
	echo
	echo "One boot, $rounds rounds of five rings (\`tests/bench/guest-bench.sh\`). In a ring, one"
	echo "microbench process per configuration is alive and they take turns, one batch each, $turns"
	echo "turns a round; so the configurations of a ring see the same moments of a machine whose speed"
	echo "drifts. Ring U has nothing of agentgate loaded (its pins removed, the programs detached):"
	echo "baseline, AppArmor, Landlock. Ring L: agentgate loaded, no policy installed, and an"
	echo "unconfined process taking turns with another one while all of agentgate's programs are"
	echo "detached (\`tests/bench/aglink.c\`; its maps stay): its × is against that one, in the same"
	echo "ring. Ring T: the same with a policy installed for another, idle cgroup (kept while"
	echo "detached). Attaching 56 programs patches the kernel's text (seconds under TCG), so in rings"
	echo "L and T a turn's three batches run on one token, each after an untimed tenth. Ring C: the"
	echo "agentgate-confined processes at once with an AppArmor-confined one (a comparison within one"
	echo "ring; decisions folded, docs/audit.md). Ring F: the seed policy and AppArmor again with"
	echo "folding off (\`audit.fold_ms: 0\`, one record per open), for the before and after of folding"
	echo "in one boot. A batch: $nopen open+close of \`$file\`, $nexec fork+exec+wait of the"
	echo "(dynamically linked) benchmark binary, or $nconn TCP connects to a loopback listener with"
	echo "accept and close (\`tests/bench/microbench.c\`), after an untimed tenth as many."
	echo
	echo "A batch starts once the guest is quiet (nothing else running for 20 ms, at most 3 s), so an"
	echo "audit writer still catching up after its own turn does not slow the next configuration."
	echo
	echo "Cells: µs per operation, each round's best batch (noise only ever adds time), as the median"
	echo "(min–max) over the $rounds rounds; then × baseline: the median (min–max) over the rounds of"
	echo "the best batch divided by the baseline's best in the same round. Under TCG everything is"
	echo "10-50× slower than on hardware; the ratios are the result. Confined runs write an audit log,"
	echo "as an agent's would."
	echo "Other load (processes, hypervisor steal) took ${others}% of the host's CPU time while the VM"
	echo "ran (0: a quiet machine; a VM of another job on the same CPUs slows single batches 2×)."
	echo
	echo "| configuration | open+close µs | × | fork+exec+wait µs | × | connect µs | × |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	hook_rows | report
	echo
	failed_runs
	lost=$(sed -n 's/^BENCHINFO lost //p' "$log" | awk '{n[$1] += $2} END {for (c in n) printf "%s %d\n", c, n[c]}' | sort)
	if [ -n "$lost" ]; then
		echo "Events the ring buffer could not take (summed over the rounds; written as gap records):"
		printf '%s\n' "$lost" | awk '{printf "%s`%s`: %d", (NR > 1 ? ", " : ""), $1, $2} END {print "."}'
		echo
	fi

	echo "## Policies"
	echo
	echo "Compile on this machine (agentgate: \`agentgate check\`, YAML load + compile, median of 5;"
	echo "AppArmor: \`apparmor_parser -Q\`, once). In the VM: \`agentgate exec -- microbench nop\` from"
	echo "start to exit (load, compile, install, run, clean up; one run each) and the kernel"
	echo "memory of the policy's image map (\`bpftool map show\`: memlock)."
	echo
	echo "| policy | agentgate compile ms | AppArmor compile ms | exec start in VM ms | image pages | image map bytes | AppArmor binary bytes |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	for p in allow seed "${sizes[@]/#/rules}"; do
		read -r pages mem <<<"$(info "image $p")" || true
		start=$(info "exec_start_ns $p" | awk '{printf "%.0f", $1 / 1e6}')
		echo "| $p | ${ag_ms[$p]:--} | ${aa_ms[$p]:--} | ${start:--} | ${pages:--} | ${mem:--} | ${aa_bytes[$p]:--} |"
	done
	echo
	echo "Loading agentgate's programs in the VM (first \`agentgate exec\` after the pins were removed):"
	echo "$(info load_ns | median | awk '{printf "%.1f", $1 / 1e9}') s median. AppArmor's seed profile compiled and loaded in the VM:"
	echo "$(info "aa_compile_vm_ns seed" | awk '{printf "%.0f", $1 / 1e6}') ms."
	echo

	echo "## Ring buffer"
	echo
	for w in 0 1000; do
		rbo=$(info "rb_open_ns_$w")
		rbr=$(info "rb_records_$w")
		rbd=$(info "rb_decisions_$w")
		rbl=$(info "rb_lost_$w")
		awk -v n="$nrb" -v w="$w" -v o="${rbo:-0}" -v r="${rbr:-0}" -v d="${rbd:-0}" -v l="${rbl:-0}" 'BEGIN {
			e = n + int(n / 10) + 1
			if (w == 0)
				printf "Folding off (`audit.fold_ms: 0`): "
			else
				printf "Folding on (the default, %d ms): ", w
			printf "%d opens under the seed policy as fast as they go (%.0f ns each, %.0f/s): ", e, o, o ? 1e9 / o : 0
			printf "%d records reached the audit log, standing for %d decisions; %d events were lost (a gap record says how many). ", r, d, l
			if (l == 0)
				printf "The buffer and the audit writer kept up.\n"
			else
				printf "What the audit writer sustained while the producer outran it: about %.0f records/s.\n", o ? r / (e * o / 1e9) : 0
		}'
		echo
	done

	echo "## Targets"
	echo
	echo "| target | measured | |"
	echo "|---|---:|---|"
	hook_targets | report
	cell=$(awk -F'|' '$2 ~ /^ batched /{sub(/^ +/, "", $6); sub(/ +$/, "", $6); print $6}' "$vm.audit.md")
	v=${cell%% *}
	echo "| audit ≥ 1,000,000 records/s batched, median (bench_audit, this machine) | $cell | $([ "${v:-0}" -ge 1000000 ] && echo met || echo "**missed**") |"
	echo
	cat tests/bench/notes.md
	echo
	echo "## Policy compiler (\`$build/bench/bench_compile\`, this machine)"
	echo
	cat "$vm.compile.md"
	echo
	echo "## Audit writer (\`$build/bench/bench_audit\`, this machine)"
	echo
	cat "$vm.audit.md"
} >"$tmp"
if [ "$defaults" -eq 1 ]; then
	keep_sections "$out" "$tmp"
	mv "$tmp" "$out"
	trap - EXIT
	cat "$out"
else
	cat "$tmp"
	echo "bench: non-default counts or kernel, $out left as it was" >&2
fi
