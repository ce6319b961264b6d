#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The third hardening round (a review of 2026-12-05), each hole tried as the attack
# (tests/e2e/attack3.c): keystrokes into the caller's terminal, pulling tasks outside into
# the agent's cgroup, limits and priorities of tasks outside, v4-mapped loopback by ::.
# Beside them: the console taken (TIOCCONS), vhangup, a frozen filesystem, and an F_SETOWN_EX
# owner the kernel reads again after the check. The policy allows every read and write: each
# refusal is the hardening's own.
. "$(dirname "$0")/kernel.sh"

ATTACK3=$(command -v attack3)
pol=$(policy hard3 <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
  - action: shell_exec
    command: "$ATTACK3 *"
    decision: allow
  - action: file_read
    path: "/**"
    decision: allow
  - action: file_write
    path: "/**"
    decision: allow
  - action: network
    cidr: "127.0.0.0/8"
    decision: deny
    reason: "no local services"
  - action: network
    cidr: "::1/128"
    decision: allow
  - action: network
    cidr: "0.0.0.0/0"
    decision: allow
  - action: network
    cidr: "::/0"
    decision: allow
EOP
)
log=$WORK/hard3.log
a() { run "$pol" "$log" "$ATTACK3" "$@"; }

# [::] from a socket bound to a v4-mapped address is 127.0.0.1, not ::1 (which this policy
# allows): judged as ::1, the connect would pass.
busybox nc -l -p 9941 >/dev/null 2>&1 &
l1=$!
sleep 0.3
expect "connect to :: from a v4-mapped source judged as 127.0.0.1" EPERM a connect-any6-mapped 9941
audit ":: from a v4-mapped source recorded as 127.0.0.1" "$log" '"ip":"127.0.0.1"' '"port":9941' '"decision":"DENY"' '"reason":"no local services"'
expect "connect to :: from a v4-mapped source unconfined unaffected" ok "$ATTACK3" connect-any6-mapped 9941
kill $l1 2>/dev/null
wait $l1 2>/dev/null

# Keystrokes: TIOCSTI types into the agent's terminal what its user's shell runs once the
# agent exits. attack3 makes a new pty its controlling terminal: the kernel's own checks pass.
expect "TIOCSTI into the agent's own terminal refused" EPERM a tiocsti
audit "TIOCSTI: recorded as op terminal" "$log" '"op":"terminal"' '"decision":"DENY"'
expect "TIOCSTI unconfined still types" ok "$ATTACK3" tiocsti
expect "TIOCCONS (console output to the agent's pty) refused" EPERM a tioccons
expect "TIOCCONS unconfined unaffected" ok "$ATTACK3" tioccons
expect "TIOCVHANGUP (vhangup by ioctl, CAP_SYS_ADMIN only) refused" EPERM a tiocvhangup
expect "TIOCVHANGUP unconfined unaffected" ok "$ATTACK3" tiocvhangup

# cgroup.procs of the agent's own cgroup takes in any task written there: one outside would
# be confined, held by the agent's limits, killed with the agent's cgroup. Refused whole,
# for the agent itself too.
sleep 300 &
pulled=$!
cg=$(cat "/proc/$pulled/cgroup")
expect "cgroup.procs: a task outside cannot be pulled into the agent's cgroup" EPERM a cgroup-pull "$pulled"
audit "cgroup.procs: recorded as op cgroup_write" "$log" '"op":"cgroup_write"' '"decision":"DENY"'
[ "$(cat "/proc/$pulled/cgroup" 2>/dev/null)" = "$cg" ] && pass "cgroup.procs: the outside task stays in its cgroup" ||
	fail "cgroup.procs: the outside task stays in its cgroup" "now '$(cat "/proc/$pulled/cgroup" 2>&1)', was '$cg'"
kill "$pulled" 2>/dev/null
expect "cgroup.procs of its own cgroup refused, even its own pid" EPERM a cgroup-self
expect "cgroup.threads of its own cgroup refused" EPERM a cgroup-thread-self
expect "cgroup.procs: its own pid unconfined unaffected (no move)" ok "$ATTACK3" cgroup-self

# Limits, priorities, scheduling of a task outside: each set to what it is, which the hooks
# are called for all the same. Reading them is allowed; so is the agent's own.
sleep 300 &
victim=$!
expect "prlimit: a task outside's limit cannot be set" EPERM run "$pol" "$WORK/prlimit.log" "$ATTACK3" prlimit "$victim"
# (task_prlimit sees the two tasks' credentials, not the task: its record names no pid.)
audit "prlimit: recorded as op sched" "$WORK/prlimit.log" '"op":"sched"' '"decision":"DENY"'
expect "prlimit: a task outside's limit still readable" ok a prlimit-read "$victim"
expect "prlimit: its own limit allowed" ok a prlimit self
expect "prlimit unconfined unaffected" ok "$ATTACK3" prlimit "$victim"
for k in nice ioprio sched affinity; do
	expect "$k: a task outside refused" EPERM run "$pol" "$WORK/$k.log" "$ATTACK3" "$k" "$victim"
	audit "$k: recorded as op sched naming the task" "$WORK/$k.log" '"op":"sched"' "\"command\":\"pid $victim\"" '"decision":"DENY"'
	expect "$k: itself allowed" ok a "$k" self
	expect "$k unconfined unaffected" ok "$ATTACK3" "$k" "$victim"
done
kill "$victim" 2>/dev/null

# vhangup hangs up the caller's controlling terminal (the user's): CAP_SYS_TTY_CONFIG. Not
# run unconfined: it would hang up the terminal of whatever runs this file, if it has one.
expect "vhangup (CAP_SYS_TTY_CONFIG) refused" EPERM a vhangup
audit "vhangup: recorded as the capability" "$log" '"op":"capability"' '"command":"cap 26"' '"decision":"DENY"'

# FIFREEZE stops every writer of a filesystem, those outside too, until thawed. Not run
# unconfined: /tmp may be the root filesystem.
expect "FIFREEZE refused" EPERM a freeze "$WORK"
audit "FIFREEZE: recorded as op mount with its path" "$log" '"op":"mount"' "\"path\":\"$WORK\"" '"decision":"DENY"'
# FS_IOC_SHUTDOWN fails every later write to a filesystem until it is mounted again. On a
# tmpfs, which has no such ioctl: the kernel's answer is ENOTTY, agentgate's comes first.
mkdir -p "$WORK/shut"
mount -t tmpfs tmpfs "$WORK/shut"
expect "FS_IOC_SHUTDOWN refused" EPERM a shutdown "$WORK/shut"
expect "FS_IOC_SHUTDOWN unconfined reaches the filesystem" ENOTTY "$ATTACK3" shutdown "$WORK/shut"
umount "$WORK/shut"

# F_SETOWN_EX: the kernel copies the owner from the caller a second time after the LSM hook,
# so the owner the hook judged need not be the one set: refused whatever it names.
expect "F_SETOWN_EX naming itself refused" EPERM a setown-ex-self
expect "F_SETOWN_EX unconfined unaffected" ok "$ATTACK3" setown-ex-self
