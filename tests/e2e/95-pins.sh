#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Every program of the BPF object is attached: once `agentgate exec` has loaded the object,
# one link is pinned per program (the object's programs as libbpf's --verbose log names
# them; loader_exempt in userspace/loader/loader.c would be subtracted, it is empty), and
# the command it runs holds none of the loader's BPF fds. An adopting exec that finds a
# link missing refuses to run. Last: it removes the pins.
. "$(dirname "$0")/kernel.sh"

pins=/sys/fs/bpf/agentgate
BB=/bin/busybox
pol=$(policy pins <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
  - action: shell_exec
    command: "$BB ls*"
    decision: allow
  - action: file_read
    path: "$BB"
    decision: allow
  - action: file_read
    path: "/proc/**"
    decision: allow
EOP
)

rm -r "$pins" 2>/dev/null
[ -e "$pins" ] && fail "no pins before loading" "$(ls "$pins" 2>&1 | tr '\n' ' ')" || pass "no pins before loading"
"$AGENTGATE" exec --verbose --policy "$pol" --audit-log "$WORK/pins.log" -- "$BB" ls -l /proc/self/fd \
	>"$WORK/fds" 2>"$WORK/verbose"
rc=$?
[ "$rc" -eq 0 ] && pass "exec loads the object" || fail "exec loads the object" "exit $rc: $(grep -v '^libbpf' "$WORK/verbose" | head -c 300 | tr '\n' ' ')"
n="no BPF fds in the command of the exec that loads"
if ! grep -q ' -> ' "$WORK/fds"; then
	fail "$n" "no fd list: $(head -c 200 "$WORK/fds" | tr '\n' ' ')"
elif grep -q 'anon_inode:bpf' "$WORK/fds"; then
	fail "$n" "$(grep 'anon_inode:bpf' "$WORK/fds" | tr '\n' ' ')"
else
	pass "$n"
fi

# "libbpf: sec 'lsm/bpf': found program 'ag_bpf' ..." -> link_bpf; .text holds subprograms.
sed -n "s/^libbpf: sec '\([^']*\)': found program '\([^']*\)'.*/\1 \2/p" "$WORK/verbose" |
	grep -v '^\.text ' | sed 's/^[^ ]* \(ag_\)\{0,1\}/link_/' | sort >"$WORK/programs.all"
# Optional programs (loader_optional: POSIX ACL hooks, 6.2+) where this kernel lacks the hook.
for h in inode_set_acl inode_remove_acl; do
	grep -q "bpf_lsm_$h" /sys/kernel/btf/vmlinux || echo "link_$h"
done >"$WORK/absent"
if [ -s "$WORK/absent" ]; then
	grep -vxF -f "$WORK/absent" "$WORK/programs.all" >"$WORK/programs"
else
	cp "$WORK/programs.all" "$WORK/programs"
fi
for f in "$pins"/link_*; do [ -e "$f" ] && echo "${f##*/}"; done | sort >"$WORK/links"
np=$(wc -l <"$WORK/programs")
nl=$(wc -l <"$WORK/links")
if [ "$np" -gt 0 ] && [ "$np" -eq "$nl" ] && cmp -s "$WORK/programs" "$WORK/links"; then
	pass "a link pinned for each of the object's programs"
else
	fail "a link pinned for each of the object's programs" "$np programs, $nl links; $(diff "$WORK/programs" "$WORK/links" | grep '^[-+]link_' | tr '\n' ' ')"
fi

# A link gone (its hook unenforced): adopting fails closed.
rm "$pins/link_task_kill"
if "$AGENTGATE" exec --policy "$pol" -- "$PROBE" exit 0 >/dev/null 2>"$WORK/adopt"; then
	fail "adopting refuses a missing link" "exec ran"
elif grep -q "no link under" "$WORK/adopt"; then
	pass "adopting refuses a missing link"
else
	fail "adopting refuses a missing link" "$(head -c 300 "$WORK/adopt" | tr '\n' ' ')"
fi
rm -r "$pins"
