#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Self-protection: what a confined task is refused whatever its policy allows (here a policy
# that allows every write below /sys): bpf(), tracing or signalling tasks outside, leaving the
# cgroup, new namespaces, mounts, chroot, io_uring SQPOLL, raw sockets, anonymous executables,
# kernel modules and agentgate's pins. io_uring opens and connects are decided like syscalls.
. "$(dirname "$0")/kernel.sh"

BB=/bin/busybox # busybox sh resolves "busybox" to its own applet, not a path
ESCAPE=$(command -v escape)
S=/srv/sp
mkdir -p "$S/m" "$S/data" "$S/secret"
echo d >"$S/data/a"
echo s >"$S/secret/k"

pol=$(policy sp <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
  - action: shell_exec
    command: "$ESCAPE *"
    decision: allow
  - action: shell_exec
    command: "$BB true"
    decision: allow
  - action: shell_exec
    command: "$BB mount*"
    decision: allow
  - action: shell_exec
    command: "$BB umount*"
    decision: allow
  - action: shell_exec
    command: "$BB chroot*"
    decision: allow
  - action: shell_exec
    command: "$BB rm*"
    decision: allow
  - action: shell_exec
    command: "$BB insmod*"
    decision: allow
  - action: file_read
    path: "$BB"
    decision: allow
  - action: file_read
    path: "$S/data/**"
    decision: allow
  - action: file_write
    path: "/sys/**"
    decision: allow
  - action: file_read
    path: "/lib/modules/**"
    decision: allow
EOP
)
log=$WORK/sp.log
e() { run "$pol" "$log" "$ESCAPE" "$@"; }
protected() { # NAME OP: a record of the refusal, with its op, rule "protected" and a reason
	audit "$1: audit" "$log" '"action":"protect"' "\"op\":\"$2\"" '"decision":"DENY"' '"rule":"protected"'
}

"$BB" sleep 60 &
outside=$!

expect "bpf() refused" EPERM e bpf
protected "bpf() refused" bpf
expect "bpf() unconfined unaffected" ok "$ESCAPE" bpf
expect "ptrace of a task outside refused" EPERM e ptrace "$outside"
protected "ptrace refused" ptrace
expect "process_vm_readv of a task outside refused" EPERM e vm-read "$outside"
expect "signal to a task outside refused" EPERM e kill "$outside" 9
kill -0 "$outside" 2>/dev/null && pass "signalled task still alive" || fail "signalled task still alive" "gone"
audit "signal: audit names the target" "$log" '"op":"signal"' "\"command\":\"pid $outside signal 9\""
expect "signal to init refused" EPERM e kill 1 0
expect "moving into the root cgroup refused (cgroup.procs)" EPERM run "$pol" "$log" "$PROBE" open-write /sys/fs/cgroup/cgroup.procs
protected "cgroup.procs refused" cgroup_write
expect "clone3(CLONE_INTO_CGROUP) refused" EPERM e clone-into /sys/fs/cgroup
protected "clone into cgroup refused" clone_into_cgroup
expect "clone(CLONE_NEWNS) refused" EPERM e clone-newns
expect "unshare(CLONE_NEWUSER) refused" EPERM e unshare-user
protected "namespaces refused" namespace
expect "raw socket refused" EPERM e raw-socket
expect "packet socket refused" EPERM e packet-socket
protected "raw sockets refused" raw_socket
expect "raw socket unconfined unaffected" ok "$ESCAPE" raw-socket
expect "io_uring SQPOLL refused" EPERM e uring-sqpoll
protected "io_uring SQPOLL refused" io_uring
expect "io_uring open decided like open(): allowed" ok e uring-open "$S/data/a"
expect "io_uring open decided like open(): denied" EPERM e uring-open "$S/secret/k"
audit "io_uring open: audit" "$log" '"action":"file_read"' '"decision":"DENY"' "\"path\":\"$S/secret/k\""
expect "io_uring connect decided like connect(): denied" EPERM e uring-connect 127.0.0.1 9
expect "memfd executable refused" EPERM e memfd-exec "$BB"
protected "memfd exec refused" anon_exec
expect "memfd executable unconfined unaffected" ok "$ESCAPE" memfd-exec "$BB"
expect "execveat(AT_EMPTY_PATH) judged as the file: allowed" ok e fd-exec "$BB" true
expect "execveat(AT_EMPTY_PATH) judged as the file: denied" EPERM e fd-exec "$BB" false
# busybox mount words EPERM as "permission denied (are you root?)": check the effect.
run "$pol" "$log" "$BB" mount -t tmpfs tmpfs "$S/m" 2>/dev/null
grep -q " $S/m " /proc/mounts && fail "mount refused" "mounted" || pass "mount refused"
protected "mount refused" mount
mount -t tmpfs tmpfs "$S/m"
expect_errno "umount refused" EPERM run "$pol" "$log" "$BB" umount "$S/m"
grep -q " $S/m " /proc/mounts && pass "umount refused: still mounted" || fail "umount refused: still mounted" "gone"
umount "$S/m"
expect_errno "chroot refused" EPERM run "$pol" "$log" "$BB" chroot / "$BB" true
protected "chroot refused" chroot
mod=$(ls /lib/modules/agvm/*.ko 2>/dev/null | head -n 1)
if [ -n "$mod" ]; then
	modname=$(basename "$mod" .ko | tr - _)
	grep -q "^$modname " /proc/modules && mod_was=yes || mod_was=no
	expect_errno "kernel module load refused" EPERM run "$pol" "$log" "$BB" insmod "$mod"
	# CAP_SYS_MODULE is refused first (finit_module asks for it before reading the file).
	audit "kernel module refused: audit" "$log" '"action":"protect"' '"op":"capability"' '"command":"cap 16"' '"decision":"DENY"' '"rule":"protected"'
	if [ "$mod_was" = no ]; then
		grep -q "^$modname " /proc/modules && fail "kernel module refused: not loaded" "in /proc/modules" || pass "kernel module refused: not loaded"
	fi
fi
expect_errno "removing agentgate's pins refused" EPERM run "$pol" "$log" "$BB" rm -f /sys/fs/bpf/agentgate/link_bpf
[ -e /sys/fs/bpf/agentgate/link_bpf ] && pass "pins intact" || fail "pins intact" "link_bpf gone"
protected "pins refused" agentgate_file
# The run's own files (policy, audit log, keys) stay off limits whatever the policy allows.
open_pol=$(open_policy sp-open)
olog=$WORK/sp-open.log
expect "exec: its policy file refused" EPERM run "$open_pol" "$olog" "$PROBE" open-write "$open_pol"
expect "exec: its audit log refused" EPERM run "$open_pol" "$olog" "$PROBE" open-write "$olog"
expect "exec: the signing key refused" EPERM run "$open_pol" "$olog" "$PROBE" open-read /var/lib/agentgate/keys/audit.key
expect "exec: other files follow the policy" ok run "$open_pol" "$olog" "$PROBE" open-read "$S/secret/k"
audit "exec: refusal recorded" "$olog" '"op":"agentgate_file"' '"path":"/var/lib/agentgate/keys/audit.key"'
# Nor can the directories above them be renamed: the keys' parent moved away, the next
# start would make a new pair in a directory the agent made (the marks held the entry
# and its parent only).
ATTACK=$(command -v attack)
mv_pol=$(open_policy sp-mv "$ATTACK")
expect "exec: the keys' parent directory cannot be renamed" EPERM run "$mv_pol" "$olog" "$ATTACK" rename /var/lib/agentgate /var/lib/agentgate.moved
expect "exec: nor the directory of its policy and log" EPERM run "$mv_pol" "$olog" "$ATTACK" rename "$WORK" "$WORK.moved"
[ -f /var/lib/agentgate/keys/audit.key ] && [ -f "$olog" ] && pass "exec: its files are where they were" || fail "exec: its files are where they were" "$(ls /var/lib/agentgate "$WORK" 2>&1)"
mkdir -p "$S/mv-free"
expect "exec: other directories' renames follow the policy" ok run "$mv_pol" "$olog" "$ATTACK" rename "$S/mv-free" "$S/mv-free2"
mkdir -p "$WORK/pdir"
cp "$open_pol" "$WORK/pdir/p.yaml"
expect "exec: a run with its policy in a directory of its own" ok run "$WORK/pdir/p.yaml" "$WORK/sp-pdir.log" "$PROBE" open-read "$S/secret/k"
expect "exec: the directories above its files are released when the run ends" ok run "$mv_pol" "$olog" "$ATTACK" rename "$WORK/pdir" "$WORK/pdir2"
expect "exec: its files are released when the run ends" ok run "$open_pol" "$WORK/sp-open2.log" "$PROBE" open-write "$olog"
# A policy reached through symbolic links: the links and the directories above them are
# marked too, so the agent cannot point the path at a policy of its own for the next run.
mkdir -p "$WORK/lreal" "$S/lnk"
cp "$mv_pol" "$WORK/lreal/p.yaml"
ln -sfn "$WORK/lreal" "$S/ldir"
ln -sfn "$S/ldir/p.yaml" "$S/lnk/p.yaml"
echo x >"$S/lnk/evil"
lrun() { run "$S/lnk/p.yaml" "$WORK/sp-lnk.log" "$ATTACK" "$@"; }
expect "exec: the link its policy path names cannot be replaced" EPERM lrun rename "$S/lnk/evil" "$S/lnk/p.yaml"
expect "exec: nor the directory holding that link renamed" EPERM lrun rename "$S/lnk" "$S/lnk.moved"
expect "exec: nor a linked directory on the way" EPERM lrun rename "$S/ldir" "$S/ldir.moved"
expect "exec: nor the file at the end of the links" EPERM lrun rename "$S/lnk/evil" "$WORK/lreal/p.yaml"
expect "exec: the links are released when the run ends" ok run "$mv_pol" "$olog" "$ATTACK" rename "$S/lnk/evil" "$S/lnk/p.yaml"
# Marks are taken back by the inodes they were put on: a policy's directory moved during
# the run (from outside) is not left marked where it went.
mkdir -p "$WORK/mvd"
sleep_pol=$(open_policy sp-sleep "$BB")
cp "$sleep_pol" "$WORK/mvd/p.yaml"
"$AGENTGATE" exec --policy "$WORK/mvd/p.yaml" --audit-log "$WORK/sp-mvd.log" -- "$BB" sleep 3 &
mvd_run=$!
wait_running "$mvd_run"
mv "$WORK/mvd" "$WORK/mvd.out"
wait "$mvd_run" && pass "exec: a run whose policy moved ends well" || fail "exec: a run whose policy moved ends well" "status $?"
expect "exec: the directory its policy moved to is not left marked" ok run "$mv_pol" "$olog" "$ATTACK" rename "$WORK/mvd.out" "$WORK/mvd.back"
expect "exec: nor the policy itself" ok run "$open_pol" "$WORK/sp-open3.log" "$PROBE" open-write "$WORK/mvd.back/p.yaml"
check "the log of all this verifies" "$AGENTGATE" audit verify "$log"

kill "$outside" 2>/dev/null
wait "$outside" 2>/dev/null || true # its status is the SIGTERM's, not this test's
