#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Guest script for tests/bench/dns.sh: the daemon's DNS proxies with 1, 100 and 1000 bound
# containers, each a cgroup with a task in a network namespace of its own (loopback and a
# dummy interface: a namespace with a network), as the runtime wrapper binds them. At each
# size: the daemon's threads, resident memory and open files, the namespaces served, and the
# latency of getaddrinfo() through the proxy from the first and the last namespace. Then the
# outage a daemon restart causes for a container that keeps looking names up.
# Output: BENCHDNS SIZE KEY VALUE..., BENCHINFO KEY VALUE..., BENCHFAIL REASON.
set -u
. /ag/bench/dns.sh
SIZES="1 100 1000"
D=/tmp/dnsd
SOCK=$D/control.sock
CG=/sys/fs/cgroup/bdns
N_LOOKUPS=200

echo "BENCHINFO kernel $(uname -r)"
echo "BENCHINFO cpus $(nproc)"
dns_start api.bench.test=10.99.0.1 >/dev/null 2>&1 || echo "BENCHFAIL dnsmasq did not start"
mkdir -p "$D" "$CG"
cat >"$D/daemon.yaml" <<EOF
control_socket: $SOCK
stream_socket: $D/stream.sock
state_file: $D/daemon.state
audit:
  log: $D/audit.log
  key_dir: $D/keys
  durability: batch
EOF
cat >"$D/policy.yaml" <<'EOF'
version: "1.0"
default: deny
include: [ld-so, resolver]
rules:
  - action: shell_exec
    command: "/ag/bin/dnsbench *"
    decision: allow
  - action: network
    domain: "api.bench.test"
    decision: allow
EOF
mkdir -p "$D/include"
cp /ag/bench/include/*.yaml "$D/include/"
# Four sockets per namespace served: more than the default 1024 files at 1000 containers.
ulimit -n 1048576
agentgate daemon --config "$D/daemon.yaml" 2>>"$D/daemon.err" || echo "BENCHFAIL daemon: $(tail -n 2 "$D/daemon.err")"
dpid=$(head -n 1 "$D/daemon.state.lock")

# container I: a cgroup whose task holds a new network namespace, bound to the policy.
container() {
	mkdir -p "$CG/c$1"
	sh -c 'echo $$ >"$1/cgroup.procs" && exec unshare -n sh -c \
		"ip link set lo up && ip link add d0 type dummy && ip link set d0 up && exec sleep 100000"' \
		sh "$CG/c$1" &
	_i=0
	until [ -n "$(cat "$CG/c$1/cgroup.procs")" ] &&
		[ "$(readlink "/proc/$(head -n 1 "$CG/c$1/cgroup.procs")/ns/net")" != "$(readlink /proc/self/ns/net)" ] &&
		nsenter --net="/proc/$(head -n 1 "$CG/c$1/cgroup.procs")/ns/net" ip link show d0 >/dev/null 2>&1; do
		sleep 0.05
		_i=$((_i + 1))
		[ $_i -gt 200 ] && { echo "BENCHFAIL container $1 did not start"; return 1; }
	done
	dnsbench bind "$SOCK" "/bdns/c$1" "$D/policy.yaml" "bench$1" || echo "BENCHFAIL bind c$1"
}

# in_container I CMD...: CMD in container I's namespace and cgroup.
in_container() {
	_c=$CG/c$1
	shift
	nsenter --net="/proc/$(head -n 1 "$_c/cgroup.procs")/ns/net" \
		sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$_c" "$@"
}

served() {
	agentgate status --socket "$SOCK" --json | tr ',' '\n' | sed -n 's/.*"dns_namespaces":\([0-9]*\).*/\1/p' |
		awk '{s += $1} END {print s + 0}'
}

n=0
for size in $SIZES; do
	t0=$(date +%s)
	while [ $n -lt "$size" ]; do
		n=$((n + 1))
		container $n || break
	done
	echo "BENCHDNS $size setup_s $(($(date +%s) - t0))"
	sleep 3 # a sweep or two
	echo "BENCHDNS $size served $(served)"
	echo "BENCHDNS $size threads $(sed -n 's/^Threads:[[:space:]]*//p' "/proc/$dpid/status")"
	echo "BENCHDNS $size rss_kb $(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$dpid/status")"
	echo "BENCHDNS $size fds $(ls "/proc/$dpid/fd" | wc -l)"
	echo "BENCHDNS $size slab_kb $(awk '/^Slab:/ {print $2}' /proc/meminfo)"
	echo "BENCHDNS $size first $(in_container 1 dnsbench lookup api.bench.test $N_LOOKUPS)"
	echo "BENCHDNS $size last $(in_container $n dnsbench lookup api.bench.test $N_LOOKUPS)"
done

# A restart with 1000 bound containers: container 1 looks its name up every 10 ms meanwhile.
in_container 1 dnsbench outage api.bench.test 12000 >"$D/outage" &
opid=$!
sleep 2
ms() { awk '{printf "%d\n", $1 * 1000}' /proc/uptime; } # busybox date has no %N
t0=$(ms)
kill -TERM "$dpid"
while kill -0 "$dpid" 2>/dev/null; do sleep 0.05; done
agentgate daemon --config "$D/daemon.yaml" 2>>"$D/daemon.err" || echo "BENCHFAIL restart: $(tail -n 2 "$D/daemon.err")"
echo "BENCHDNS restart daemon_ms $(($(ms) - t0))"
wait "$opid"
echo "BENCHDNS restart $(cat "$D/outage")"
echo "BENCHDNS restart served $(served)"
