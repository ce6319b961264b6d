#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Folding (docs/audit.md "Folded decisions"): a task repeating one decision within the
# window gets one record and counts, not a record per call, and nothing is lost. A flood of
# 20000 opens of one file is a few records whose counts add up to 20000, with no gap; a
# denied open is written at once and its repeats counted; a task that stays alive after its
# run gets its count from the reader's flush, one that exits from its exit; other files
# are records of their own; the log verifies; with audit.fold_ms 0 every open is a record;
# a record names its task (pid, tid, uid, comm).
CGP=e2e-d66
. "$(dirname "$0")/daemon.sh"
trap daemon_cleanup EXIT

N=20000
mkdir -p /srv/d66/many
echo x >/srv/d66/f
echo x >/srv/d66/g
echo x >/srv/d66/secret
i=0
while [ $i -lt 50 ]; do
	echo x >/srv/d66/many/f$i
	i=$((i + 1))
done
pol=$(policy d66 <<EOP
version: "1.0"
default: allow
rules:
  - action: file_read
    path: "/srv/d66/secret"
    decision: deny
    reason: "d66 secret"
EOP
)
daemon_config <<EOC
  - cgroup: /$CGP/agent
    policy: $pol
EOC
start_daemon || { fail "daemon starts" "$(cat "$D/daemon.err")"; exit 0; }
# The memo's tests below would pass without one, each open judged in full.
ctl status | grep -q "^open memo  on" && pass "status: the open memo is on" ||
	fail "status: the open memo is on" "$(ctl status)"

# sum_of PATH DECISION: the decisions the log's records of PATH stand for (count, else 1).
sum_of() {
	grep -F "\"path\":\"$1\"" "$AUDIT" | grep -F "\"decision\":\"$2\"" | decisions
}

# wait_sum NAME PATH DECISION N: ok once the records of PATH stand for N decisions (5 s).
wait_sum() {
	_i=0
	while [ "$(sum_of "$2" "$3")" != "$4" ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	eq "$1" "$4" "$(sum_of "$2" "$3")"
}

eq() {
	[ "$2" = "$3" ] && pass "$1" || fail "$1" "expected $2, got $3"
}

# wait_ready NAME OUT ERR: ok once the task writing OUT says it is ready (10 s), else ERR.
wait_ready() {
	_i=0
	while ! grep -q ready "$2" && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	grep -q ready "$2" && pass "$1" || fail "$1" "$(cat "$3")"
}

out=$(in_cgroup "$CGP/agent" openloop /srv/d66/f /nonexistent $N)
case $out in
"ok=$N "*) pass "$N opens of one file allowed" ;;
*) fail "$N opens of one file allowed" "$out" ;;
esac
wait_sum "the records of the flood stand for its $N opens" /srv/d66/f ALLOW $N
n=$(grep -c '"path":"/srv/d66/f"' "$AUDIT")
[ "$n" -ge 1 ] && [ "$n" -le 100 ] && pass "the flood is $n records, not $N" ||
	fail "the flood is a few records" "$n records"
grep -q '"type":"gap"' "$AUDIT" && fail "no event lost to the flood" "$(grep '"type":"gap"' "$AUDIT" | head -n 3)" ||
	pass "no event lost to the flood"
grep -F '"path":"/srv/d66/f"' "$AUDIT" | grep -F '"count":' | grep -q '"first":"20' &&
	pass "a count record says when the first decision it counts was" ||
	fail "a count record says when the first decision it counts was" "$(grep -F '"path":"/srv/d66/f"' "$AUDIT" | grep -F '"count":' | head -n 1)"

out=$(in_cgroup "$CGP/agent" openloop /srv/d66/secret /nonexistent 5000)
case $out in
"ok=0 eperm=5000 "*) pass "5000 denied opens each refused" ;;
*) fail "5000 denied opens each refused" "$out" ;;
esac
wait_sum "the deny records stand for all 5000 refusals" /srv/d66/secret DENY 5000
first=$(grep -F '"path":"/srv/d66/secret"' "$AUDIT" | head -n 1)
case $first in
*'"count":'*) fail "the first refusal is a record of its own, written at once" "$first" ;;
*'"reason":"d66 secret"'*) pass "the first refusal is a record of its own, with its reason" ;;
*) fail "the first refusal is a record of its own, with its reason" "$first" ;;
esac
grep -F '"path":"/srv/d66/secret"' "$AUDIT" | grep -F '"count":' | grep -qF '"reason":"d66 secret"' &&
	pass "count records carry the rule's reason" ||
	fail "count records carry the rule's reason" "$(grep -F '"path":"/srv/d66/secret"' "$AUDIT" | tail -n 1)"

# A shell reads g 300 times itself (a redirection is an open by the shell), then stays
# alive: its count comes from the reader's flush, not from its exit.
rm -f "$WORK/d66.done"
in_cgroup "$CGP/agent" sh -c 'i=0; while [ $i -lt 300 ]; do read x </srv/d66/g; i=$((i + 1)); done; : >"$1"; sleep 6' sh "$WORK/d66.done" &
sh_pid=$!
i=0
while [ ! -e "$WORK/d66.done" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
wait_sum "a task that stays alive has its 300 reads counted by the flush" /srv/d66/g ALLOW 300
kill -0 "$sh_pid" 2>/dev/null && pass "counted while the task still ran" ||
	fail "counted while the task still ran" "it had exited"
kill "$sh_pid" 2>/dev/null
wait "$sh_pid" 2>/dev/null

i=0
while [ $i -lt 50 ]; do
	in_cgroup "$CGP/agent" openloop /srv/d66/many/f$i /nonexistent 1 >/dev/null
	i=$((i + 1))
done
i=0
while [ "$(grep -c '"path":"/srv/d66/many/f' "$AUDIT")" -lt 50 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
eq "50 different files are 50 records" 50 "$(grep -c '"path":"/srv/d66/many/f' "$AUDIT")"
eq "none of them folded" 0 "$(grep '"path":"/srv/d66/many/f' "$AUDIT" | grep -c '"count":')"

# The fold key's task part is kept per CPU slot (bpf/fold.bpf.c, ag_fold_id): one task, held
# on one CPU (exec would move it to an idle one), reads k 20 times as sh, then execs openloop
# (static: k is its first open), which opens k 20 times within the same window: its opens are
# its own record (comm, executable), not counted into the shell's.
echo x >/srv/d66/k
in_cgroup "$CGP/agent" taskset 1 sh -c 'i=0; while [ $i -lt 20 ]; do read x </srv/d66/k; i=$((i + 1)); done; exec openloop /srv/d66/k /nonexistent 20' >/dev/null
wait_sum "the records of k stand for the 40 opens" /srv/d66/k ALLOW 40
eq "20 of them the shell's" 20 "$(grep -F '"path":"/srv/d66/k"' "$AUDIT" | grep -F '"comm":"sh"' | decisions)"
eq "20 of them openloop's, after its exec" 20 "$(grep -F '"path":"/srv/d66/k"' "$AUDIT" | grep -F '"comm":"openloop"' | decisions)"
verify_open "the log with count records verifies"
said=$("$AGENTGATE" audit verify --open "$AUDIT" 2>&1 | sed -n 's/.* standing for \([0-9]*\) decisions.*/\1/p')
all=$(grep '"type":"decision"' "$AUDIT" | decisions)
[ "$all" -ge $((N + 5000 + 300 + 50)) ] && eq "audit verify counts the decisions the records stand for ($all)" "$all" "$said" ||
	fail "audit verify counts the decisions the records stand for" "verify: $said, records: $all"
"$AGENTGATE" audit tail --text "$AUDIT" 2>&1 | grep -F '/srv/d66/f' | grep -q 'times since' &&
	pass "audit tail shows a count record's count" ||
	fail "audit tail shows a count record's count" "$("$AGENTGATE" audit tail --text "$AUDIT" 2>&1 | grep -F '/srv/d66/f' | tail -n 1)"

# Folding off: each open is a record of its own.
stop_daemon TERM
AUDIT_EXTRA="  fold_ms: 0"
daemon_config <<EOC
  - cgroup: /$CGP/agent
    policy: $pol
EOC
start_daemon || { fail "daemon starts with fold_ms 0" "$(cat "$D/daemon.err")"; exit 0; }
before=$(grep -c '"path":"/srv/d66/g"' "$AUDIT")
in_cgroup "$CGP/agent" openloop /srv/d66/g /nonexistent 200 >/dev/null
i=0
while [ $(($(grep -c '"path":"/srv/d66/g"' "$AUDIT") - before)) -lt 200 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
eq "with fold_ms 0, 200 opens are 200 records" 200 $(($(grep -c '"path":"/srv/d66/g"' "$AUDIT") - before))
AUDIT_EXTRA="  fold_ms: 70000"
daemon_config </dev/null
err=$("$AGENTGATE" daemon --config "$D/daemon.yaml" 2>&1)
case $err in
*fold_ms*) pass "a fold_ms past 60000 is refused, named" ;;
*) fail "a fold_ms past 60000 is refused, named" "$err" ;;
esac

# A repeated file request is answered from its fold slot without walking the policy again
# (bpf/lib/common.h, ag_decide): a policy swapped within the window must still decide. One
# shell (its redirections are its own opens) reads h 50 times, waits for the swap to a
# policy that denies h, and reads it once more, all within a 60 s window.
echo x >/srv/d66/h
AUDIT_EXTRA="  fold_ms: 60000"
daemon_config <<EOC
  - cgroup: /$CGP/agent
    policy: $pol
EOC
stop_daemon TERM
start_daemon || { fail "daemon starts with fold_ms 60000" "$(cat "$D/daemon.err")"; exit 0; }
pol_deny=$(policy d66-swap <<EOP
version: "1.0"
default: allow
rules:
  - action: file_read
    path: "/srv/d66/h"
    decision: deny
    reason: "d66 swapped"
EOP
)
# Its only opens are of h: another record of its own could take h's slot.
rm -f "$WORK/d66.swapped"
in_cgroup "$CGP/agent" sh -c '
	i=0
	while [ $i -lt 50 ]; do read x </srv/d66/h || exit 3; i=$((i + 1)); done
	echo ready
	while [ ! -e "$1" ]; do sleep 0.05; done
	if read x </srv/d66/h; then echo allowed; else echo refused; fi
' sh "$WORK/d66.swapped" >"$WORK/d66.out" 2>"$WORK/d66.err" &
sh_pid=$!
wait_ready "50 reads of h allowed, one task" "$WORK/d66.out" "$WORK/d66.err"
check "the cgroup gets a policy that denies h" ctl assign "/$CGP/agent" "$pol_deny"
: >"$WORK/d66.swapped"
wait "$sh_pid"
eq "a read repeated after the swap, within the fold window, is refused" refused "$(tail -n 1 "$WORK/d66.out")"
wait_sum "the 50 allowed reads are accounted for" /srv/d66/h ALLOW 50
wait_audit "the refused read is a record under the new policy" '"path":"/srv/d66/h"' '"decision":"DENY"' '"reason":"d66 swapped"'

# A task that opens again the file it opened last is answered from its memo (bpf/lib/memo.h)
# without its path being computed again, but only while no rename or mount change could have
# changed that path. The shell keeps f open as fd 3 and reopens it through /proc/self/fd/3 (the
# same dentry) 50 times; then the directory above f is renamed, from outside, to a name the
# policy denies: f's own name and parent are unchanged, its path is not.
mkdir -p /srv/d66/pub
echo x >/srv/d66/pub/f
pol_vault=$(policy d66-vault <<EOP
version: "1.0"
default: allow
rules:
  - action: file_read
    path: "/srv/d66/vault/**"
    decision: deny
    reason: "d66 vault"
EOP
)
check "the cgroup gets a policy that denies the vault" ctl assign "/$CGP/agent" "$pol_vault"
rm -f "$WORK/d66.moved"
in_cgroup "$CGP/agent" sh -c '
	exec 3</srv/d66/pub/f || exit 3
	i=0
	while [ $i -lt 50 ]; do read x </proc/self/fd/3 || exit 3; i=$((i + 1)); done
	echo ready
	while [ ! -e "$1" ]; do sleep 0.05; done
	if read x </proc/self/fd/3; then echo allowed; else echo refused; fi
' sh "$WORK/d66.moved" >"$WORK/d66m.out" 2>"$WORK/d66m.err" &
sh_pid=$!
wait_ready "51 opens of pub/f allowed, one task" "$WORK/d66m.out" "$WORK/d66m.err"
mv /srv/d66/pub /srv/d66/vault
: >"$WORK/d66.moved"
wait "$sh_pid"
eq "a reopen after its directory moved under a denied name is refused" refused "$(tail -n 1 "$WORK/d66m.out")"
wait_sum "the 51 allowed opens are accounted for" /srv/d66/pub/f ALLOW 51
wait_audit "the refused reopen is recorded with the new path" '"path":"/srv/d66/vault/f"' '"decision":"DENY"' '"reason":"d66 vault"'

# The record's header names the task as the kernel knows it (read from the task, not
# through helpers): its pid and tid (one thread: the same), its real uid, its comm.
echo x >/srv/d66/who
in_cgroup "$CGP/agent" sh -c 'echo $$ >"$1"; exec cat /srv/d66/who' sh "$WORK/d66.who" >/dev/null
who=$(cat "$WORK/d66.who")
wait_audit "a record names its task: pid, tid, uid, comm" '"path":"/srv/d66/who"' \
	"\"pid\":$who," "\"tid\":$who," '"uid":0,' '"comm":"cat"'

# A file that becomes agentgate's while a task has its reopen memoized: here the policy
# file of an `agentgate exec` that starts. The loader moves ag_state.protect_gen when a file
# is marked, and a memo holds the generation it saw, so the next reopen is refused.
# (a copy of a policy file: another inode, not marked)
pol_mark=$WORK/d66-mark.yaml
cp "$pol" "$pol_mark"
rm -f "$WORK/d66.marked" "$WORK/d66.release"
# A shell snippet: waits up to 30 s for the file $1 to exist.
await='i=0; while [ ! -e "$1" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done'
in_cgroup "$CGP/agent" sh -c '
	exec 3<"$2" || exit 3
	i=0
	while [ $i -lt 50 ]; do read x </proc/self/fd/3 || exit 3; i=$((i + 1)); done
	echo ready
	'"$await"'
	if read x </proc/self/fd/3; then echo allowed; else echo refused; fi
' sh "$WORK/d66.marked" "$pol_mark" >"$WORK/d66p.out" 2>"$WORK/d66p.err" &
sh_pid=$!
wait_ready "51 opens of a policy file allowed, one task" "$WORK/d66p.out" "$WORK/d66p.err"
# The exec holds its mark until the reopen was made.
"$AGENTGATE" exec --policy "$pol_mark" -- sh -c ': >"$1"; shift; '"$await" \
	sh "$WORK/d66.marked" "$WORK/d66.release" 2>"$WORK/d66x.err" &
exec_pid=$!
wait "$sh_pid"
: >"$WORK/d66.release"
got=$(tail -n 1 "$WORK/d66p.out")
[ "$got" = refused ] && pass "a reopen after the file became an exec's policy file is refused" ||
	fail "a reopen after the file became an exec's policy file is refused" "got '$got'; exec: $(cat "$WORK/d66x.err")"
wait_audit "the refusal is recorded as agentgate's file" "\"path\":\"$pol_mark\"" \
	'"action":"protect"' '"decision":"DENY"' '"rule":"protected"'
wait "$exec_pid"
