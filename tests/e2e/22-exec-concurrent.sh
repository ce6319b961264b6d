#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Many confined tasks exec at once: every allowed execve runs. On 6.1 each task-storage call
# holds a per-CPU count that another task's call on that CPU fails on, and an allocation in
# the sleepable exec hooks could sleep holding it: agentgate, failing closed, then refused
# another task's allowed execve with EPERM (docs/enforcement.md). The exec's entries are now
# made at the executable's open, which does not sleep; and an execve that fails after that
# open gives them back (none kept per task outside its memory limit).
. "$(dirname "$0")/kernel.sh"

BB=/bin/busybox
mkdir -p /srv/conc
printf 'no format a handler takes\n' >/srv/conc/noexec
cp "$BB" /srv/conc/busy
chmod +x /srv/conc/noexec /srv/conc/busy
pol=$(policy conc <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
  - action: shell_exec
    command: "$BB *"
    decision: allow
  - action: shell_exec
    command: "/srv/conc/*"
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

# stays NAME PATH WANT [bad-argv]: a confined probe execs PATH itself, which fails with WANT;
# the task then keeps no exec buffers (the probe's own execve, which succeeded, none either).
stays() {
	rm -f "$WORK/stay.out"
	run "$pol" "$WORK/stay.log" "$PROBE" exec-stay "$2" 30 ${4:+"$4"} >"$WORK/stay.out" 2>&1 &
	_a=$!
	_i=0
	while [ "$(grep -c . "$WORK/stay.out" 2>/dev/null)" != 2 ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	_got=$(head -n 1 "$WORK/stay.out")
	_pid=$(sed -n 2p "$WORK/stay.out")
	_held=$(scratch "$_pid" 2>&1)
	kill -INT "$_a" 2>/dev/null
	wait "$_a" 2>/dev/null
	if [ "$_got" = "$3" ] && [ "$_held" = none ]; then
		pass "$1"
	else
		fail "$1" "execve: $_got (want $3), buffers of pid '$_pid': $_held"
	fi
}
stays "a failed execve before the open keeps no exec buffers" /srv/conc/missing ENOENT
stays "an execve refused after the open (ETXTBSY) keeps none" /srv/conc/busy ETXTBSY 9>>/srv/conc/busy
stays "an execve no format takes, after bprm_check allowed it, keeps none" /srv/conc/noexec ENOEXEC
stays "an execve whose argv cannot be read keeps none" "$BB" EFAULT bad-argv
