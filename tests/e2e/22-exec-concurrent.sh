#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Many confined tasks exec at once: every allowed execve runs. On 6.1 each task-storage call
# holds a per-CPU count that another task's call on that CPU fails on, and an allocation in
# the sleepable exec hooks could sleep holding it: agentgate, failing closed, then refused
# another task's allowed execve with EPERM (docs/enforcement.md). The exec's entries are now
# made at the executable's open, which does not sleep.
. "$(dirname "$0")/kernel.sh"

BB=/bin/busybox
pol=$(policy conc <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
  - action: shell_exec
    command: "$BB *"
    decision: allow
  - action: file_read
    path: /dev/null
    decision: allow
EOP
)
log=$WORK/conc.log
LOOPS=8 EACH=80
# Each loop is a fresh task whose every exec is a new one (a forked child): first execs and
# repeated ones, LOOPS at a time on the VM's CPUs.
out=$(run "$pol" "$log" "$BB" sh -c '
	i=0
	while [ $i -lt "$1" ]; do
		( j=0; while [ $j -lt "$2" ]; do "$3" true || echo "fail $?"; j=$((j + 1)); done; echo loop ) &
		i=$((i + 1))
	done
	wait
	echo done' sh "$LOOPS" "$EACH" "$BB" 2>&1)
fails=$(printf '%s\n' "$out" | grep -c '^fail')
loops=$(printf '%s\n' "$out" | grep -cx loop)
if [ "$fails" = 0 ] && [ "$loops" = "$LOOPS" ] && printf '%s\n' "$out" | grep -qx 'done'; then
	pass "$((LOOPS * EACH)) allowed execs of $LOOPS tasks at once all run"
else
	fail "$((LOOPS * EACH)) allowed execs of $LOOPS tasks at once all run" "$fails refused, $loops loops of $LOOPS done: $(printf '%s\n' "$out" | grep -v '^fail' | sort | uniq -c | head -n 5 | tr '\n' ' ')"
fi
n=$(matching "$log" '"action":"shell_exec"' '"decision":"ALLOW"' "\"command\":\"$BB true\"" | grep -c .)
if [ "$n" = $((LOOPS * EACH)) ]; then
	pass "each of them recorded once, allowed"
else
	fail "each of them recorded once, allowed" "$n records of $((LOOPS * EACH))"
fi
no_audit "no exec refused" "$log" '"action":"shell_exec"' '"decision":"DENY"'
