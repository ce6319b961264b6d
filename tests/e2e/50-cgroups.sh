#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# A child cgroup inherits the nearest ancestor's policy; other cgroups are unaffected.
. "$(dirname "$0")/kernel.sh"

BB=/bin/busybox # busybox sh resolves "busybox" to its own applet, not a path
mkdir -p /srv/data /srv/secret
echo data >/srv/data/a.txt
echo secret >/srv/secret/key
pol=$(policy cg <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
  - action: file_read
    path: "/srv/data/**"
    decision: allow
  - action: file_read
    path: "/proc/**"
    decision: allow
  - action: file_write
    path: "/sys/fs/cgroup/**"
    decision: allow
  - action: shell_exec
    command: "$BB 2"
    decision: allow
  - action: shell_exec
    command: "$BB 6"
    decision: allow
  - action: shell_exec
    command: "/tmp/suid-probe *"
    decision: allow
EOP
)
log=$WORK/cg.log

# The agent may make a child cgroup but not move into it: cgroup.procs is refused to it
# anywhere (it could pull a task from outside in). Root outside moves tasks into children of
# its cgroup: they inherit the policy.
expect "a confined task cannot move itself into a child cgroup" EPERM run "$pol" "$log" "$PROBE" enter-child sub "$PROBE" probe open-read /srv/data/a.txt
"$AGENTGATE" exec --policy "$pol" --audit-log "$log" -- "$PROBE" exec "$BB" sleep 6 >/dev/null 2>&1 &
apid=$!
wait_running "$apid"
cg=/sys/fs/cgroup/agentgate/exec-$apid
mkdir -p "$cg/sub/b"
in_child() { sh -c 'echo $$ >"$1/cgroup.procs" && exec "$0" open-read "$2"' "$PROBE" "$@"; }
got=$(in_child "$cg/sub" /srv/secret/key)
[ "$got" = EPERM ] && pass "child cgroup inherits: denied read" || fail "child cgroup inherits: denied read" "got '$got'"
got=$(in_child "$cg/sub" /srv/data/a.txt)
[ "$got" = ok ] && pass "child cgroup inherits: allowed read" || fail "child cgroup inherits: allowed read" "got '$got'"
got=$(in_child "$cg/sub/b" /srv/secret/key)
[ "$got" = EPERM ] && pass "grandchild cgroup inherits" || fail "grandchild cgroup inherits" "got '$got'"
rmdir "$cg/sub/b" "$cg/sub"
wait "$apid"
audit "child cgroup inherits: audit from the child cgroup" "$log" '"action":"file_read"' '"decision":"DENY"' '"path":"/srv/secret/key"'
ls -d /sys/fs/cgroup/agentgate/exec-* >/dev/null 2>&1 && fail "exec cgroups removed" "$(ls -d /sys/fs/cgroup/agentgate/exec-*)" || pass "exec cgroups removed"

# A confined process running next to an unconfined one in a sibling cgroup.
mkdir -p /sys/fs/cgroup/e2e-free
"$AGENTGATE" exec --policy "$pol" --audit-log "$log" -- "$PROBE" exec "$BB" sleep 2 >/dev/null 2>&1 &
confined=$!
sleep 1
got=$(sh -c 'echo $$ >/sys/fs/cgroup/e2e-free/cgroup.procs; exec "$0" open-read /srv/secret/key' "$PROBE")
[ "$got" = ok ] && pass "sibling cgroup unaffected while a policy is active" || fail "sibling cgroup unaffected while a policy is active" "got '$got'"
wait "$confined"
rmdir /sys/fs/cgroup/e2e-free

# Enforcement outlives the process that installed it: kill -9 `agentgate exec`,
# the command's cgroup keeps its policy.
"$AGENTGATE" exec --policy "$pol" --audit-log "$log" -- "$PROBE" exec "$BB" sleep 2 >/dev/null 2>&1 &
apid=$!
wait_running "$apid"
kill -9 "$apid"
wait "$apid" 2>/dev/null
cg=/sys/fs/cgroup/agentgate/exec-$apid
got=$(sh -c 'echo $$ >"$1/cgroup.procs" && exec "$0" open-read /srv/secret/key' "$PROBE" "$cg")
[ "$got" = EPERM ] && pass "policy stays after agentgate exec is killed" || fail "policy stays after agentgate exec is killed" "got '$got'"
echo 1 >"$cg/cgroup.kill" 2>/dev/null
sleep 0.5
rmdir "$cg" 2>/dev/null
expect "later execs work after the stale policy is collected" ok run "$pol" "$log" "$PROBE" open-read /srv/data/a.txt

# A setuid-root program run by an unprivileged confined task is root and still confined.
cp "$PROBE" /tmp/suid-probe
chown 0:0 /tmp/suid-probe
chmod 4755 /tmp/suid-probe
chmod 644 /srv/secret/key
expect "setuid program stays confined" EPERM run "$pol" "$log" "$PROBE" as-user 1000 /tmp/suid-probe probe open-read /srv/secret/key
audit "setuid program: audit names it and its real uid" "$log" '"decision":"DENY"' '"uid":1000' '"path":"/srv/secret/key"' '"comm":"suid-probe"'
expect "setuid program unconfined reads it" ok /tmp/suid-probe open-read /srv/secret/key
rm -f /tmp/suid-probe
