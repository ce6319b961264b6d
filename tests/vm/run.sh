#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# run.sh [--kernel 6.1|6.12|PATH] [--timeout SECS] [--mem MB] [--log FILE]
#        GUEST_SCRIPT [HOST_FILE:GUEST_PATH ...]
# Boots a Debian cloud kernel under qemu TCG (KVM is not available on the build machines)
# with an initramfs that runs GUEST_SCRIPT, streams the console to stdout and to a log under
# build/vm/, and exits with the guest script's exit code (124: timeout, 125: no AGVM-EXIT,
# 126: the guest kernel oopsed or panicked; the oops goes to stderr).
# AGVM_APPEND adds kernel command-line arguments; AGVM_SMP sets the vCPU count (default 2).
# AGVM_ICOUNT=N: the guest's clock counts instructions, 2^N ns each (qemu -icount; what that
# measures: BENCHMARKS.md, make bench-icount's sections).
# AGVM_CPIO: cpio archives (space-separated paths, compressed or not) appended to the
# initramfs; the kernel unpacks each over the previous ones (tests/vm/engines.sh --cpio).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
vm=${BUILD:-build}/vm
kernel=6.1
timeout=600
mem=1024
log=
usage() { sed -n '3,4s/^# //p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	-h|--help) usage ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || usage
script=$1
shift

case $kernel in
6.1|6.12) vmlinuz=$("$here/kernels.sh" "$kernel") ;;
*) vmlinuz=$kernel ;;
esac
[ -f "$vmlinuz" ] || { echo "run: no kernel at $vmlinuz" >&2; exit 2; }
rel=${vmlinuz##*/vmlinuz-}

# Drivers the tests may want that these kernels build as modules (everything else they
# need is built in): veth and bridge (with stp and llc) for container networks (Docker's
# default bridge), dummy. The 6.12 packages compress modules with xz, which busybox insmod
# cannot read: store them uncompressed. Dependencies come from the .modinfo section. The
# cache is rebuilt when this list changes.
modules="veth bridge dummy"
modsrc=$(dirname "$vmlinuz")/../lib/modules/$rel
moddir=$vm/modules/$rel
if [ -d "$modsrc" ] && [ "$(cat "$moddir/wanted" 2>/dev/null)" != "$modules" ]; then
	rm -rf "$moddir.tmp"
	mkdir -p "$moddir.tmp"
	add_mod() {
		local name=$1 f dep
		[ -e "$moddir.tmp/$name.ko" ] && return 0
		f=$(find "$modsrc" -name "$name.ko" -o -name "$name.ko.xz" | head -n 1)
		[ -n "$f" ] || return 0
		case $f in
		*.xz) xz -dc "$f" >"$moddir.tmp/$name.ko" ;;
		*) cp "$f" "$moddir.tmp/$name.ko" ;;
		esac
		for dep in $(grep -a -o 'depends=[^[:cntrl:]]*' "$moddir.tmp/$name.ko" | head -n 1 | cut -d= -f2 | tr , ' '); do
			add_mod "$dep"
		done
		echo "$name.ko" >>"$moddir.tmp/order"
	}
	for m in $modules; do add_mod "$m"; done
	touch "$moddir.tmp/order"
	echo "$modules" >"$moddir.tmp/wanted"
	rm -rf "$moddir"
	mv "$moddir.tmp" "$moddir"
fi

work=$(mktemp -d "$vm/run.XXXXXX")
trap 'rm -rf "$work"' EXIT
AGVM_MODULES=$([ -s "$moddir/order" ] && echo "$moddir" || true) \
	"$here/mkinitramfs.sh" "$work/initramfs.cpio.gz" "$script" "$@"
if [ -n "${AGVM_CPIO:-}" ]; then
	# Zeros between archives are skipped; they keep the next one 4-byte aligned.
	size=$(stat -c %s "$work/initramfs.cpio.gz")
	head -c $(((512 - size % 512) % 512)) /dev/zero >>"$work/initramfs.cpio.gz"
	for f in $AGVM_CPIO; do cat "$f" >>"$work/initramfs.cpio.gz"; done
fi

[ -n "$log" ] || log=$vm/$(basename "$script" .sh)-$rel.log
mkdir -p "$(dirname "$log")"
# Both kernels list bpf in their built-in CONFIG_LSM, so no lsm= is needed. no_timer_check:
# on a loaded host the TCG vCPU can miss the IO-APIC timer check, and the kernel panics with
# "IO-APIC + timer doesn't work!" before it starts (seen with 6.12 at load average 10).
# maxcpus=1: the guest's init brings the other CPUs up once one-time kernel text patches
# are done (mkinitramfs.sh). oops=panic: a kernel that oopsed has killed the task in the
# middle of whatever it held, and the test it ran would wait for its time limit (a CI run
# lost 1600 s so); panic=-1 with qemu's -no-reboot ends the VM at once instead.
# --foreground: timeout otherwise puts qemu in a process group of its own, which a Ctrl-C
# at the terminal does not reach, and the VM ran on to its time limit after e2e.sh ended.
append="console=ttyS0 quiet panic=-1 oops=panic no_timer_check maxcpus=1 ${AGVM_APPEND:-}"
# With -icount, qemu 7.2 now and then computes the flags of a cmpxchg16b wrong (the slab
# allocator's per-CPU fast path: a double fault, EFLAGS garbage): a CPU without it (the
# kernel's slab takes its other path), the same for every configuration a bench compares.
cpu=max
icount=()
[ -z "${AGVM_ICOUNT:-}" ] || { cpu=max,-cx16; icount=(-icount "shift=$AGVM_ICOUNT,align=off,sleep=off"); }
start=$(date +%s)
set +e
timeout --foreground -k 5 "$timeout" qemu-system-x86_64 -accel tcg -cpu "$cpu" -m "$mem" -smp "${AGVM_SMP:-2}" "${icount[@]}" \
	-nographic -nic none -no-reboot -kernel "$vmlinuz" -initrd "$work/initramfs.cpio.gz" \
	-append "$append" </dev/null | sed -u 's/\r$//' | tee "$log"
qrc=${PIPESTATUS[0]}
set -e
echo "run: $rel: $(($(date +%s) - start)) s, log in $log" >&2
# The kernel's own lines: "[   12.345678] BUG: ...". Guest output never starts so.
oops='^\[ *[0-9]+\.[0-9]+\] (BUG: |Oops: |general protection fault|kernel BUG at |Kernel panic - not syncing: )'
if grep -qE "$oops" "$log"; then
	echo "run: the guest kernel oopsed:" >&2
	grep -m1 -A40 -E "$oops" "$log" | sed 's/^/run:   /' >&2
	exit 126
fi
[ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ] && { echo "run: timeout after $timeout s" >&2; exit 124; }
code=$(sed -n 's/^AGVM-EXIT \([0-9]*\)$/\1/p' "$log" | tail -n 1)
[ -n "$code" ] || { echo "run: the guest never printed AGVM-EXIT (qemu exit $qrc)" >&2; exit 125; }
exit "$code"
