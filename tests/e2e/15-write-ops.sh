#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Write-like operations that never open a file for writing are file_write of the paths they
# change (path_* hooks, the path rebuilt across mount points): unlink, rmdir, rename (both
# ends), link (the linked file too), symlink, mkdir, mknod, O_CREAT, truncate, chmod, chown.
. "$(dirname "$0")/kernel.sh"

BB=/bin/busybox # busybox sh resolves "busybox" to its own applet, not a path
W=/srv/w
rm -rf "$W"
mkdir -p "$W/ro/d" "$W/rw" "$W/ro/mnt" "$W/rw/mnt"
echo keep >"$W/ro/f"
echo move >"$W/rw/g"
echo a >"$W/rw/a"
# Mount points inside both trees: paths must be rebuilt across them.
mount -t tmpfs tmpfs "$W/ro/mnt"
mount -t tmpfs tmpfs "$W/rw/mnt"

pol=$(policy wops <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
  - action: shell_exec
    command: "$BB*"
    decision: allow
  - action: file_write
    path: "$W/rw/**"
    decision: allow
  - action: file_read
    path: "$W/**"
    decision: allow
  - action: file_write
    path: "$W/ro/**"
    decision: deny
    reason: "read-only tree"
EOP
)
log=$WORK/wops.log
r() { run "$pol" "$log" "$BB" "$@"; }

expect_errno "unlink denied" EPERM r rm "$W/ro/f"
[ -f "$W/ro/f" ] && pass "unlink denied: file still there" || fail "unlink denied: file still there" "gone"
audit "unlink denied: audit" "$log" '"action":"file_write"' '"decision":"DENY"' "\"path\":\"$W/ro/f\"" '"reason":"read-only tree"'
expect_errno "rmdir denied" EPERM r rmdir "$W/ro/d"
[ -d "$W/ro/d" ] && pass "rmdir denied: directory still there" || fail "rmdir denied: directory still there" "gone"
expect_errno "rename out of a read-only tree denied" EPERM r mv "$W/ro/f" "$W/rw/f"
expect_errno "rename into a read-only tree denied" EPERM r mv "$W/rw/g" "$W/ro/g"
[ -f "$W/rw/g" ] && [ ! -e "$W/ro/g" ] && pass "rename denied: nothing moved" || fail "rename denied: nothing moved" "$(ls "$W/ro" "$W/rw" | tr '\n' ' ')"
audit "rename: audit names the target" "$log" '"decision":"DENY"' "\"path\":\"$W/ro/g\""
expect_errno "hard link to a read-only file denied" EPERM r ln "$W/ro/f" "$W/rw/hard"
[ ! -e "$W/rw/hard" ] && pass "hard link denied: no link" || fail "hard link denied: no link" "exists"
expect_errno "symlink in a read-only tree denied" EPERM r ln -s /tmp/x "$W/ro/sym"
expect_errno "mkdir denied" EPERM r mkdir "$W/ro/new"
expect_errno "mknod (fifo) denied" EPERM r mknod "$W/ro/fifo" p
expect_errno "O_CREAT (touch) denied" EPERM r touch "$W/ro/created"
[ ! -e "$W/ro/created" ] && pass "O_CREAT denied: nothing created" || fail "O_CREAT denied: nothing created" "exists"
expect_errno "truncate denied" EPERM r truncate -s 0 "$W/ro/f"
[ "$(cat "$W/ro/f")" = keep ] && pass "truncate denied: content intact" || fail "truncate denied: content intact" "$(cat "$W/ro/f")"
expect_errno "chmod denied" EPERM r chmod 777 "$W/ro/f"
expect_errno "chown denied" EPERM r chown 1000 "$W/ro/f"
expect "setxattr denied" EPERM run "$pol" "$log" "$PROBE" setxattr "$W/ro/f"
audit "setxattr: audit" "$log" '"action":"file_write"' '"decision":"DENY"' "\"path\":\"$W/ro/f\""
expect "setxattr allowed" ok run "$pol" "$log" "$PROBE" setxattr "$W/rw/g"
expect_errno "utimes (touch -d) denied" EPERM r touch -d "2020-01-01 00:00:00" "$W/ro/f"
expect "setxattr off the root filesystem refused" EPERM run "$pol" "$log" "$PROBE" setxattr "$W/rw/mnt"
expect_errno "mkdir below a mount point in the read-only tree denied" EPERM r mkdir "$W/ro/mnt/sub"
audit "mount crossing: audit has the whole path" "$log" '"decision":"DENY"' "\"path\":\"$W/ro/mnt/sub\""

check "rename within the writable tree allowed" r mv "$W/rw/a" "$W/rw/b"
check "mkdir in the writable tree allowed" r mkdir "$W/rw/d2"
check "mkdir below a mount point in the writable tree allowed" r mkdir "$W/rw/mnt/sub"
check "touch in the writable tree allowed" r touch "$W/rw/t"
check "symlink in the writable tree allowed" r ln -s /tmp/x "$W/rw/sym"
check "unlink in the writable tree allowed" r rm "$W/rw/b"
audit "allowed unlink: audit" "$log" '"action":"file_write"' '"decision":"ALLOW"' "\"path\":\"$W/rw/b\""
check "unconfined unlink unaffected" rm "$W/ro/f"

umount "$W/ro/mnt" "$W/rw/mnt"
