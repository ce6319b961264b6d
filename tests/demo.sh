#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# `make demo`: seed 1 for real (tests/demo/guest.sh). On this host when its kernel runs
# BPF-LSM programs; otherwise in a VM booting Debian's 6.12 cloud kernel under qemu, with
# this host's CPython and its standard library in the initramfs, and dnsmasq to answer the
# agent's DNS queries (forwarded by agentgate's DNS proxy).
# AGDEMO_KERNEL=6.1 picks the other kernel; AGDEMO_VM=1 skips trying the host.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
ag=$PWD/$build/agentgate

# Can this host enforce? Only a real load and exec tells (some kernels list bpf in
# /sys/kernel/security/lsm and still refuse BTF-attached programs).
host_ok() {
	[ "$(id -u)" -eq 0 ] && grep -qw bpf /sys/kernel/security/lsm 2>/dev/null || return 1
	printf 'version: "1.0"\ndefault: allow\nrules: []\n' >"$build/demo/allow-all.yaml"
	"$ag" exec --policy "$build/demo/allow-all.yaml" -- /bin/true >/dev/null 2>&1
}

mkdir -p "$build/demo"
if [ "${AGDEMO_VM:-0}" != 1 ] && host_ok; then
	echo "demo: this kernel ($(uname -r)) runs BPF-LSM programs: running on the host"
	ln -sfn "$PWD/tests/demo" "$build/demo/demo"
	ln -sfn "$PWD/policies" "$build/demo/policies"
	ln -sfn "$PWD/clients" "$build/demo/clients"
	AGENTGATE=$ag AGDEMO_DIR=$PWD/$build/demo exec tests/demo/guest.sh
fi

echo "demo: this kernel cannot run BPF-LSM programs: booting Debian's ${AGDEMO_KERNEL:-6.12} kernel under qemu"
# CPython and its standard library, staged once (tests/vm/python-stage.sh).
mapfile -t python < <(tests/vm/python-stage.sh "$build")
exec tests/vm/run.sh --kernel "${AGDEMO_KERNEL:-6.12}" --mem 1536 --timeout 600 \
	--log "$build/vm/demo.log" tests/demo/guest.sh \
	"$ag:/ag/bin/agentgate" "${python[@]}" \
	tests/demo:/ag/demo policies:/ag/policies clients:/ag/clients \
	tests/e2e/dns.sh:/ag/e2e/dns.sh /usr/sbin/dnsmasq:/usr/sbin/dnsmasq
