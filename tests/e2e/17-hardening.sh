#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The second hardening round's holes, each tried as the attack (tests/e2e/attack.c):
# pinned BPF objects read through bpffs, a UDP datagram to an address given with family
# AF_UNSPEC, 0.0.0.0 / :: reaching loopback past a loopback deny, source routes, the
# capabilities a confined root agent must not use (network admin, the clock), SIGIO as a
# signal to a task outside. (BPF descriptors leaking into the command: 95-pins.sh.)
. "$(dirname "$0")/kernel.sh"

ATTACK=$(command -v attack)
pol=$(policy hard <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
  - action: shell_exec
    command: "$ATTACK *"
    decision: allow
  - action: file_read
    path: "/**"
    decision: allow
  - action: network
    cidr: "127.0.0.0/8"
    decision: deny
    reason: "no local services"
  - action: network
    cidr: "::1/128"
    decision: deny
    reason: "no local services"
  - action: network
    cidr: "0.0.0.0/0"
    decision: allow
  - action: network
    cidr: "::/0"
    decision: allow
EOP
)
log=$WORK/hard.log
a() { run "$pol" "$log" "$ATTACK" "$@"; }

# UDP sendto with family AF_UNSPEC: udp_sendmsg sends to sin_addr as for AF_INET.
busybox nc -u -l -p 9917 >"$WORK/udp.out" 2>/dev/null &
l1=$!
sleep 0.3
expect "AF_UNSPEC sendto judged as AF_INET (127.0.0.1 denied)" EPERM a udp-unspec 127.0.0.1 9917
audit "AF_UNSPEC sendto recorded with its address" "$log" '"ip":"127.0.0.1"' '"port":9917' '"decision":"DENY"' '"reason":"no local services"'
expect "AF_UNSPEC sendto unconfined unaffected" ok "$ATTACK" udp-unspec 127.0.0.1 9917
kill $l1 2>/dev/null

# 0.0.0.0 and :: are this host's loopback.
busybox nc -l -p 9918 >/dev/null 2>&1 &
l2=$!
sleep 0.3
expect "connect to 0.0.0.0 judged as 127.0.0.1" EPERM a connect-any 9918
audit "0.0.0.0 recorded as the loopback it reaches" "$log" '"ip":"127.0.0.1"' '"port":9918' '"decision":"DENY"' '"reason":"no local services"'
expect "connect to :: judged as ::1" EPERM a connect-any6 9918
expect "connect to 0.0.0.0 unconfined unaffected" ok "$ATTACK" connect-any 9918
kill $l2 2>/dev/null
wait 2>/dev/null

# Pinned maps: readable by policy ("/**"), refused as agentgate's own files.
# (The runs above loaded the programs: the pins exist.)
pin=/sys/fs/bpf/agentgate/learned
expect "bpffs: a pinned map is not readable" EPERM a read "$pin"
audit "bpffs: the refusal is recorded" "$log" '"op":"agentgate_file"' "\"path\":\"$pin\"" '"decision":"DENY"'

# Source routing: an allowed first hop to anywhere.
expect "IP_OPTIONS with a loose source route refused" EPERM a src-route 127.0.0.1
audit "source route recorded" "$log" '"op":"source_route"' '"decision":"DENY"'
expect "IPv6 routing header refused" EPERM a src-route6
expect "IP_OPTIONS unconfined unaffected" ok "$ATTACK" src-route 127.0.0.1
# The same as sendmsg ancillary data (IP_RETOPTS), to an address the policy allows.
expect "IP_RETOPTS cmsg with a source route refused" EPERM run "$pol" "$WORK/cmsg.log" "$ATTACK" src-route-cmsg 192.0.2.1 9
audit "IP_RETOPTS cmsg: recorded as a source route" "$WORK/cmsg.log" '"op":"source_route"' '"decision":"DENY"'

# Sockets whose peers no rule can judge: vsock, TIPC, SCTP (connectx bypasses connect); and
# inet protocols the hooks do not read as TCP, UDP or ICMP: L2TP over IP has no port, so its
# bind to every address looked like a client's (port 0), and DCCP.
for k in vsock tipc sctp sctp-seq l2tp dccp; do
	expect "socket $k refused" EPERM a socket "$k"
done
audit "socket family refusal recorded" "$log" '"op":"socket_family"' '"decision":"DENY"'
expect "unix SOCK_SEQPACKET still allowed" ok a socket unix-seq
expect "UDP-Lite still allowed (judged as UDP is)" ok a socket udplite

# Capabilities of a confined root agent.
expect "CAP_NET_ADMIN (an interface ioctl) refused" EPERM a net-admin
audit "capability refusal recorded" "$log" '"op":"capability"' '"command":"cap 12"' '"decision":"DENY"'
expect "CAP_SYS_TIME (setting the clock) refused" EPERM a set-time
expect "CAP_NET_ADMIN unconfined unaffected" ok "$ATTACK" net-admin

# SIGIO with SIGKILL at a task outside.
sleep 30 &
victim=$!
expect "SIGIO cannot kill a task outside" EPERM a sigio "$victim"
kill -0 "$victim" 2>/dev/null && pass "the outside task lives" || fail "the outside task lives" "killed"
audit "SIGIO owner refusal recorded as a signal" "$log" '"op":"signal"' "\"command\":\"pid $victim\"" '"decision":"DENY"'
expect "SIGIO unconfined still works" ok "$ATTACK" sigio "$victim"

# SIGIO raised by a writer outside: the owner the agent set would be judged against that
# writer, an unconfined sender. Naming another owner is refused at F_SETOWN.
sleep 30 &
victim=$!
mkfifo "$WORK/sigio.fifo"
(sleep 0.5; timeout 5 sh -c "echo x >'$WORK/sigio.fifo'") &
writer=$!
expect "SIGIO raised by an outside writer cannot kill a task outside" EPERM a sigio-fifo "$WORK/sigio.fifo" "$victim"
wait "$writer" 2>/dev/null
kill -0 "$victim" 2>/dev/null && pass "the outside task lives past the outside write" || fail "the outside task lives past the outside write" "killed"
for how in fcntl ex-pid ex-tid fiosetown siocspgrp; do
	expect "owner by $how: a task outside refused" EPERM a owner "$how" "$victim"
done
# The kernel reads F_SETOWN_EX's struct and the ioctls' int again after the hook, so a
# second thread could swap a foreign owner in: refused whatever they name. F_SETOWN's
# pid is passed by value: itself is allowed.
expect "owner by fcntl: itself allowed" ok a owner fcntl self
for how in ex-pid ex-tid fiosetown siocspgrp; do
	expect "owner by $how: even itself refused (read twice by the kernel)" EPERM a owner "$how" self
done
expect "owner F_OWNER_PGRP refused" EPERM a owner ex-pgrp "$victim"
expect "owner by F_SETOWN's negative pid (a process group) refused" EPERM a owner fcntl "-$victim"
audit "a process group owner recorded" "$log" '"op":"signal"' '"command":"pgrp ' '"decision":"DENY"'
expect "owner 0 (none) allowed" ok a owner fcntl 0
expect "owner of a task outside unconfined unaffected" ok "$ATTACK" owner fcntl "$victim"
kill "$victim" 2>/dev/null

# A path longer than the kernel's 4096-byte d_path buffer (reached from a working directory
# inside it): oversized, denied, and its record carries no byte of an earlier decision's path,
# which the buffer still held (this CPU's last one: a file name of 200 Ms).
marker=/srv/h17/$(printf 'M%.0s' $(seq 200))
mkdir -p /srv/h17
echo m >"$marker"
name=$(printf 'd%.0s' $(seq 250))
expect "a deep tree made unconfined" ok "$ATTACK" deep make /srv/h17 "$name" 18 f
expect "a file under a long name read (fills the buffer)" ok taskset 1 "$AGENTGATE" exec --policy "$pol" --audit-log "$log" -- "$ATTACK" read "$marker"
expect "a path over 4096 bytes denied as oversized" EPERM taskset 1 "$AGENTGATE" exec --policy "$pol" --audit-log "$log" -- "$ATTACK" deep read /srv/h17 "$name" 18 f
audit "oversized path: recorded with an empty path" "$log" '"rule":"oversized"' '"path":""' '"flags":"truncated"'
no_audit "oversized path: no earlier path's bytes in its record" "$log" '"rule":"oversized"' 'MMMMMMMM'
rm -rf "/srv/h17/$name"

# Detached mounts: under a deny-list policy, a clone of the denied tree (open_tree
# OPEN_TREE_CLONE) shows /srv/h17/secret/key as /key, which no rule denies.
mkdir -p /srv/h17/secret
echo key >/srv/h17/secret/key
pol_dl=$(policy hard-denylist <<EOP
version: "1.0"
default: allow
rules:
  - action: file_read
    path: "/srv/h17/secret/**"
    decision: deny
    reason: "secrets"
  - action: file_write
    path: "/srv/h17/secret/**"
    decision: deny
    reason: "secrets"
EOP
)
log_dl=$WORK/hard-denylist.log
d() { run "$pol_dl" "$log_dl" "$ATTACK" "$@"; }
expect "deny-list: the secret by its path is denied" EPERM d read /srv/h17/secret/key
expect "detached clone of a denied tree: reading through it refused" EPERM d open-tree /srv/h17/secret key
# open_tree(OPEN_TREE_CLONE) is the mount API's (CAP_SYS_ADMIN within it is refused): the
# clone is never made. Files of other mount namespaces are still refused as detached_mount.
audit "detached clone: the refusal is recorded" "$log_dl" '"op":"mount"' '"command":"syscall 428"' '"decision":"DENY"'
expect "detached clone: unlinking through it refused" EPERM d open-tree-unlink /srv/h17/secret key
[ -f /srv/h17/secret/key ] && pass "detached clone: the file is still there" || fail "detached clone: the file is still there" "removed"
expect "detached clone unconfined still works" ok "$ATTACK" open-tree /srv/h17/secret key
# POSIX ACLs: 6.2+ sets them through inode_set_acl, not inode_setxattr.
expect "POSIX ACL on a write-denied file refused" EPERM d acl /srv/h17/secret/key
audit "POSIX ACL: recorded as a write" "$log_dl" '"path":"/srv/h17/secret/key"' '"action":"file_write"' '"decision":"DENY"' '"reason":"secrets"'
expect "POSIX ACL unconfined still works" ok "$ATTACK" acl /srv/h17/secret/key
# Watches open nothing: inotify or fanotify on a read-denied file tells when it is used.
expect "inotify watch on a read-denied file refused" EPERM d watch inotify /srv/h17/secret/key
audit "inotify watch: recorded as a read with its rule" "$log_dl" '"path":"/srv/h17/secret/key"' '"action":"file_read"' '"decision":"DENY"' '"reason":"secrets"'
expect "fanotify mark on a read-denied file refused" EPERM d watch fan-inode /srv/h17/secret/key
expect "inotify watch on a readable file allowed" ok d watch inotify /etc/hostname
# A mark on a whole mount or filesystem sees every file whatever its path; a permission
# event holds other tasks' opens (those outside too) until the agent answers.
expect "fanotify mark of a whole mount refused" EPERM d watch fan-mount /
audit "mount mark: recorded as op watch" "$log_dl" '"op":"watch"' '"path":"/"' '"decision":"DENY"'
expect "fanotify mark of a whole filesystem refused" EPERM d watch fan-fs /
expect "fanotify permission event on a readable file refused" EPERM d watch fan-perm /etc/hostname
expect "inotify watch unconfined unaffected" ok "$ATTACK" watch inotify /srv/h17/secret/key
expect "fanotify mount mark unconfined unaffected" ok "$ATTACK" watch fan-mount /
# Kernel-internal mounts are not detached ones: a pipe reopened through /proc/self/fd.
expect "a pipe reopened through /proc/self/fd still reads" x run "$pol_dl" "$log_dl" sh -c 'echo x | cat /proc/self/fd/0'

# Inbound: listening, or a UDP bind to a port, is judged by listen rules: loopback needs
# none; any other address one that allows it (none here: the default-deny policy above).
expect "listen on 0.0.0.0 without a listen rule refused" EPERM a listen 0.0.0.0 9931
audit "listen refusal recorded with its address" "$log" '"action":"listen"' '"ip":"0.0.0.0"' '"port":9931' '"decision":"DENY"'
expect "listen on :: refused" EPERM a listen :: 9932
expect "UDP bind to 0.0.0.0:PORT refused" EPERM a udp-bind 0.0.0.0 9933
expect "listen on loopback allowed" ok a listen 127.0.0.1 9934
expect "UDP bind to port 0 (a client's) allowed" ok a udp-bind 0.0.0.0 0
expect "even default: allow does not open listening" EPERM d listen 0.0.0.0 9935
pol_ls=$(policy hard-listen <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
  - action: shell_exec
    command: "$ATTACK *"
    decision: allow
  - action: listen
    cidr: 0.0.0.0/0
    port: 9936
    decision: allow
    reason: "the agent's web hook"
EOP
)
expect "a listen rule opens its port" ok run "$pol_ls" "$WORK/listen.log" "$ATTACK" listen 0.0.0.0 9936
audit "the allowed listen recorded with its reason" "$WORK/listen.log" '"action":"listen"' '"port":9936' '"decision":"ALLOW"' '"reason":"the agent'"'"'s web hook"'
expect "and only its port" EPERM run "$pol_ls" "$WORK/listen.log" "$ATTACK" listen 0.0.0.0 9937
expect "listen unconfined unaffected" ok "$ATTACK" listen 0.0.0.0 9938

# Renames and links move what is beneath a name: a denied subtree must not come out under
# an allowed name (deny-list policies: default allow, a few denies).
mkdir -p /srv/h17/out/locked /srv/h17/out/open /srv/h17/mv
echo orig >/srv/h17/out/locked/f
echo secret >/srv/h17/mv/secret
pol_mv=$(policy hard-move <<EOP
version: "1.0"
default: allow
rules:
  - action: file_write
    path: "/srv/h17/out/locked/**"
    decision: deny
    reason: "locked output"
  - action: file_read
    path: "/srv/h17/mv/secret"
    decision: deny
    reason: "a secret"
EOP
)
log_mv=$WORK/hard-move.log
m() { run "$pol_mv" "$log_mv" "$ATTACK" "$@"; }
expect "rename: a write-denied subtree cannot move under an allowed name" EPERM m rename /srv/h17/out/locked /srv/h17/out/unlocked
audit "rename: the refusal is recorded with its rule" "$log_mv" '"rule":"rename_subtree"' '"path":"/srv/h17/out/unlocked"' '"decision":"DENY"'
expect "rename: the whole attack (rename, write, rename back) fails" EPERM run "$pol_mv" "$log_mv" sh -c \
	"mv /srv/h17/out/locked /srv/h17/out/unlocked 2>/dev/null || { echo EPERM; exit 1; }; echo pwned >/srv/h17/out/unlocked/f; mv /srv/h17/out/unlocked /srv/h17/out/locked"
[ "$(cat /srv/h17/out/locked/f)" = orig ] && pass "rename: the locked file is unchanged" || fail "rename: the locked file is unchanged" "$(cat /srv/h17/out/locked/f)"
expect "rename: an allowed subtree cannot move under a denied name either" EPERM m rename /srv/h17/out/open /srv/h17/out/locked/open
expect "exchange: swapping the locked directory with an open one refused" EPERM m exchange /srv/h17/out/locked /srv/h17/out/open
expect "rename: a read-denied subtree cannot move under a readable name" EPERM d rename /srv/h17/secret /srv/h17/public
[ -f /srv/h17/secret/key ] && pass "rename: the secret directory stays where it was" || fail "rename: the secret directory stays where it was" "moved"
expect "link: a read-denied file cannot get a readable name" EPERM m link /srv/h17/mv/secret /srv/h17/mv/copy
expect "rename: a read-denied file cannot get a readable name" EPERM m rename /srv/h17/mv/secret /srv/h17/mv/copy
expect "rename: directories move freely where every rule agrees" ok m rename /srv/h17/out/open /srv/h17/out/moved
echo y >/srv/h17/out/moved/g
expect "rename: a file within allowed directories" ok m rename /srv/h17/out/moved/g /srv/h17/out/moved/h
expect "rename unconfined unaffected" ok "$ATTACK" rename /srv/h17/out/locked /srv/h17/out/locked2
"$ATTACK" rename /srv/h17/out/locked2 /srv/h17/out/locked >/dev/null
# simulate records the refusal and lets the rename happen.
sim=$WORK/hard-move-sim.yaml
{ echo "mode: simulate"; cat "$pol_mv"; } >"$sim"
expect "simulate: the rename happens" ok run "$sim" "$WORK/hard-move-sim.log" "$ATTACK" rename /srv/h17/out/locked /srv/h17/out/unlocked
audit "simulate: and is recorded as what enforce would refuse" "$WORK/hard-move-sim.log" '"rule":"rename_subtree"' '"mode":"simulate"' '"decision":"DENY"'
"$ATTACK" rename /srv/h17/out/unlocked /srv/h17/out/locked >/dev/null

# chattr (FS_IOC_SETFLAGS) changes a file as chmod does: a write of it.
expect "chattr on a write-denied file refused" EPERM m chattr /srv/h17/out/locked/f
audit "chattr: recorded as a write with its rule" "$log_mv" '"path":"/srv/h17/out/locked/f"' '"action":"file_write"' '"decision":"DENY"' '"reason":"locked output"'
# A 32-bit agent's ioctls are compat ioctls: file_ioctl_compat, not file_ioctl, sees them.
IOCTL32=$(command -v ioctl32)
expect "32-bit chattr on a write-denied file refused" EPERM run "$pol_mv" "$log_mv" "$IOCTL32" chattr /srv/h17/out/locked/f
audit "32-bit chattr: recorded as a write with its rule" "$log_mv" '"comm":"ioctl32"' '"path":"/srv/h17/out/locked/f"' '"action":"file_write"' '"decision":"DENY"'
expect "32-bit FIOSETOWN of a task outside (init) refused" EPERM run "$pol_mv" "$log_mv" "$IOCTL32" owner 1
expect "32-bit chattr unconfined unaffected" ok "$IOCTL32" chattr /srv/h17/out/locked/f

# The actor's executable is what the kernel saw, not what /proc/PID/exe shows when the
# record is written: a task that reads, then execs another program at once, is not named
# as that program.
bb=$(readlink -f /bin/busybox)
run "$pol_mv" "$WORK/exe.log" "$ATTACK" read-exec /srv/h17/mv/secret "$bb" sleep 2 >/dev/null 2>&1
if [ -z "$(matching "$WORK/exe.log" '"path":"/srv/h17/mv/secret"')" ]; then
	fail "exe: the read is recorded" "no record in $WORK/exe.log"
elif [ -n "$(matching "$WORK/exe.log" '"path":"/srv/h17/mv/secret"' "\"exe\":\"$bb\"")" ]; then
	fail "exe: a task that exec'd since is not named as its new program" "$(matching "$WORK/exe.log" '"path":"/srv/h17/mv/secret"')"
else
	pass "exe: a task that exec'd since is not named as its new program"
fi

# Device nodes: a disk made at a writable path would be read and written by that name,
# whatever the rules of the files on it. CAP_MKNOD is refused (FIFOs need none).
expect "mknod of a block device refused" EPERM m mknod /srv/h17/mv/disk
audit "mknod: recorded as the capability" "$log_mv" '"op":"capability"' '"command":"cap 27"' '"decision":"DENY"'
expect "mknod unconfined unaffected" ok "$ATTACK" mknod /srv/h17/mv/disk
rm -f /srv/h17/mv/disk
# IPV6_2292PKTOPTIONS sets sticky options from ancillary data, a routing header among them.
expect "IPV6_2292PKTOPTIONS refused" EPERM run "$pol" "$WORK/pkt.log" "$ATTACK" pktoptions6
audit "IPV6_2292PKTOPTIONS: recorded as a source route" "$WORK/pkt.log" '"op":"source_route"' '"decision":"DENY"'
# A script whose interpreter is a memfd ("#!/proc/self/fd/3") runs what no rule can name.
expect "a memfd as a script's interpreter refused" EPERM m memfd-interp /srv/h17/mv/s.sh
audit "memfd interpreter: recorded as anon_exec" "$log_mv" '"op":"anon_exec"' '"path":"/memfd:interp (deleted)"' '"decision":"DENY"'
expect "a memfd interpreter unconfined unaffected" ok "$ATTACK" memfd-interp /srv/h17/mv/s.sh
# A deleted file reopened through /proc/self/fd: d_path says "PATH (deleted)", which the
# rule for PATH would not match; it is judged by PATH.
expect "a read-denied file, deleted, reopened through /proc/self/fd refused" EPERM m reopen-deleted /srv/h17/mv/secret
audit "deleted reopen: recorded with the path it had" "$log_mv" '"path":"/srv/h17/mv/secret"' '"action":"file_read"' '"decision":"DENY"' '"reason":"a secret"'
echo secret >/srv/h17/mv/secret
expect "deleted reopen unconfined unaffected" ok "$ATTACK" reopen-deleted /srv/h17/mv/secret
# The mount API changes mounts without the mount hooks: mount_setattr (read-only, noexec),
# fspick + fsconfig (a mounted filesystem reconfigured). Each checks CAP_SYS_ADMIN first.
mkdir -p /srv/h17/mnt
mount -t tmpfs h17 /srv/h17/mnt
expect "mount_setattr refused" EPERM m mount-setattr /srv/h17/mnt
audit "mount_setattr: recorded as a mount" "$log_mv" '"op":"mount"' '"command":"syscall 442"' '"decision":"DENY"'
expect "fspick refused" EPERM m fspick /srv/h17/mnt
audit "fspick: recorded as a mount" "$log_mv" '"op":"mount"' '"command":"syscall 433"' '"decision":"DENY"'
expect "mount_setattr unconfined unaffected" ok "$ATTACK" mount-setattr /srv/h17/mnt
expect "fspick unconfined unaffected" ok "$ATTACK" fspick /srv/h17/mnt
umount /srv/h17/mnt
