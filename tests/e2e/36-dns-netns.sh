#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Domain rules for agents in network namespaces of their own (docs/network.md): the DNS
# proxy sets sockets up inside every namespace its cgroup's tasks are in, the kernel steers a
# lookup to the sockets of the task's namespace, answers are learned for the cgroup, and a
# namespace with no network (only loopback, as docker --network none) gets no DNS at all.
CGP=e2e-d36
. "$(dirname "$0")/daemon.sh" # kernel.sh and the daemon helpers
. "$(dirname "$0")/dns.sh"
trap 'netns_cleanup; daemon_cleanup' EXIT

HOLDERS=""
VETHS=""
# netns_new N: NS is set to the pid of a sleeping process holding a new network namespace,
# with lo up and, unless N is "lo", a veth pair to the host: 10.36.N.1 and fd00:36:N::1 on
# the host's side, 10.36.N.2 and fd00:36:N::2 in the namespace.
netns_new() {
	unshare -n sleep 600 </dev/null >/dev/null 2>&1 &
	NS=$!
	HOLDERS="$HOLDERS $NS"
	_i=0
	while [ "$(readlink "/proc/$NS/ns/net")" = "$(readlink /proc/self/ns/net)" ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	nsenter --net="/proc/$NS/ns/net" ip link set lo up
	[ "$1" = lo ] && return 0
	# busybox ip names the peer itself (veth0, veth1, ...): read it back.
	ip link add "vh36n$1" type veth peer name unused
	_peer=$(ip -o link show "vh36n$1" | sed -n 's/^[0-9]*: vh36n[0-9]*@\([^:]*\):.*/\1/p')
	VETHS="$VETHS vh36n$1"
	ip link set "$_peer" netns "$NS"
	# No duplicate address detection: the addresses are usable at once.
	echo 0 >"/proc/sys/net/ipv6/conf/vh36n$1/accept_dad"
	nsenter --net="/proc/$NS/ns/net" sh -c "echo 0 >/proc/sys/net/ipv6/conf/$_peer/accept_dad"
	ip addr add "10.36.$1.1/24" dev "vh36n$1"
	ip -6 addr add "fd00:36:$1::1/64" dev "vh36n$1"
	ip link set "vh36n$1" up
	nsenter --net="/proc/$NS/ns/net" sh -c "ip addr add 10.36.$1.2/24 dev $_peer &&
		ip -6 addr add fd00:36:$1::2/64 dev $_peer && ip link set $_peer up"
	_i=0
	while { ip -6 addr show dev "vh36n$1" | grep -q tentative ||
		nsenter --net="/proc/$NS/ns/net" ip -6 addr show dev "$_peer" | grep -q tentative; } &&
		[ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

netns_cleanup() {
	for _h in $HOLDERS; do kill "$_h" 2>/dev/null; done
	for _v in $VETHS; do ip link del "$_v" 2>/dev/null; done
	[ -n "${listener:-}" ] && kill "$listener" 2>/dev/null
	return 0
}

# agent HOLDER CMD...: CMD in HOLDER's network namespace and the agent cgroup (entered in
# that order, as a container runtime does), so CMD's execve is its first confined action.
# It replaces the (sub)shell it runs in: $! of "agent ... &" is CMD's pid.
agent() {
	_h=$1
	shift
	exec nsenter --net="/proc/$_h/ns/net" sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' \
		"$CGROOT/$CGP/agent" "$@"
}

# joined CMD...: CMD's output lines on one line.
joined() { "$@" 2>/dev/null | tr '\n' ' ' | sed 's/ *$//'; }

# namespaces: how many network namespaces the agent cgroup's proxy serves.
namespaces() {
	ctl status --json | tr '{' '\n' | grep -F "\"cgroup\":\"/$CGP/agent\"" |
		sed -n 's/.*"dns_namespaces":\([0-9]*\).*/\1/p'
}

# wait_namespaces N: until the proxy serves N namespaces (up to 5 s).
wait_namespaces() {
	_i=0
	while [ "$(namespaces)" != "$1" ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ "$(namespaces)" = "$1" ]
}

netns_new 1
n1=$NS
netns_new lo
nlo=$NS
if [ -n "$n1" ] && nsenter --net="/proc/$n1/ns/net" ip -o addr show | grep -q 10.36.1.2; then
	pass "a namespace with a veth pair to the host"
else
	fail "a namespace with a veth pair to the host" "$(nsenter --net="/proc/$n1/ns/net" ip -o addr show 2>&1 | head -c 300)"
fi

if dns_start ns.e2e.test=10.36.1.1 late.e2e.test=10.36.2.1 v6ns.e2e.test=fd00:36:1::1 \
	denied.e2e.test=10.36.1.9 lo.e2e.test=10.36.1.1 2>"$WORK/dns.err"; then
	pass "dnsmasq answers on 127.0.0.53"
else
	fail "dnsmasq answers on 127.0.0.53" "$(cat "$WORK/dns.err")"
fi

pol=$(dns_policy dns-netns <<EOP
  - action: shell_exec
    command: "/bin/busybox *"
    decision: allow
  - action: network
    domain: "ns.e2e.test"
    decision: allow
  - action: network
    domain: "late.e2e.test"
    decision: allow
  - action: network
    domain: "v6ns.e2e.test"
    decision: allow
  - action: network
    domain: "lo.e2e.test"
    decision: allow
  - action: network
    domain: "*"
    decision: deny
    reason: "no other hosts"
EOP
)

# A listener on every host address: the namespaces reach it over their veth.
"$PROBE" tcp-serve 8443 300 >/dev/null 2>&1 &
listener=$!

mkdir -p "$CGROOT/$CGP/agent"
# Tasks already in the cgroup, in namespaces of their own, before the policy is assigned
# (a container bound before its entrypoint runs): served from the assignment on.
agent "$n1" sleep 600 &
held1=$!
agent "$nlo" sleep 600 &
heldlo=$!
daemon_config <<EOC
  - cgroup: /$CGP/agent
    policy: $pol
EOC
if start_daemon; then
	pass "daemon starts"
else
	fail "daemon starts" "$(tail -n 3 "$D/daemon.err")"
fi
# Its own namespace, and the veth one; the loopback-only one has no network: not served.
if wait_namespaces 2; then
	pass "namespaces of tasks already there are served at the assignment (not loopback-only ones)"
else
	fail "namespaces of tasks already there are served at the assignment (not loopback-only ones)" "$(namespaces) served"
fi

expect "in its namespace: an allowed name resolves at the first lookup" "ok 10.36.1.1" joined agent "$n1" "$PROBE" resolve ns.e2e.test
wait_audit "in its namespace: DNS record names the task" '"domain":"ns.e2e.test"' '"decision":"ALLOW"' '"comm":"probe"'
expect "in its namespace: tcp connect to the learned address" ok agent "$n1" "$PROBE" connect-name ns.e2e.test 8443 tcp
wait_audit "in its namespace: connect record names the domain" '"domain":"ns.e2e.test"' '"ip":"10.36.1.1"' '"port":8443' '"decision":"ALLOW"'
expect "in its namespace: udp sendto the learned address" ok agent "$n1" "$PROBE" connect-name ns.e2e.test 8443 sendto
expect "in its namespace: v4-mapped connect" ok agent "$n1" "$PROBE" connect-name ns.e2e.test 8443 tcp mapped
expect "in its namespace: IPv6 name resolves" "ok fd00:36:1::1" joined agent "$n1" "$PROBE" resolve v6ns.e2e.test
expect "in its namespace: IPv6 tcp connect" ok agent "$n1" "$PROBE" connect-name v6ns.e2e.test 8443 tcp
expect "in its namespace: over TCP, an allowed name answered" "NOERROR 10.36.1.1" agent "$n1" "$PROBE" dns-query 10.36.1.1 ns.e2e.test A tcp
expect "in its namespace: a denied name refused" EAI_AGAIN agent "$n1" "$PROBE" resolve denied.e2e.test
wait_audit "in its namespace: DNS record of the denied name" '"domain":"denied.e2e.test"' '"decision":"DENY"' '"reason":"no other hosts"'
if dns_queried denied.e2e.test; then
	fail "in its namespace: the denied name is not forwarded" "$(grep -F denied.e2e.test "$DNS_LOG" | head -n 1)"
else
	pass "in its namespace: the denied name is not forwarded"
fi
expect "in its namespace: an address never learned is denied" EPERM agent "$n1" "$PROBE" connect 10.36.1.9 8443
# A task of the cgroup in the daemon's namespace: served as before.
expect "in the host's namespace: an allowed name resolves" "ok 10.36.1.1" joined in_cgroup "$CGP/agent" "$PROBE" resolve ns.e2e.test

# No network but loopback (docker --network none): no lookup leaves, each one is recorded.
expect "loopback-only namespace: a lookup gets no answer" EAI_AGAIN agent "$nlo" "$PROBE" resolve lo.e2e.test
wait_audit "loopback-only namespace: the refusal is recorded" '"rule":"no_dns_proxy"' '"decision":"DENY"' '"port":53'
if dns_queried lo.e2e.test; then
	fail "loopback-only namespace: nothing forwarded" "$(grep -F lo.e2e.test "$DNS_LOG" | head -n 1)"
else
	pass "loopback-only namespace: nothing forwarded"
fi

# A namespace that appears after the assignment (a container started later): the exec into
# it tells the daemon, which sets sockets up there. A program that looks a name up at once
# may race that: its first lookup is then refused and recorded (no_dns_proxy); it must be
# answered within a second.
netns_new 2
n2=$NS
start=$(date +%s)
tries=0
got=""
while [ "$got" != "ok 10.36.2.1" ] && [ $(($(date +%s) - start)) -lt 3 ]; do
	got=$(joined agent "$n2" "$PROBE" resolve late.e2e.test)
	tries=$((tries + 1))
done
echo "# a namespace created after the assignment: answered at lookup $tries"
if [ "$got" = "ok 10.36.2.1" ]; then
	pass "a namespace created after the assignment is served"
else
	fail "a namespace created after the assignment is served" "got '$got' after $tries lookups"
fi
if [ "$tries" -gt 1 ]; then
	wait_audit "a refused early lookup is recorded" '"rule":"no_dns_proxy"' "\"comm\":\"probe\""
fi
# A task of the cgroup stays there: the sweep gives up a namespace nobody of the cgroup is in.
agent "$n2" sleep 600 &
held2=$!
if wait_namespaces 3; then pass "the proxy serves 3 namespaces"; else fail "the proxy serves 3 namespaces" "$(namespaces)"; fi
expect "the late namespace: connect to its learned address" ok agent "$n2" "$PROBE" connect-name late.e2e.test 8443 tcp

# Learned addresses belong to the cgroup: an agent of another cgroup, in the same
# namespace, with its own policy, has learned nothing.
mkdir -p "$CGROOT/$CGP/other"
check "another cgroup gets the same policy" ctl assign "/$CGP/other" "$pol"
got=$(nsenter --net="/proc/$n1/ns/net" sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' \
	"$CGROOT/$CGP/other" "$PROBE" connect 10.36.1.1 8443 2>/dev/null | head -n 1)
if [ "$got" = EPERM ]; then
	pass "another cgroup in the same namespace: the address it did not learn is denied"
else
	fail "another cgroup in the same namespace: the address it did not learn is denied" "got '$got'"
fi

# The proxies' own ports are agentgate's: an agent allowed all of loopback cannot send to
# a proxy port itself (another policy's proxy, or its own, past the kernel's steering of
# port 53). The proxies of this namespace listen on 127.0.0.1 (/proc/net/udp, hex ports).
lo_pol=$(dns_policy dns-netns-lo <<EOP
  - action: network
    domain: "lo.e2e.test"
    decision: allow
  - action: network
    cidr: "127.0.0.0/8"
    decision: allow
EOP
)
mkdir -p "$CGROOT/$CGP/lo"
check "a cgroup whose policy allows all of loopback" ctl assign "/$CGP/lo" "$lo_pol"
ports=$(awk 'NR > 1 && $2 ~ /^0100007F:/ && $4 == "07" { split($2, a, ":"); print a[2] }' /proc/net/udp |
	while read -r h; do printf '%d\n' "0x$h"; done | sort -u)
if [ "$(echo "$ports" | wc -w)" -ge 2 ]; then
	pass "proxy ports found on 127.0.0.1 ($(echo $ports))"
else
	fail "proxy ports found on 127.0.0.1" "'$ports'"
fi
refused=0
for port in $ports; do
	got=$(in_cgroup "$CGP/lo" "$PROBE" sendto-udp 127.0.0.1 "$port" 2>/dev/null | head -n 1)
	[ "$got" = EPERM ] && refused=$((refused + 1))
done
[ "$refused" -eq "$(echo "$ports" | wc -w)" ] && pass "a query sent straight to any proxy port is refused ($refused ports)" ||
	fail "a query sent straight to any proxy port is refused" "$refused of $(echo $ports) refused"
wait_audit "the refusal is recorded as agentgate_port" '"op":"agentgate_port"' '"ip":"127.0.0.1"' '"decision":"DENY"'
expect "the loopback policy still resolves through the steering" "ok 10.36.1.1" joined in_cgroup "$CGP/lo" "$PROBE" resolve lo.e2e.test
"$PROBE" tcp-serve 8777 5 >/dev/null 2>&1 &
i=0
until grep -q ':2249 00000000000000000000000000000000:0000 0A' /proc/net/tcp6 || [ $i -gt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect "and reaches other loopback ports" ok in_cgroup "$CGP/lo" "$PROBE" connect 127.0.0.1 8777

# A namespace none of the cgroup's tasks is in any more is given up (its sockets would keep
# it alive).
kill "$held1" "$heldlo" "$held2" 2>/dev/null
wait "$held1" "$heldlo" "$held2" 2>/dev/null
if wait_namespaces 1; then
	pass "namespaces no task is in any more are released"
else
	fail "namespaces no task is in any more are released" "$(namespaces) served"
fi
verify_open "the audit log verifies"
