#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The control socket: assign / unassign / status as root, errors printed once with a
# non-zero exit, non-root clients refused (by file mode, and by SO_PEERCRED when the
# socket's mode is opened up), runtime assignments kept across a daemon restart.
CGP=e2e-d52
. "$(dirname "$0")/daemon.sh"
trap daemon_cleanup EXIT

mkdir -p /srv/d52
echo secret >/srv/d52/key
chmod 644 /srv/d52/key
pol=$(policy d52 <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
EOP
)
bad=$(policy d52-bad <<EOP
version: "1.0"
default: deny
rules:
  - action: file_read
    pathh: "/srv/**"
    decision: allow
EOP
)

daemon_config </dev/null
start_daemon || fail "daemon starts without assignments" "$(cat "$D/daemon.err")"
check "status with no assignments" ctl status
check "assign over the socket" ctl assign "/$CGP/x" "$pol"
expect "assigned over the socket: denied" EPERM in_cgroup "$CGP/x" "$PROBE" open-read /srv/d52/key
out=$(ctl status)
printf '%s\n' "$out" | grep -q "/$CGP/x .*enforce .*runtime" && pass "status lists the runtime assignment" || fail "status lists the runtime assignment" "$out"
printf '%s\n' "$out" | grep -q "programs .*file_open" && pass "status lists attached programs" || fail "status lists attached programs" "$out"
printf '%s\n' "$out" | grep -q "dns proxy in [0-9]* network namespace" && pass "status names the assignment's DNS proxy" || fail "status names the assignment's DNS proxy" "$out"
printf '%s\n' "$out" | grep -qF "$AUDIT" && pass "status names the audit log" || fail "status names the audit log" "$out"
ctl status --json | grep -q '"events":[1-9]' && pass "status counts events written" || fail "status counts events written" "$(ctl status --json)"
ctl status --json | grep -q '"errors":{' && pass "status reads the kernel's error counters" || fail "status reads the kernel's error counters" "$(ctl status --json)"

# The daemon's own files stay off limits even to a policy that allows every path.
open_pol=$(open_policy d52-open)
check "assign a policy that allows every path" ctl assign "/$CGP/open" "$open_pol"
expect "control socket refused to a confined agent" EPERM in_cgroup "$CGP/open" "$PROBE" unix-connect "$SOCK"
expect "signing key refused to a confined agent" EPERM in_cgroup "$CGP/open" "$PROBE" open-read "$D/keys/audit.key"
expect "audit log refused to a confined agent" EPERM in_cgroup "$CGP/open" "$PROBE" open-write "$AUDIT"
expect "its own policy file refused to a confined agent" EPERM in_cgroup "$CGP/open" "$PROBE" open-write "$open_pol"
expect "the daemon's config refused to a confined agent" EPERM in_cgroup "$CGP/open" "$PROBE" open-read "$D/daemon.yaml"
expect "other files still follow the policy" ok in_cgroup "$CGP/open" "$PROBE" open-read /srv/d52/key
# Renaming a directory above them would move the daemon's files away from their paths: a
# reload or a rotation would then use a tree the agent made in their place.
ATTACK=$(command -v attack)
mv_pol=$(open_policy d52-mv "$ATTACK")
check "assign a policy that allows every path and the attack" ctl assign "/$CGP/mv" "$mv_pol"
expect "the daemon's directory cannot be renamed away" EPERM in_cgroup "$CGP/mv" "$ATTACK" rename "$D" "$WORK/d52-moved"
expect "nor a directory above it" EPERM in_cgroup "$CGP/mv" "$ATTACK" rename "$WORK" "$WORK.d52-moved"
[ -d "$D" ] && [ -f "$D/daemon.yaml" ] && pass "the daemon's files are where they were" || fail "the daemon's files are where they were" "$(ls -la "$WORK")"
wait_audit "the rename refusal recorded as agentgate_file" '"op":"agentgate_file"' "\"path\":\"$WORK\""
mkdir -p "$WORK/d52-free"
expect "another directory's rename follows the policy" ok in_cgroup "$CGP/mv" "$ATTACK" rename "$WORK/d52-free" "$WORK/d52-free2"
check "unassign the rename policy" ctl unassign "/$CGP/mv"
wait_audit "refusals recorded as protect" '"action":"protect"' '"op":"agentgate_file"' "\"path\":\"$D/keys/audit.key\""
check "unassign the open policy" ctl unassign "/$CGP/open"

# Nested assignments: a cgroup below an agent's with a policy of its own is another agent's,
# its tasks and its cgroup files as foreign as the host's (its policy may be the wider one).
ESCAPE=$(command -v escape)
outer_pol=$(policy d52-outer <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
  - action: shell_exec
    command: "$ESCAPE *"
    decision: allow
  - action: shell_exec
    command: "/bin/busybox sleep *"
    decision: allow
  - action: file_write
    path: "/sys/fs/cgroup/**"
    decision: allow
EOP
)
inner_pol=$(open_policy d52-inner /bin/busybox)
check "assign an agent's policy" ctl assign "/$CGP/outer" "$outer_pol"
check "assign another below it" ctl assign "/$CGP/outer/inner" "$inner_pol"
mkdir -p "$CGROOT/$CGP/outer/plain"
# Not in_cgroup: $! of a function run in the background is the subshell's, outside.
sleeper='echo $$ >"$1/cgroup.procs" && exec /bin/busybox sleep 30'
sh -c "$sleeper" sh "$CGROOT/$CGP/outer/inner" &
inner=$!
sh -c "$sleeper" sh "$CGROOT/$CGP/outer/plain" &
plain=$!
i=0
until grep -qx "0::/$CGP/outer/inner" "/proc/$inner/cgroup" && grep -qx "0::/$CGP/outer/plain" "/proc/$plain/cgroup" || [ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
grep -qx "0::/$CGP/outer/inner" "/proc/$inner/cgroup" && grep -qx "0::/$CGP/outer/plain" "/proc/$plain/cgroup" &&
	pass "the two tasks in their cgroups" || fail "the two tasks in their cgroups" "$(cat "/proc/$inner/cgroup" "/proc/$plain/cgroup")"
expect "ptrace of a nested agent's task refused" EPERM in_cgroup "$CGP/outer" "$ESCAPE" ptrace "$inner"
expect "process_vm_readv of a nested agent's task refused" EPERM in_cgroup "$CGP/outer" "$ESCAPE" vm-read "$inner"
expect "signal to a nested agent's task refused" EPERM in_cgroup "$CGP/outer" "$ESCAPE" kill "$inner" 9
expect "a nested agent's cgroup.kill refused" EPERM in_cgroup "$CGP/outer" "$PROBE" open-write "$CGROOT/$CGP/outer/inner/cgroup.kill"
kill -0 "$inner" 2>/dev/null && pass "the nested agent's task lives" || fail "the nested agent's task lives" "gone"
wait_audit "the refusal names the nested task" '"op":"signal"' "\"command\":\"pid $inner signal 9\""
expect "a child cgroup without a policy is the agent's own (signal)" ok in_cgroup "$CGP/outer" "$ESCAPE" kill "$plain" 0
expect "and its cgroup files" ok in_cgroup "$CGP/outer" "$PROBE" open-write "$CGROOT/$CGP/outer/plain/cgroup.freeze"
kill "$inner" "$plain" 2>/dev/null
wait "$inner" "$plain" 2>/dev/null
check "unassign the nested policy" ctl unassign "/$CGP/outer/inner"
check "unassign the agent's policy" ctl unassign "/$CGP/outer"
rmdir "$CGROOT/$CGP/outer/plain" "$CGROOT/$CGP/outer/inner" "$CGROOT/$CGP/outer" 2>/dev/null

# Errors: printed once, verbatim from the daemon, non-zero exit.
err=$(ctl assign "/$CGP/y" "$bad" 2>&1)
rc=$?
[ "$rc" -ne 0 ] && pass "assign of a bad policy fails" || fail "assign of a bad policy fails" "exit 0"
printf '%s\n' "$err" | grep -qE "^agentgate: assign: $bad:[0-9]+:[0-9]+: " && pass "assign error names file:line:col" || fail "assign error names file:line:col" "$err"
[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && pass "assign error printed once" || fail "assign error printed once" "$err"
err=$(ctl unassign "/$CGP/nothing" 2>&1)
[ $? -ne 0 ] && printf '%s' "$err" | grep -q "no policy" && pass "unassign of an unknown cgroup fails" || fail "unassign of an unknown cgroup fails" "$err"
err=$(ctl assign "/$CGP/x" /nonexistent.yaml 2>&1)
[ $? -ne 0 ] && pass "assign of a missing file fails" || fail "assign of a missing file fails" "$err"
expect "failed assign keeps the old policy" EPERM in_cgroup "$CGP/x" "$PROBE" open-read /srv/d52/key
err=$(ctl assign / "$pol" 2>&1)
[ $? -ne 0 ] && pass "the root cgroup cannot be assigned" || fail "the root cgroup cannot be assigned" "$err"

# Runtime assignments survive kill -9 and restart (state file), and stay enforced meanwhile.
stop_daemon KILL
start_daemon
expect "runtime assignment after restart: denied" EPERM in_cgroup "$CGP/x" "$PROBE" open-read /srv/d52/key
ctl status | grep -q "/$CGP/x .*runtime" && pass "runtime assignment adopted after restart" || fail "runtime assignment adopted after restart" "$(ctl status)"
check "unassign over the socket" ctl unassign "/$CGP/x"
expect "unassigned: allowed" ok in_cgroup "$CGP/x" "$PROBE" open-read /srv/d52/key
wait_audit "audit: unassign recorded" '"what":"policy_unload"' "cgroup=/$CGP/x"

# Non-root: the socket's mode keeps uid 1000 out (the directories above it are searchable)...
chmod 711 "$WORK" "$D"
err=$(su -s /bin/sh agent -c "$AGENTGATE status --socket $SOCK" 2>&1)
rc=$?
[ "$rc" -ne 0 ] && printf '%s' "$err" | grep -q "Permission denied" && pass "non-root refused by the socket's mode" || fail "non-root refused by the socket's mode" "exit $rc: $err"
# ...and the daemon checks the peer's uid even when the mode is opened up.
check "assign a second cgroup" ctl assign "/$CGP/z" "$pol"
chmod 755 "$D/run"
chmod 666 "$SOCK"
err=$(su -s /bin/sh agent -c "$AGENTGATE unassign --socket $SOCK /$CGP/z" 2>&1)
rc=$?
[ "$rc" -ne 0 ] && printf '%s' "$err" | grep -q "only root may use" && pass "non-root refused by SO_PEERCRED" || fail "non-root refused by SO_PEERCRED" "exit $rc: $err"
[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && pass "refusal printed once" || fail "refusal printed once" "$err"
expect "refused client changed nothing" EPERM in_cgroup "$CGP/z" "$PROBE" open-read /srv/d52/key
stop_daemon TERM
