#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# e2e.sh [--kernel 6.1|6.12|PATH]... [--timeout SECS] [--only GLOB]...
# Boots each kernel (default 6.1 and 6.12) with tests/vm/guest-e2e.sh and the e2e payload:
#   build/agentgate        -> /ag/bin/agentgate   (/ag/bin is first in the guest's PATH)
#   build/tests/e2e/*      -> /ag/bin/            (helper binaries, e.g. probe)
#   tests/e2e/*.sh         -> /ag/tests/e2e/      (NN-*.sh are tests, the rest libraries)
#   policies/              -> /ag/policies/
#   dnsmasq                -> /usr/sbin/dnsmasq   (the real DNS server, tests/e2e/dns.sh)
# counts "ok - " / "not ok - " lines per kernel, prints failures as "[K] NAME: REASON" and
# ends with "e2e: N passed, N failed". Exits 1 if a test failed or a VM did not finish.
# --only GLOB keeps the tests whose file name matches (e.g. --only '20-*'), libraries stay.
#
# A test file with the line "# e2e-needs: python" gets this host's CPython in the plain VM
# (tests/vm/python-stage.sh); "# e2e-needs: promtool" and "# e2e-needs: curl" get those
# binaries of this host.
# Container engines: a test file with the line "# e2e-needs: engines" runs in a second VM
# per kernel whose initramfs also carries Debian's docker.io, containerd, podman and Node.js
# (tests/vm/engines.sh; tests/e2e/engines.sh starts them). They add ~340 MB to the
# initramfs (an uncompressed cpio built once and appended: gzip would cost ~1.5 min per
# boot) and the engines' storage lives in guest RAM, so that VM gets AGVM_ENGINES_MEM MB
# (default 3072) and AGVM_ENGINES_TIMEOUT seconds (default 1800: every container run costs
# seconds under TCG), and the other tests keep their small, fast initramfs. Each VM is
# booted only when a selected test needs it.
# The engines VM has one vCPU (AGVM_ENGINES_SMP): with two, the 6.12 kernel under TCG died
# in runc's cgroup mkdir with "Oops: int3" in allocate_slab, at a static-key site being
# patched (text_poke_bp) while the other vCPU ran it; container starts flip such keys
# (memcg sockets, cpusets, cgroup BPF device programs) again and again. So the kernels'
# engines VMs boot side by side, a CPU each (AGVM_ENGINES_PARALLEL=0: in turn; below).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
build=${BUILD:-build}
kernels=()
# A plain VM's files take 14-15 min on this 2-CPU host when it is quiet; builds beside it
# stretch that past 900 s (2026-12-06): a timeout is a failure, so the margin is wide.
timeout=1500
only=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernels+=("$2"); shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--only) only+=("$2"); shift 2 ;;
	*) sed -n '3p' "$0" >&2; exit 2 ;;
	esac
done
[ ${#kernels[@]} -gt 0 ] || kernels=(6.1 6.12)

files=()
[ -x "$build/agentgate" ] && files+=("$build/agentgate:/ag/bin/agentgate")
for f in "$build"/tests/e2e/*; do
	[ -f "$f" ] && [ -x "$f" ] && files+=("$f:/ag/bin/")
done
wanted() {
	local g
	case ${1##*/} in [0-9]*) ;; *) return 0 ;; esac
	[ ${#only[@]} -eq 0 ] && return 0
	for g in "${only[@]}"; do
		# shellcheck disable=SC2053 # a glob on purpose
		[[ ${1##*/} == $g ]] && return 0
	done
	return 1
}
plain=()   # the tests that need no engines (libraries go in files: every VM has them)
engined=() # the tests that need engines
for f in tests/e2e/*.sh; do
	if [ ! -f "$f" ] || ! wanted "$f"; then continue; fi
	case ${f##*/} in
	[0-9]*) grep -q '^# e2e-needs: engines' "$f" && engined+=("$f:/ag/tests/e2e/") && continue ;;
	*) files+=("$f:/ag/tests/e2e/"); continue ;;
	esac
	plain+=("$f:/ag/tests/e2e/")
done
[ -d policies ] && files+=("policies:/ag/policies")
[ -d deploy ] && files+=("deploy:/ag/deploy")
[ -d clients ] && files+=("clients:/ag/clients")
[ -d tests/demo/docker ] && files+=("tests/demo/docker:/ag/tests/demo/docker")
[ -f tests/demo/agent.py ] && files+=("tests/demo/agent.py:/ag/tests/demo/")
# CPython for the plain VM only when a selected test asks for it: it adds ~30 MB to the boot.
for f in "${plain[@]}"; do
	if grep -q '^# e2e-needs: python' "${f%%:*}"; then
		mapfile -t python < <("$here/python-stage.sh" "$build")
		files+=("${python[@]}")
		break
	fi
done
# Host tools a plain-VM test asks for with "# e2e-needs: promtool" or "# e2e-needs: curl"
# (Debian's prometheus and curl packages), copied only then: promtool alone is ~50 MB.
for tool in promtool curl; do
	for f in "${plain[@]}"; do
		grep -q "^# e2e-needs: $tool\$" "${f%%:*}" || continue
		if p=$(command -v "$tool"); then
			files+=("$p:/usr/bin/$tool")
		else
			echo "e2e: no $tool on this host (tests/deps.sh); ${f##*/} will fail" >&2
		fi
		break
	done
done
# rsyslogd (the collector of tests/e2e/59-forward.sh), its modules, libgcc_s and the openssl
# tool for its certificates, when a selected test has the line "# e2e-needs: rsyslog".
for f in "${plain[@]}"; do
	if grep -q '^# e2e-needs: rsyslog' "${f%%:*}"; then
		rsmods=$(dirname "$(dpkg -L rsyslog 2>/dev/null | grep -m1 '/rsyslog/imtcp.so$')")
		[ -x /usr/sbin/rsyslogd ] && [ -d "$rsmods" ] ||
			echo "e2e: no rsyslog (apt-get install rsyslog rsyslog-openssl); forward tests will fail" >&2
		[ -x /usr/sbin/rsyslogd ] && files+=("/usr/sbin/rsyslogd:/usr/sbin/rsyslogd")
		[ -d "$rsmods" ] && files+=("$rsmods:$rsmods")
		[ -x /usr/bin/openssl ] && files+=("/usr/bin/openssl:/usr/bin/openssl")
		# glibc loads libgcc_s when rsyslogd cancels its threads at shutdown; without it
		# rsyslogd aborts, printing into whatever file holds its fd 2.
		gcc_s=$(ldconfig -p | sed -n 's/^[[:space:]]*libgcc_s.so.1 (libc6,x86-64) => //p' | head -n 1)
		[ -f "$gcc_s" ] && files+=("$gcc_s:$gcc_s")
		break
	fi
done
dnsmasq=${DNSMASQ:-/usr/sbin/dnsmasq}
[ -x "$dnsmasq" ] && files+=("$dnsmasq:/usr/sbin/dnsmasq")
# util-linux setpriv: 64-unit-caps.sh runs the daemon under the unit's bounding set,
# 56-ask.sh an agent as another user.
[ -x /usr/bin/setpriv ] && files+=("/usr/bin/setpriv:/ag/bin/") # called by its path
[ -x "$build/agentgate" ] || echo "e2e: $build/agentgate not built; tests that need it will fail" >&2
[ -x "$dnsmasq" ] || echo "e2e: no $dnsmasq (apt-get install dnsmasq-base); DNS tests will fail" >&2

# The VMs to boot for each kernel: the plain one unless only engine tests were selected.
vms=()
[ ${#plain[@]} -gt 0 ] || [ ${#engined[@]} -eq 0 ] && vms+=(plain)
if [ ${#engined[@]} -gt 0 ]; then
	vms+=(engines)
	engine_cpio=$("$here/engines.sh" --cpio) || { echo "e2e: tests/vm/engines.sh failed" >&2; exit 1; }
fi

# finished LOG: the results of the test files LOG shows finished ("# NN-name.sh: N s"),
# each file's lines once its end line is there, then "#DONE NN-name.sh" per file; of the file
# the log stops in, only its failures (seen before the kernel died: they stand).
finished() {
	awk '/^# [0-9][^ ]*\.sh$/ { buf = ""; bad = ""; next }
	/^# [0-9][^ ]*\.sh: [0-9]+ s$/ { printf "%s", buf; buf = bad = ""; sub(/^# /, ""); sub(/: .*/, ""); print "#DONE " $0; next }
	/^(not )?ok - / { buf = buf $0 "\n" }
	/^not ok - / { bad = bad $0 "\n" }
	END { printf "%s", bad }' "$1"
}
# run_vm KERNEL VM: boots KERNEL with VM's payload, counts its results. When the guest
# kernel oopses (run.sh exits 126), the results of the files it finished stand, and so do
# the failures the interrupted file reported; the VM boots once more with the files not
# finished: under TCG, the engines' workload has oopsed the 6.12 kernel in the slab
# allocator with no agentgate program loaded (45-engines). The oops is printed and the
# summary line says so; a second one, or a BUG line after the last file, fails the VM.
# clocksource=hpet tsc=unstable: 6.12 would count time by the TSC, which under TCG is the
# host's, and this host's TSC (a microVM's, kvm-clock) jumps when the host is paused: a CI
# run saw the guest's monotonic clock leap 91,796 s inside 35-dns.sh, which expired its
# listeners and DNS leases. qemu counts the HPET from the host's monotonic clock; with the
# TSC unstable, sched_clock (the soft-lockup watchdog's) is also held within a tick of that
# clock. 6.1 does both anyway (its TSC calibration fails under TCG).
# Its tally goes to OUT: the number passed on the first line, then one line per failure.
run_vm() {
	local k=$1 v=$2 out=$3 label log p rc=0 why limit=$timeout boot=1 f t results during oopses="" failures=()
	local args=(--kernel "$k" --timeout "$timeout") tests=("${plain[@]}") left
	label=$k
	[ -f "$k" ] && label=$(basename "$k")
	log=$build/vm/e2e-${label//\//_}.log
	if [ "$v" = engines ]; then
		log=$build/vm/e2e-${label//\//_}-engines.log
		limit=${AGVM_ENGINES_TIMEOUT:-1800}
		args=(--kernel "$k" --timeout "$limit" --mem "${AGVM_ENGINES_MEM:-3072}")
		tests=("${engined[@]}")
		label="$label engines"
	fi
	results=$(mktemp)
	while :; do
		rc=0
		AGVM_APPEND="clocksource=hpet tsc=unstable ${AGVM_APPEND:-}" AGVM_CPIO=$([ "$v" = engines ] && echo "$engine_cpio" || true) \
			AGVM_SMP=$([ "$v" = engines ] && echo "${AGVM_ENGINES_SMP:-1}" || echo "${AGVM_SMP:-2}") \
			"$here/run.sh" "${args[@]}" --log "$log" tests/vm/guest-e2e.sh "${files[@]}" "${tests[@]}" || rc=$?
		[ "$rc" -eq 126 ] || { cat "$log" >>"$results"; break; }
		during=$({ grep -aE '^# [0-9][^ ]*\.sh$' "$log" || true; } | tail -n 1 | cut -c3-)
		during=${during:-boot}
		oopses="$oopses, during $during"
		echo "# e2e [$label]: the guest kernel oopsed during $during (run.sh printed the oops; log kept in $log.oops$boot)"
		cp "$log" "$log.oops$boot"
		finished "$log" >"$results.boot"
		grep -av '^#DONE ' "$results.boot" >>"$results" || true
		left=()
		for t in "${tests[@]}"; do
			f=${t%%:*}
			grep -aqxF "#DONE ${f##*/}" "$results.boot" || left+=("$t")
		done
		rm -f "$results.boot"
		[ ${#left[@]} -gt 0 ] && [ "$boot" -eq 1 ] || break
		echo "# e2e [$label]: booting again for the ${#left[@]} test files not finished"
		tests=("${left[@]}")
		boot=2
	done
	# Results are whole lines; escape sequences from the firmware may precede the first one,
	# and its bytes make grep take the log for binary (and print no lines): -a.
	p=$(grep -acE '^ok - ' "$results" || true)
	while IFS= read -r line; do
		failures+=("[$label] ${line#not ok - }")
	done < <(grep -aE '^not ok - ' "$results" || true)
	if [ "$rc" -ne 0 ]; then
		case $rc in
		124) why="timed out after $limit s" ;;
		125) why="the guest never finished" ;;
		126) why="the guest kernel oopsed${oopses#,}" ;;
		*) why="the guest exited with status $rc" ;;
		esac
		failures+=("[$label] VM: $why (log: $log)")
	fi
	printf '%s\n' "$p" ${failures[@]+"${failures[@]}"} >"$out"
	echo "e2e [$label]: $p passed, $(grep -acE '^not ok - ' "$results" || true) failed${oopses:+ (the guest kernel oopsed$oopses)}"
	rm -f "$results"
}

# The plain VMs have two vCPUs and boot one after another. An engines VM has one (above), so
# the kernels' engines VMs boot side by side when the host has a CPU for each and their logs
# differ (AGVM_ENGINES_PARALLEL=0: in turn); the console of each goes to its own file,
# printed whole once all have ended, so that the output reads as if they had run in turn.
# The kernels are fetched first, once, so that two VMs never fetch the same package.
for k in "${kernels[@]}"; do
	case $k in
	6.1 | 6.12) "$here/kernels.sh" "$k" >/dev/null || echo "e2e: fetching the $k kernel failed; its VMs will fail" >&2 ;;
	esac
done
tally=$(mktemp -d)
trap 'rm -rf "$tally"' EXIT
n=0
order=()
labels=()
# next_vm LABEL: numbers the next VM ($n), in the order its results are counted.
next_vm() {
	n=$((n + 1))
	labels[n]=$1
	order+=("$n")
}
if [[ " ${vms[*]} " == *" plain "* ]]; then
	for k in "${kernels[@]}"; do
		next_vm "$k"
		run_vm "$k" plain "$tally/$n"
	done
fi
side_by_side=${AGVM_ENGINES_PARALLEL:-1}
[ ${#kernels[@]} -gt 1 ] && [ ${#kernels[@]} -le "$(nproc)" ] || side_by_side=0
# Log names come from the kernels' file names (e2e-LABEL-engines.log): two alike would share one.
[ "$(for k in "${kernels[@]}"; do basename "$k"; done | sort | uniq -d)" = "" ] || side_by_side=0
if [[ " ${vms[*]} " == *" engines "* ]]; then
	if [ "$side_by_side" = 1 ]; then
		pids=()
		first=$((n + 1))
		for k in "${kernels[@]}"; do
			next_vm "$k engines"
			run_vm "$k" engines "$tally/$n" >"$tally/$n.console" 2>&1 &
			pids+=("$!")
		done
		for p in "${pids[@]}"; do wait "$p" || true; done
		for ((i = first; i <= n; i++)); do cat "$tally/$i.console"; done
	else
		for k in "${kernels[@]}"; do
			next_vm "$k engines"
			run_vm "$k" engines "$tally/$n"
		done
	fi
fi

pass=0
fail=0
for i in "${order[@]}"; do
	if [ ! -s "$tally/$i" ]; then
		echo "FAILED: [${labels[i]}] VM: ended without a tally (its console is above)"
		fail=$((fail + 1))
		continue
	fi
	pass=$((pass + $(head -n 1 "$tally/$i")))
	while IFS= read -r line; do
		echo "FAILED: $line"
		fail=$((fail + 1))
	done < <(tail -n +2 "$tally/$i")
done
echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
