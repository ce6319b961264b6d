#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# mkinitramfs.sh OUT.cpio.gz GUEST_SCRIPT [HOST_FILE:GUEST_PATH ...]
# Builds a busybox initramfs whose /init prepares a small Linux (proc, sys, dev, cgroup2,
# bpffs, securityfs, tracefs, lo with IPv4 and IPv6), runs GUEST_SCRIPT with /bin/sh, prints
# "AGVM-EXIT <code>" on the console and powers off.
# HOST_FILE may be a file or a directory; a GUEST_PATH ending in / is a directory to copy
# into. ELF executables are copied with the shared libraries and loader ldd names for them.
# AGVM_MODULES=DIR (optional): DIR/*.ko are loaded in the order of DIR/order at boot.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 OUT.cpio.gz GUEST_SCRIPT [HOST_FILE:GUEST_PATH ...]" >&2; exit 2; }
out=$1
script=$2
shift 2
busybox=$(command -v busybox) || { echo "mkinitramfs: busybox not found (apt-get install busybox-static)" >&2; exit 1; }
# A dynamically linked busybox would need its libc too: insist on the static one.
if ldd "$busybox" >/dev/null 2>&1; then
	echo "mkinitramfs: $busybox is dynamically linked; install busybox-static" >&2
	exit 1
fi

root=$(mktemp -d "${out%/*}/.initramfs.XXXXXX" 2>/dev/null || mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root" # mktemp made it 0700: it becomes the guest's /

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc,proc,sys,dev,run,tmp,var/tmp,root,home/agent,mnt,agvm,ag/bin}
chmod 1777 "$root/tmp" "$root/var/tmp"
cp "$busybox" "$root/bin/busybox"
# Every applet at its usual path, so "#!/usr/bin/env sh" and friends resolve.
for a in $("$busybox" --list-full); do
	[ -e "$root/$a" ] || ln -s /bin/busybox "$root/$a"
done

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
agent:x:1000:1000:agent:/home/agent:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
agent:x:1000:
nogroup:x:65534:
EOF
cat >"$root/etc/hosts" <<'EOF'
127.0.0.1	localhost agvm
::1	localhost ip6-localhost ip6-loopback
EOF
echo agvm >"$root/etc/hostname"
# The kernel opens /dev/console for init before devtmpfs exists (needs root; /init
# reopens it after mounting devtmpfs anyway).
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true

is_elf() { [ -f "$1" ] && [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = "177ELF" ]; }

# Shared libraries and the loader, at the paths ldd resolves them to on this host.
copy_libs() {
	local lib
	for lib in $(ldd "$1" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (0x.*/\1/p'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root${lib%/*}"
		cp -L "$lib" "$root$lib"
	done
}

copy_in() {
	local src=$1 dst=$2 f
	case $dst in */) dst=$dst${src##*/} ;; esac
	mkdir -p "$root$(dirname "$dst")"
	if [ -d "$src" ]; then
		mkdir -p "$root$dst"
		cp -a "$src/." "$root$dst/"
	else
		cp -L "$src" "$root$dst"
	fi
	while IFS= read -r -d '' f; do
		is_elf "$f" && copy_libs "$f"
	done < <(find "$root$dst" -type f -perm -u+x -print0)
	return 0
}

cp "$script" "$root/agvm/guest.sh"
for spec in "$@"; do
	src=${spec%%:*}
	dst=${spec#*:}
	[ "$src" != "$spec" ] && [ -n "$dst" ] || { echo "mkinitramfs: want HOST_FILE:GUEST_PATH, got '$spec'" >&2; exit 2; }
	[ -e "$src" ] || { echo "mkinitramfs: $src: not found" >&2; exit 1; }
	copy_in "$src" "$dst"
done
if [ -n "${AGVM_MODULES:-}" ]; then
	mkdir -p "$root/lib/modules/agvm"
	cp "$AGVM_MODULES"/* "$root/lib/modules/agvm/"
fi

cat >"$root/init" <<'EOF'
#!/bin/sh
# agvm init: mount what agentgate and its tests use, run /agvm/guest.sh, report, power off.
export PATH=/ag/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=755 tmpfs /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t bpf bpffs /sys/fs/bpf
mount -t securityfs securityfs /sys/kernel/security
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
if [ -f /lib/modules/agvm/order ]; then
	for m in $(cat /lib/modules/agvm/order); do
		insmod "/lib/modules/agvm/$m" || echo "agvm: insmod $m failed"
	done
fi
chown 1000:1000 /home/agent
hostname -F /etc/hostname
ip link set lo up
# IPv6 on lo comes up with the link unless the kernel disabled it.
echo 0 >/proc/sys/net/ipv6/conf/lo/disable_ipv6 2>/dev/null
# The first TCP and UDP hashing flips one-time static keys (net_get_random_once), which
# patches kernel text; under TCG another vCPU can then run the patch site's int3 and panic
# ("Oops: int3" in inet_ehashfn, seen even with nothing else running: the connect's own
# loopback softirq). run.sh boots with maxcpus=1: flip them on one CPU, then bring the
# others up.
nc -l -p 9 127.0.0.1 >/dev/null 2>&1 &
sleep 0.2
echo | nc 127.0.0.1 9 >/dev/null 2>&1
echo | nc -u -w 1 127.0.0.1 9 >/dev/null 2>&1
nc -l -p 9 ::1 >/dev/null 2>&1 &
sleep 0.2
echo | nc ::1 9 >/dev/null 2>&1
kill %1 %2 2>/dev/null
for c in /sys/devices/system/cpu/cpu[0-9]*/online; do
	[ -e "$c" ] || continue # one CPU, or none that can go offline
	[ "$(cat "$c")" = 1 ] || echo 1 >"$c" || echo "agvm: $c: cannot bring the CPU up"
done
cd /root
echo # a fresh line: firmware escape codes stay off the first result
sh /agvm/guest.sh
rc=$?
cd /
sync
echo "AGVM-EXIT $rc"
poweroff -f
EOF
chmod 755 "$root/init" "$root/agvm/guest.sh"

mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) |
	gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
