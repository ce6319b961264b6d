#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# file_read / file_write decided by the kernel on the resolved path and the open mode.
. "$(dirname "$0")/kernel.sh"

mkdir -p /srv/data /srv/out/locked /srv/secret
echo data >/srv/data/a.txt
echo secret >/srv/secret/key
echo locked >/srv/out/locked/l.txt
ln -sf /srv/secret/key /srv/data/link-to-secret
ln -sfn /srv/secret /srv/data/dir-link

pol=$(policy files <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
  - action: file_read
    path: "/srv/data/**"
    decision: allow
  - action: file_write
    path: "/srv/out/locked/**"
    decision: deny
    reason: "locked outputs"
  - action: file_write
    path: "/srv/out/**"
    decision: allow
  - action: file_read
    path: "/srv/out/**"
    decision: allow
EOP
)
log=$WORK/files.log

expect "file_read allowed" ok run "$pol" "$log" "$PROBE" open-read /srv/data/a.txt
audit "file_read allowed: audit" "$log" '"action":"file_read"' '"decision":"ALLOW"' '"path":"/srv/data/a.txt"'
expect "file_read denied" EPERM run "$pol" "$log" "$PROBE" open-read /srv/secret/key
audit "file_read denied: audit" "$log" '"action":"file_read"' '"decision":"DENY"' '"path":"/srv/secret/key"' '"rule":"default"'
expect "file_read through a symlink judged on the target" EPERM run "$pol" "$log" "$PROBE" open-read /srv/data/link-to-secret
expect "file_read with .. judged on the resolved path" EPERM run "$pol" "$log" "$PROBE" open-read /srv/data/../secret/key
expect "file_write allowed" ok run "$pol" "$log" "$PROBE" open-write /srv/out/new.txt
audit "file_write allowed: audit" "$log" '"action":"file_write"' '"decision":"ALLOW"' '"path":"/srv/out/new.txt"'
expect "file_write denied by rule" EPERM run "$pol" "$log" "$PROBE" open-write /srv/out/locked/l.txt
audit "file_write denied: audit names the rule" "$log" '"action":"file_write"' '"decision":"DENY"' '"path":"/srv/out/locked/l.txt"' '"reason":"locked outputs"'
expect "file_write denied by default" EPERM run "$pol" "$log" "$PROBE" open-write /srv/data/a.txt
expect "read-write needs both: write missing" EPERM run "$pol" "$log" "$PROBE" open-rw /srv/data/a.txt
expect "read-write needs both: both allowed" ok run "$pol" "$log" "$PROBE" open-rw /srv/out/new.txt
expect "O_CREAT counts as a write" EPERM run "$pol" "$log" "$PROBE" open-write /srv/data/created.txt
[ ! -e /srv/data/created.txt ] && pass "denied O_CREAT created nothing" || fail "denied O_CREAT created nothing" "/srv/data/created.txt exists"
[ "$(cat /srv/out/locked/l.txt)" = locked ] && pass "denied write left the file intact" || fail "denied write left the file intact" "content changed"
expect "a symlinked parent directory judged on its target" EPERM run "$pol" "$log" "$PROBE" open-read /srv/data/dir-link/key
expect "O_PATH descriptor reopened through /proc/self/fd judged on the file" EPERM run "$pol" "$log" "$PROBE" reopen /srv/secret/key
expect "O_PATH reopen of an allowed file allowed" ok run "$pol" "$log" "$PROBE" reopen /srv/data/a.txt
expect "openat with a directory fd judged on the resolved path" EPERM run "$pol" "$log" "$PROBE" openat /srv/secret key
expect "openat2 with a directory fd judged on the resolved path" EPERM run "$pol" "$log" "$PROBE" openat2 /srv/secret key
expect "openat with .. from an allowed directory judged on the result" EPERM run "$pol" "$log" "$PROBE" openat /srv/data ../secret/key
expect "openat of an allowed file allowed" ok run "$pol" "$log" "$PROBE" openat /srv/data a.txt
expect "unconfined process unaffected" ok "$PROBE" open-read /srv/secret/key
