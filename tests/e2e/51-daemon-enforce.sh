#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# `agentgate daemon` with a config: confines the assigned cgroup and its children, audits
# with the cgroup's name and the rule's reason, survives kill -9 (enforcement continues,
# a restart adopts the pins and drains what was queued meanwhile), reloads on SIGHUP,
# stops on SIGTERM without removing enforcement, refuses a bad config at startup.
CGP=e2e-d51
. "$(dirname "$0")/daemon.sh"
trap daemon_cleanup EXIT

mkdir -p /srv/d51/data /srv/d51/secret
echo data >/srv/d51/data/a.txt
echo secret >/srv/d51/secret/key
# The LSM sees opens of existing files only (a missing one fails earlier with ENOENT).
echo x >/srv/d51/secret/while-dead
echo x >/srv/d51/secret/after-restart
deny=$(policy d51-deny <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
  - action: file_read
    path: "/srv/d51/data/**"
    decision: allow
  - action: file_read
    path: "/srv/d51/secret/**"
    decision: deny
    reason: "secrets stay with the operator"
EOP
)
allow=$(policy d51-allow <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
  - action: file_read
    path: "/srv/d51/**"
    decision: allow
EOP
)
bad=$(policy d51-bad <<EOP
version: "1.0"
default: deny
rules:
  - action: file_read
    path: "/srv/**"
    decision: maybe
EOP
)

daemon_config <<EOC
  - cgroup: /$CGP/agent
    policy: $deny
EOC
start_daemon
rc=$?
[ "$rc" -eq 0 ] && pass "daemon starts with a config" || fail "daemon starts with a config" "exit $rc: $(cat "$D/daemon.err")"
[ -d "$CGROOT/$CGP/agent" ] && pass "daemon creates the assigned cgroup" || fail "daemon creates the assigned cgroup" "no $CGROOT/$CGP/agent"

expect "assigned cgroup: denied read" EPERM in_cgroup "$CGP/agent" "$PROBE" open-read /srv/d51/secret/key
expect "assigned cgroup: allowed read" ok in_cgroup "$CGP/agent" "$PROBE" open-read /srv/d51/data/a.txt
expect "unassigned process unaffected" ok "$PROBE" open-read /srv/d51/secret/key
sha=$(policy_sha "/$CGP/agent")
[ ${#sha} -eq 64 ] && pass "status names the policy's sha256" || fail "status names the policy's sha256" "got '$sha'"
wait_audit "audit: deny with agent, reason, policy sha" '"type":"decision"' "\"agent\":\"/$CGP/agent\"" \
	'"path":"/srv/d51/secret/key"' '"decision":"DENY"' '"reason":"secrets stay with the operator"' \
	"\"policy_sha256\":\"$sha\""
wait_audit "audit: allow recorded" "\"agent\":\"/$CGP/agent\"" '"path":"/srv/d51/data/a.txt"' '"decision":"ALLOW"'
wait_audit "audit: daemon start recorded" '"what":"daemon_start"'

# A child cgroup inherits; its records name the child (resolved from the cgroup id).
mkdir -p "$CGROOT/$CGP/agent/kid"
expect "child cgroup inherits the assignment" EPERM in_cgroup "$CGP/agent/kid" "$PROBE" open-read /srv/d51/secret/key
wait_audit "audit: agent is the child cgroup's path" "\"agent\":\"/$CGP/agent/kid\"" '"path":"/srv/d51/secret/key"'

# kill -9: nothing is removed, enforcement continues, decisions queue in the kernel.
pid1=$(daemon_pid)
stop_daemon KILL && pass "daemon killed with SIGKILL" || fail "daemon killed with SIGKILL" "pid $pid1 still alive"
expect "after kill -9: still denied" EPERM in_cgroup "$CGP/agent" "$PROBE" open-read /srv/d51/secret/key
expect "after kill -9: still denied in the child" EPERM in_cgroup "$CGP/agent/kid" "$PROBE" open-read /srv/d51/secret/while-dead
start_daemon
rc=$?
[ "$rc" -eq 0 ] && pass "restart after kill -9" || fail "restart after kill -9" "exit $rc: $(tail -n 3 "$D/daemon.err")"
[ "$(daemon_pid)" != "$pid1" ] && pass "a new daemon process" || fail "a new daemon process" "same pid"
wait_audit "restart adopts the pinned programs" '"what":"daemon_start"' '"detail":"bpf=adopted"'
wait_audit "restart records the crash it recovered from" '"type":"lifecycle"' '"what":"recovered"'
wait_audit "decisions made while no daemon ran are drained" '"path":"/srv/d51/secret/while-dead"' '"decision":"DENY"'
expect "after restart: still denied" EPERM in_cgroup "$CGP/agent" "$PROBE" open-read /srv/d51/secret/after-restart
wait_audit "after restart: audit continues" '"path":"/srv/d51/secret/after-restart"' "\"policy_sha256\":\"$sha\""
[ "$(policy_sha "/$CGP/agent")" = "$sha" ] && pass "after restart: same policy" || fail "after restart: same policy" "sha $(policy_sha "/$CGP/agent")"

# SIGHUP: a new policy for the cgroup, a second cgroup.
daemon_config <<EOC
  - cgroup: /$CGP/agent
    policy: $allow
  - cgroup: /$CGP/other
    policy: $deny
    mode: simulate
EOC
check "SIGHUP (a new policy, a second cgroup): the reload recorded" hup
expect "SIGHUP swaps the policy" ok in_cgroup "$CGP/agent" "$PROBE" open-read /srv/d51/secret/key
expect "SIGHUP adds a cgroup (simulate mode: allowed)" ok in_cgroup "$CGP/other" "$PROBE" open-read /srv/d51/secret/key
wait_audit "simulate mode override recorded" "\"agent\":\"/$CGP/other\"" '"decision":"DENY"' '"mode":"simulate"'

# A bad policy on reload: reported with file:line:col, the old policy stays.
daemon_config <<EOC
  - cgroup: /$CGP/agent
    policy: $bad
  - cgroup: /$CGP/other
    policy: $deny
EOC
check "SIGHUP (a bad policy): the reload recorded" hup
grep -qE "$bad:[0-9]+:[0-9]+:" "$D/daemon.err" && pass "reload names the bad policy's file:line:col" || fail "reload names the bad policy's file:line:col" "$(tail -n 3 "$D/daemon.err")"
expect "reload with a bad policy keeps the old one" ok in_cgroup "$CGP/agent" "$PROBE" open-read /srv/d51/secret/key
expect "reload applies the good assignments" EPERM in_cgroup "$CGP/other" "$PROBE" open-read /srv/d51/secret/key
kill -0 "$(daemon_pid)" 2>/dev/null && pass "daemon survives a bad reload" || fail "daemon survives a bad reload" "gone"

# Dropped from the config: unassigned on reload.
daemon_config <<EOC
  - cgroup: /$CGP/other
    policy: $deny
EOC
check "SIGHUP (an assignment dropped): the reload recorded" hup
expect "reload removes an assignment no longer configured" ok in_cgroup "$CGP/agent" "$PROBE" open-read /srv/d51/secret/key

# SIGTERM: clean stop, enforcement stays.
stop_daemon TERM && pass "SIGTERM stops the daemon" || fail "SIGTERM stops the daemon" "still running"
expect "after SIGTERM: still denied" EPERM in_cgroup "$CGP/other" "$PROBE" open-read /srv/d51/secret/key
wait_audit "audit: daemon stop recorded" '"what":"daemon_stop"'
[ -S "$SOCK" ] && fail "control socket removed on exit" "$SOCK exists" || pass "control socket removed on exit"
# The log, across the kill -9 and both restarts, is one intact, sealed chain.
check "audit log verifies after kill -9, restart and stop" "$AGENTGATE" audit verify --pubkey "$D/keys/audit.pub" "$AUDIT"

# Restart reconciles: an assignment dropped while no daemon ran is removed.
daemon_config </dev/null
start_daemon
expect "restart removes assignments gone from the config" ok in_cgroup "$CGP/other" "$PROBE" open-read /srv/d51/secret/key
stop_daemon TERM

# A bad policy at startup: refused, nothing changes.
daemon_config <<EOC
  - cgroup: /$CGP/agent
    policy: $deny
  - cgroup: /$CGP/third
    policy: $bad
EOC
: >"$D/daemon.err"
lines=$(wc -l <"$AUDIT")
start_daemon
rc=$?
[ "$rc" -eq 2 ] && pass "bad policy at startup: refused (exit 2)" || fail "bad policy at startup: refused (exit 2)" "exit $rc"
# Found before the kernel or the log is touched: not even a start and stop in the log.
[ "$(wc -l <"$AUDIT")" -eq "$lines" ] && pass "bad policy at startup: the audit log untouched" ||
	fail "bad policy at startup: the audit log untouched" "$(tail -n 3 "$AUDIT")"
grep -qE "$bad:[0-9]+:[0-9]+:" "$D/daemon.err" && pass "startup error names file:line:col" || fail "startup error names file:line:col" "$(cat "$D/daemon.err")"
expect "bad config at startup installs nothing" ok in_cgroup "$CGP/agent" "$PROBE" open-read /srv/d51/secret/key
# --check finds the same without starting anything; a good configuration passes it.
out=$("$AGENTGATE" daemon --config "$D/daemon.yaml" --check 2>&1)
rc=$?
[ "$rc" -eq 2 ] && printf '%s' "$out" | grep -qE "$bad:[0-9]+:[0-9]+:" &&
	pass "daemon --check: a bad policy named, exit 2" || fail "daemon --check: a bad policy named, exit 2" "exit $rc: $out"
daemon_config <<EOC
  - cgroup: /$CGP/agent
    policy: $deny
EOC
out=$("$AGENTGATE" daemon --config "$D/daemon.yaml" --check 2>&1)
rc=$?
[ "$rc" -eq 0 ] && [ "$out" = "$D/daemon.yaml: ok (1 assignments, 0 container selectors)" ] && [ ! -S "$SOCK" ] &&
	pass "daemon --check: a good config passes, nothing started" || fail "daemon --check: a good config passes, nothing started" "exit $rc: $out"
expect "daemon --check installs nothing" ok in_cgroup "$CGP/agent" "$PROBE" open-read /srv/d51/secret/key
