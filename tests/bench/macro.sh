#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# `make bench-macro`: two well-known macro workloads timed whole, unconfined, under agentgate
# and under AppArmor, in one boot of each of Debian's 6.12 and 6.1 kernels under qemu
# (tests/bench/guest-macro.sh): GNU tar of a source tree (CPython's standard library) and
# `python3 -m compileall -f` of a stdlib package. agentgate runs them in a cgroup the daemon
# assigned a default-deny agent policy that allows what they need (every open, write and exec
# judged and recorded); AppArmor under a profile with the same rules. Replaces the section
# "Macro workloads" of BENCHMARKS.md (appended when missing).
# MACRO_ROUNDS (rounds per boot), MACRO_PKG (the package compiled) and MACRO_KERNELS change
# the run; BENCHMARKS.md is only written with the defaults, otherwise the section goes to
# stdout.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/bench/section.sh
. tests/bench/section.sh
# shellcheck source=tests/bench/apparmor.sh
. tests/bench/apparmor.sh
build=${BUILD:-build}
bench=$build/bench
vm=$bench/macro
rounds=${MACRO_ROUNDS:-50}
pkg=${MACRO_PKG:-email}
kernels=${MACRO_KERNELS:-6.12 6.1}
out=BENCHMARKS.md
defaults=0
[ "$rounds $pkg $kernels" = "50 email 6.12 6.1" ] && defaults=1

for f in "$build/agentgate" "$bench/microbench"; do
	[ -x "$f" ] || { echo "bench-macro: no $f (make all $bench/microbench)" >&2; exit 1; }
done
tar=$(command -v tar)
tar --version 2>/dev/null | grep -q 'GNU tar' || { echo "bench-macro: $tar is not GNU tar" >&2; exit 1; }
mapfile -t python < <(tests/vm/python-stage.sh "$build")
stdlib=${python[1]#*:}
[ "$stdlib" = /usr/lib/python3.11 ] ||
	{ echo "bench-macro: the guest script expects CPython 3.11, this host has $stdlib" >&2; exit 1; }
apparmor_unpack "$bench"
aa=$bench/apparmor

rm -rf "$vm"
mkdir -p "$vm/policies/include" "$vm/apparmor"
cp policies/include/*.yaml "$vm/policies/include/"
echo "ROUNDS=$rounds PKG=$pkg" >"$vm/params"

# The agent policy: the seed (policies/openai-agent-sandbox.yaml, default deny) with the
# python3 fragment and the workloads' own rules put first: its workspace, the tree it
# archives, the package it compiles (read and write), the two commands with their arguments.
rules=$(mktemp)
section=$(mktemp)
trap 'rm -f "$rules" "$section"' EXIT
cat >"$rules" <<EOF
    - action: file_read
      path: "/srv/macro"
      decision: ALLOW
      reason: "macro: the workspace (python3 -m lists its working directory)"
    - action: file_read
      path: "/srv/macro/src"
      decision: ALLOW
      reason: "macro: the source tree"
    - action: file_read
      path: "/srv/macro/src/**"
      decision: ALLOW
      reason: "macro: the source tree"
    - action: file_read
      path: "/srv/macro/work/**"
      decision: ALLOW
      reason: "macro: the package compiled"
    - action: file_read
      path: "/etc/passwd"
      decision: ALLOW
      reason: "macro: tar names the files' owners"
    - action: file_read
      path: "/etc/group"
      decision: ALLOW
      reason: "macro: tar names the files' groups"
    - action: file_write
      path: "/srv/macro/work/**"
      decision: ALLOW
      reason: "macro: its bytecode"
    - action: shell_exec
      command: "/ag/bin/tar -cf - -C /srv/macro/src ."
      decision: ALLOW
      reason: "macro: archive the tree"
    - action: shell_exec
      command: "python3 -m compileall -f -q /srv/macro/work/*"
      decision: ALLOW
      reason: "macro: compile the package"
EOF
awk -v f="$rules" '/^  rules:$/ { print "  include: [python3]"; print; while ((getline l < f) > 0) print l; next } { print }' \
	policies/openai-agent-sandbox.yaml >"$vm/policies/macro.yaml"
allows() { # allows CHECK-ARGS...: the policy allows that request, or the run stops
	"$build/agentgate" check "$vm/policies/macro.yaml" "$@" | grep -q '"decision":"ALLOW"' ||
		{ echo "bench-macro: macro.yaml does not allow $*" >&2; exit 1; }
}
allows --action shell_exec --command "/ag/bin/tar -cf - -C /srv/macro/src ."
allows --action file_read --path "/srv/macro/src/json/decoder.py"
allows --action file_write --path "/srv/macro/work/$pkg/__pycache__/x.pyc"
"$build/agentgate" check "$vm/policies/macro.yaml" --action file_read --path /etc/shadow | grep -q '"decision":"DENY"' ||
	{ echo "bench-macro: macro.yaml allows /etc/shadow" >&2; exit 1; }

# The AppArmor profile with the same rules (the seed's as in tests/bench/run.sh; the
# commands' arguments cannot be named). The executables need m (mapped) besides ix.
{
	echo "profile ag-macro {"
	apparmor_seed_rules
	cat <<EOF
  /usr/lib/python3*/ r,
  /usr/lib/python3*/** mr,
  /usr/local/lib/python3*/ r,
  /usr/local/lib/python3*/** mr,
  /etc/python3*/** r,
  /usr/bin/python3* mrix,
  /ag/bin/tar mrix,
  /srv/macro/ r,
  /etc/passwd r,
  /etc/group r,
  /srv/macro/src/ r,
  /srv/macro/src/** r,
  /srv/macro/work/** rw,
  # The harness, not the policy: AppArmor revalidates the inherited stderr file at exec.
  /tmp/macro/** w,
}
EOF
} >"$vm/apparmor/macro.aa"

files=(
	"$build/agentgate:/ag/bin/agentgate"
	"$bench/microbench:/ag/bin/microbench"
	"$tar:/ag/bin/tar"
	"${python[@]}"
	"$vm:/ag/macro"
)
[ -x "$aa/sbin/apparmor_parser" ] && files+=("$aa/sbin/apparmor_parser:/ag/bin/apparmor_parser")

declare -A wall
for k in $kernels; do
	t0=$(date +%s)
	tests/vm/run.sh --kernel "$k" --timeout 1800 --log "$bench/vm-macro-$k.log" \
		tests/bench/guest-macro.sh "${files[@]}" >/dev/null
	wall[$k]=$(($(date +%s) - t0))
done

# The report: per kernel and workload, each configuration's median seconds (min–max) over
# the rounds, and the median (min–max) over the rounds of its time ÷ the same round's
# baseline (and agentgate ÷ AppArmor): pairs taken moments apart, as the machine drifts.
table() { # table LOG
	awk '
	/^BENCHMACRO / { t[$2, $3, $4] = $5; w[$2] = 1; n[$2, $3]++; if ($4 > nr) nr = $4 }
	function med(a, k,   i, j, x) {
		for (i = 2; i <= k; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
		return k ? a[int((k + 1) / 2)] : 0
	}
	function secs(wl, c,   r, a, k, m) {
		k = 0
		for (r = 1; r <= nr; r++) if ((wl, c, r) in t) a[++k] = t[wl, c, r] / 1e9
		if (!k) return "–"
		m = med(a, k)
		return sprintf("%.2f (%.2f–%.2f)", m, a[1], a[k])
	}
	function ratio(wl, c, b,   r, a, k, m) {
		k = 0
		for (r = 1; r <= nr; r++) if ((wl, c, r) in t && (wl, b, r) in t) a[++k] = t[wl, c, r] / t[wl, b, r]
		if (!k) return "–"
		m = med(a, k)
		return sprintf("%.3f (%.3f–%.3f)", m, a[1], a[k])
	}
	END {
		split("tar compileall", ws, " ")
		for (i = 1; i <= 2; i++) {
			wl = ws[i]
			if (!(wl in w)) continue
			printf "| %s | %s | %s | %s | %s | %s | %s |\n", wl, secs(wl, "baseline"),
				secs(wl, "agentgate"), ratio(wl, "agentgate", "baseline"),
				secs(wl, "apparmor"), ratio(wl, "apparmor", "baseline"), ratio(wl, "agentgate", "apparmor")
		}
	}' "$1"
}
info() { sed -n "s/^BENCHINFO $2 //p" "$1" | tr -d '\r' | head -n 1; }

# shellcheck disable=SC2016 # backquotes for markdown
{
	echo "## Macro workloads (\`make bench-macro\`, $(date -u +%Y-%m-%d))"
	echo
	echo "Whole workloads timed from start to exit, as Findlay's thesis (bpfbox/bpfcontain) and"
	echo "Tetragon report them, in one boot per kernel under qemu TCG (\`tests/bench/guest-macro.sh\`):"
	echo
	echo "- **tar**: \`/ag/bin/tar -cf - -C /srv/macro/src . | cat >/dev/null\`, the host's GNU tar"
	echo "  $(tar --version | head -n 1 | awk '{print $NF}') (by its path: busybox sh would run its own applet); the tree a copy of the"
	echo "  staged CPython $(basename "$stdlib") standard library (\`tests/vm/python-stage.sh\`: no tests,"
	echo "  IDLE, Tk; with its \`__pycache__\`)."
	echo "- **compileall**: \`/usr/bin/python3 -m compileall -f -q /srv/macro/work/$pkg\`, a copy of the"
	echo "  stdlib's \`$pkg\` package, every module compiled and its \`.pyc\` written (CPython is a"
	echo "  real agent runtime: starting it reads the standard library too)."
	echo
	echo "Configurations, taken in turn in each round (which goes first rotates), after one"
	echo "unmeasured round: **baseline** unconfined; **agentgate** in a cgroup the daemon"
	echo "assigned the agent policy (the seed \`policies/openai-agent-sandbox.yaml\`, default"
	echo "deny, plus the \`python3\` fragment and nine rules: the workspace, the tree, the package,"
	echo "\`/etc/passwd\` and \`/etc/group\` (tar names the owners), the two commands with their"
	echo "arguments; \`tests/bench/macro.sh\`), so every open, write and exec is judged and"
	echo "recorded in the daemon's audit log (folding on, its default); **AppArmor**: the profile \`ag-macro\` with the same rules (commands"
	echo "without their arguments, which AppArmor cannot name), set for the exec as \`aa-exec -p\`"
	echo "does. Each configuration starts the workload alike: a busybox shell writes one line (nothing;"
	echo "its pid to the assigned cgroup; \`exec ag-macro\` to \`/proc/self/attr/apparmor/exec\`) and"
	echo "executes it. Cells: seconds, median (min–max)"
	echo "over the rounds; × baseline: the median (min–max) over the rounds of the time ÷ the same"
	echo "round's baseline; agentgate ÷ AppArmor likewise. TCG makes every time many times longer"
	echo "than on hardware; read the ratios."
	echo
	for k in $kernels; do
		log=$bench/vm-macro-$k.log
		read -r nfiles kb <<<"$(info "$log" tree)"
		echo "### Debian $(info "$log" kernel) ($(info "$log" cpus) vCPUs, $rounds rounds, ${wall[$k]} s in all)"
		echo
		echo "| workload | baseline s | agentgate s | × baseline | AppArmor s | × baseline | agentgate ÷ AppArmor |"
		echo "|---|---:|---:|---:|---:|---:|---:|"
		table "$log"
		echo
		echo "The tree: $nfiles files, $((kb / 1024)) MiB; the package: $(info "$log" pkg) modules."
		aai=$(info "$log" apparmor)
		[ "$aai" = loaded ] || echo "AppArmor could not confine the workloads on this kernel: ${aai#none: }."
		echo "Audit log (the unmeasured round too): $(info "$log" records) decision records standing for"
		echo "$(info "$log" decisions) decisions, $(info "$log" denials) denials; \`agentgate audit verify\`:"
		echo "$(info "$log" verify | sed 's/[ .]*$//')."
		denied=$(sed -n 's/^BENCHINFO denied //p' "$log" | tr -d '\r')
		[ -z "$denied" ] || printf 'Denied by agentgate: %s.\n' "$(printf '%s\n' "$denied" | sed 's/.*/`&`/' | paste -sd, - | sed 's/,/, /g')"
		echo "AppArmor denials in the kernel log: $(info "$log" aa_denials)."
		aadenied=$(sed -n 's/^BENCHINFO aa_denied //p' "$log" | tr -d '\r')
		[ -z "$aadenied" ] || printf 'Denied by AppArmor: %s.\n' "$(printf '%s\n' "$aadenied" | sed 's/.*/`&`/' | paste -sd, - | sed 's/,/, /g')"
		fails=$(sed -n 's/^BENCHFAIL //p' "$log" | tr -d '\r')
		[ -z "$fails" ] || printf '\nRuns that failed (missing from the cells):\n\n%s\n' "$(printf '%s\n' "$fails" | sed 's/.*/- `&`/')"
		echo
	done
	echo "Command: \`make bench-macro\` (logs: \`$bench/vm-macro-KERNEL.log\`)."
} >"$section"

if [ "$defaults" -eq 1 ]; then
	replace_section "$out" "$section" "## Macro workloads"
else
	echo "bench-macro: non-default counts, $out left as it was" >&2
fi
cat "$section"
