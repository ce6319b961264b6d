#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# `agentgate exec` as a command: exit status, cleanup, a command that cannot start.
. "$(dirname "$0")/kernel.sh"

pol=$(policy cli <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
EOP
)
log=$WORK/cli.log

run "$pol" "$log" "$PROBE" exit 7
rc=$?
[ "$rc" -eq 7 ] && pass "exit status of CMD" || fail "exit status of CMD" "got $rc"
run "$pol" "$log" "$PROBE" kill-self 15
rc=$?
[ "$rc" -eq 143 ] && pass "128+signal when CMD is killed" || fail "128+signal when CMD is killed" "got $rc"
run "$pol" "$log" /nonexistent/cmd 2>/dev/null
rc=$?
[ "$rc" -eq 127 ] && pass "127 when CMD does not exist" || fail "127 when CMD does not exist" "got $rc"
ls -d /sys/fs/cgroup/agentgate/exec-* >/dev/null 2>&1 && fail "no cgroup left behind" "$(ls -d /sys/fs/cgroup/agentgate/exec-*)" || pass "no cgroup left behind"
[ -d /sys/fs/bpf/agentgate ] && [ -e /sys/fs/bpf/agentgate/link_file_open ] && pass "programs stay pinned after exec" || fail "programs stay pinned after exec" "$(ls /sys/fs/bpf/agentgate 2>&1)"

# Two execs at once share the pinned programs; each keeps its own records.
mkdir -p /srv
echo a >/srv/nothing-a
echo b >/srv/nothing-b
run "$pol" "$WORK/a.log" "$PROBE" open-read /srv/nothing-a >/dev/null 2>&1 &
run "$pol" "$WORK/b.log" "$PROBE" open-read /srv/nothing-b >/dev/null 2>&1
wait
audit "concurrent execs: first has its record" "$WORK/a.log" '"path":"/srv/nothing-a"'
audit "concurrent execs: second has its record" "$WORK/b.log" '"path":"/srv/nothing-b"'
no_audit "concurrent execs: records not mixed" "$WORK/a.log" '"path":"/srv/nothing-b"'
