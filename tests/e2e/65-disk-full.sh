#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# A full disk loses nothing silently (docs/audit.md): the daemon's log lives on a tiny
# tmpfs, a confined agent opens a file thousands of times, the disk fills. Enforcement
# goes on, records wait in memory up to audit.backlog_bytes, the rest are counted; once
# there is room again the backlog is written, a gap record gives the count, the chain
# verifies, and every open is either a record or counted in a gap.
CGP=e2e-d65
. "$(dirname "$0")/daemon.sh"
fs=$D/logfs
trap 'daemon_cleanup; umount "$fs" 2>/dev/null' EXIT

N=3000
mkdir -p /srv/d65 "$fs"
echo x >/srv/d65/f
echo x >/srv/d65/secret
mount -t tmpfs -o size=128k tmpfs "$fs" || { fail "a 128 KiB tmpfs for the log" "mount failed"; exit 0; }
AUDIT=$fs/audit.log
# Folding off: the test needs one record per open to fill the disk.
AUDIT_EXTRA="  backlog_bytes: 65536
  fold_ms: 0"
pol=$(policy d65 <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
  - action: shell_exec
    command: "$(command -v openloop) *"
    decision: allow
  - action: file_read
    path: "/srv/d65/f"
    decision: allow
EOP
)
daemon_config <<EOC
  - cgroup: /$CGP/agent
    policy: $pol
EOC
start_daemon || { fail "daemon starts with its log on a 128 KiB tmpfs" "$(cat "$D/daemon.err")"; exit 0; }
pass "daemon starts with its log on a 128 KiB tmpfs"

out=$(in_cgroup "$CGP/agent" openloop /srv/d65/f /nonexistent $N)
case $out in
"ok=$N "*) pass "the agent's $N opens are allowed while the disk fills" ;;
*) fail "the agent's $N opens are allowed while the disk fills" "$out" ;;
esac
df_used=$(df "$fs" | awk 'NR==2 { print $5 }')
[ "$df_used" = "100%" ] && pass "the log's file system is full" || fail "the log's file system is full" "$df_used used"
expect "enforcement goes on: a denied open is still refused" EPERM in_cgroup "$CGP/agent" "$PROBE" open-read /srv/d65/secret
kill -0 "$(daemon_pid)" 2>/dev/null && pass "the daemon keeps running" || fail "the daemon keeps running" "gone: $(tail -n 3 "$D/daemon.err")"

mount -o remount,size=64m "$fs"
i=0
while ! grep -q '"type":"gap"' "$AUDIT" && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
wait_audit "room again: a gap record counts what did not fit" '"type":"gap"'
verify_open "room again: the log verifies"
recorded=$(grep -c '"path":"/srv/d65/f"' "$AUDIT")
lost=$(grep '"type":"gap"' "$AUDIT" | sed -n 's/.*"lost":\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
[ "$lost" -gt 0 ] && pass "records were lost to the full disk and counted ($lost)" || fail "records were lost to the full disk and counted" "lost=$lost"
[ $((recorded + lost)) -ge $N ] && pass "every open is a record or counted in a gap ($recorded + $lost >= $N)" ||
	fail "every open is a record or counted in a gap" "$recorded recorded + $lost lost < $N"
expect "after the gap, a denied open is recorded again" EPERM in_cgroup "$CGP/agent" "$PROBE" open-read /srv/d65/secret
wait_audit "after the gap, the new denial is in the log" '"path":"/srv/d65/secret"' '"decision":"DENY"'
