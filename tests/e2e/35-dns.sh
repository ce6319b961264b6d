#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# DNS-aware network policy: a confined agent's DNS (port 53 of any address) is answered by
# agentgate's proxy, which refuses denied names and forwards allowed ones to the real
# resolver (dnsmasq here); connects are allowed to the addresses learned from allowed
# names, on the rule's ports, until their TTL (plus grace) runs out.
CGP=e2e-d35
. "$(dirname "$0")/daemon.sh" # kernel.sh and the daemon helpers
. "$(dirname "$0")/dns.sh"
trap daemon_cleanup EXIT

# The real resolver. Addresses of denied names are known here, so a test can try them by
# number. short.e2e.test lives 1 s; the others 60 s. big.e2e.test has 40 addresses: its
# answer (over 512 bytes) comes truncated over UDP, whole over TCP.
big=$(i=1; while [ $i -le 40 ]; do printf '127.0.1.%d,' $i; i=$((i + 1)); done)
if dns_start big.e2e.test="${big%,}" allowed.e2e.test=127.0.0.40 multi.e2e.test=127.0.0.41,127.0.0.42 \
	denied.e2e.test=127.0.0.43 short.e2e.test=127.0.0.44/1 ports.e2e.test=127.0.0.45 \
	a.glob.e2e.test=127.0.0.46 v6.e2e.test=fd00:a9::35 denied6.e2e.test=fd00:a9::36 \
	2>"$WORK/dns.err"; then
	pass "dnsmasq answers on 127.0.0.53"
else
	fail "dnsmasq answers on 127.0.0.53" "$(cat "$WORK/dns.err")"
fi
expect "unconfined: dnsmasq resolves" ok "$PROBE" resolve allowed.e2e.test

DNS_GRACE=2 # the TTL tests below wait TTL + grace + 1 s
pol=$(dns_policy dns <<EOP
  # busybox sh: agents of two processes, one resolving, the other connecting
  - action: shell_exec
    command: "/bin/busybox *"
    decision: allow
  - action: network
    domain: "allowed.e2e.test"
    decision: allow
  - action: network
    domain: "multi.e2e.test"
    decision: allow
  - action: network
    domain: "short.e2e.test"
    decision: allow
  - action: network
    domain: "big.e2e.test"
    decision: allow
  - action: shell_exec
    command: "$DNSFLOOD *"
    decision: allow
  - action: network
    domain: "v6.e2e.test"
    decision: allow
  - action: network
    domain: "*.glob.e2e.test"
    decision: allow
  - action: network
    domain: "ports.e2e.test"
    ports: [8443]
    decision: allow
  - action: network
    domain: "*"
    decision: deny
    reason: "no other hosts"
EOP
)
# The 0-based index of the catch-all rule, as audit records name it.
star=$(awk '/^  - action:/ { n++ } /domain: "\*"$/ { print n - 1; exit }' "$pol")

# lines CMD...: CMD's first line, then its other lines sorted, all on one line.
lines() {
	_out=$("$@" 2>"$WORK/stderr")
	printf '%s\n' "$_out" | head -n 1 | tr '\n' ' '
	printf '%s\n' "$_out" | tail -n +2 | sort | tr '\n' ' '
	echo
}
# The same, without the trailing blank (so expect can compare whole lines).
joined() { lines "$@" | sed 's/ *$//'; }

dns_listener 280

# An allowed name: answered, learned, reachable over TCP and UDP, audited by name.
log=$WORK/dns-allowed.log
expect "allowed name resolves" "ok 127.0.0.40" joined run "$pol" "$log" "$PROBE" resolve allowed.e2e.test
audit "allowed name: DNS record" "$log" '"action":"network"' '"domain":"allowed.e2e.test"' '"decision":"ALLOW"'
audit "allowed name: DNS record names the task" "$log" '"domain":"allowed.e2e.test"' '"comm":"probe"'
if dns_queried allowed.e2e.test; then
	pass "allowed name forwarded to the real resolver"
else
	fail "allowed name forwarded to the real resolver" "no query in $DNS_LOG"
fi
expect "allowed name: tcp connect to its address" ok run "$pol" "$log" "$PROBE" connect-name allowed.e2e.test 8443 tcp
audit "allowed name: connect record names the domain" "$log" '"action":"network"' '"decision":"ALLOW"' \
	'"domain":"allowed.e2e.test"' '"ip":"127.0.0.40"' '"port":8443'
expect "allowed name: udp connect to its address" ok run "$pol" "$log" "$PROBE" connect-name allowed.e2e.test 8443 udp
expect "allowed name: udp sendto its address" ok run "$pol" "$log" "$PROBE" connect-name allowed.e2e.test 8443 sendto
expect "allowed name: TCP Fast Open to its address" ok run "$pol" "$log" "$PROBE" connect-name allowed.e2e.test 8443 fastopen
expect "allowed name: v4-mapped connect to its address" ok run "$pol" "$log" "$PROBE" connect-name allowed.e2e.test 8443 tcp mapped
expect "allowed name: v4-mapped udp sendto its address" ok run "$pol" "$log" "$PROBE" connect-name allowed.e2e.test 8443 sendto mapped
expect "glob domain rule: allowed" ok run "$pol" "$log" "$PROBE" connect-name a.glob.e2e.test 8443 tcp
audit "glob domain rule: connect record" "$log" '"decision":"ALLOW"' '"domain":"a.glob.e2e.test"' '"ip":"127.0.0.46"'

# Several addresses: each one learned.
log=$WORK/dns-multi.log
expect "name with two addresses resolves to both" "ok 127.0.0.41 127.0.0.42" joined run "$pol" "$log" "$PROBE" resolve multi.e2e.test
expect "name with two addresses: tcp connect to each" "ok 127.0.0.41 ok 127.0.0.42 ok" joined run "$pol" "$log" "$PROBE" connect-name multi.e2e.test 8443 tcp
audit "two addresses: first audited with the domain" "$log" '"decision":"ALLOW"' '"domain":"multi.e2e.test"' '"ip":"127.0.0.41"'
audit "two addresses: second audited with the domain" "$log" '"decision":"ALLOW"' '"domain":"multi.e2e.test"' '"ip":"127.0.0.42"'
expect "name with two addresses: udp sendto each" ok run "$pol" "$log" "$PROBE" connect-name multi.e2e.test 8443 sendto

# A large answer: truncated over UDP (TC), asked again over TCP by the resolver library,
# answered whole through the proxy, and every address of it learned.
log=$WORK/dns-big.log
# (probe prints 32 addresses at most; a truncated UDP answer holds fewer: 29 fit in 512 bytes)
n=$(run "$pol" "$log" "$PROBE" resolve big.e2e.test 4 2>/dev/null | grep -c '^127\.0\.1\.')
if [ "$n" = 32 ]; then pass "answer over 512 bytes: whole (TCP fallback)"; else fail "answer over 512 bytes: whole (TCP fallback)" "$n addresses"; fi
expect "answer over 512 bytes: the 40th address learned" ok run "$pol" "$log" sh -c \
	'"$1" resolve big.e2e.test 4 >&2 && exec "$1" connect 127.0.1.40 8443' sh "$PROBE"

# IPv6: an AAAA answer is learned like an A answer.
log=$WORK/dns-v6.log
expect "IPv6 name resolves" "ok fd00:a9::35" joined run "$pol" "$log" "$PROBE" resolve v6.e2e.test
expect "IPv6 name: tcp connect" ok run "$pol" "$log" "$PROBE" connect-name v6.e2e.test 8443 tcp
audit "IPv6 name: connect record" "$log" '"decision":"ALLOW"' '"domain":"v6.e2e.test"' '"ip":"fd00:a9::35"' '"port":8443'
expect "IPv6 name: udp sendto" ok run "$pol" "$log" "$PROBE" connect-name v6.e2e.test 8443 sendto
expect "IPv6 name: TCP Fast Open" ok run "$pol" "$log" "$PROBE" connect-name v6.e2e.test 8443 fastopen

# A denied name: refused at the DNS (never forwarded), audited by name with the rule.
log=$WORK/dns-denied.log
expect "denied name refused by DNS" EAI_AGAIN run "$pol" "$log" "$PROBE" resolve denied.e2e.test
audit "denied name: DNS record with rule and reason" "$log" '"action":"network"' '"domain":"denied.e2e.test"' \
	'"decision":"DENY"' "\"rule\":$star" '"reason":"no other hosts"' '"mode":"enforce"'
no_audit "denied name: never allowed" "$log" '"domain":"denied.e2e.test"' '"decision":"ALLOW"'
if dns_queried denied.e2e.test; then
	fail "denied name not forwarded to the real resolver" "$(grep -F denied.e2e.test "$DNS_LOG" | head -n 1)"
else
	pass "denied name not forwarded to the real resolver"
fi
expect "denied name in capitals refused" EAI_AGAIN run "$pol" "$log" "$PROBE" resolve DENIED.E2E.Test
expect "denied name with a trailing dot refused" EAI_AGAIN run "$pol" "$log" "$PROBE" resolve denied.e2e.test.
expect "denied IPv6 name refused by DNS" EAI_AGAIN run "$pol" "$log" "$PROBE" resolve denied6.e2e.test
expect "unknown name refused" EAI_AGAIN run "$pol" "$log" "$PROBE" connect-name nothere.e2e.org 8443 tcp

# Addresses nobody learned: the denied name's, and an allowed name's in a fresh agent
# that did not resolve it (each exec is a new cgroup with nothing learned).
log=$WORK/dns-direct.log
expect "denied name's address by number: tcp denied" EPERM run "$pol" "$log" "$PROBE" connect 127.0.0.43 8443
audit "denied name's address: audit" "$log" '"action":"network"' '"decision":"DENY"' '"ip":"127.0.0.43"' '"port":8443'
expect "denied name's address: udp sendto denied" EPERM run "$pol" "$log" "$PROBE" sendto-udp 127.0.0.43 8443
expect "denied name's address: TCP Fast Open denied" EPERM run "$pol" "$log" "$PROBE" fastopen 127.0.0.43 8443
expect "denied name's address: v4-mapped denied" EPERM run "$pol" "$log" "$PROBE" connect-udp ::ffff:127.0.0.43 8443
expect "denied name's IPv6 address denied" EPERM run "$pol" "$log" "$PROBE" connect fd00:a9::36 8443
audit "denied IPv6 address: audit" "$log" '"decision":"DENY"' '"ip":"fd00:a9::36"' '"port":8443'
expect "denied name's IPv6 address: udp sendto denied" EPERM run "$pol" "$log" "$PROBE" sendto-udp fd00:a9::36 8443
log=$WORK/dns-unresolved.log
expect "allowed name's address without resolving: tcp denied" EPERM run "$pol" "$log" "$PROBE" connect 127.0.0.40 8443
audit "allowed name's address without resolving: audit" "$log" '"decision":"DENY"' '"ip":"127.0.0.40"' '"port":8443'
no_audit "allowed name's address without resolving: no allow" "$log" '"ip":"127.0.0.40"' '"decision":"ALLOW"'
expect "allowed name's address without resolving: udp sendto denied" EPERM run "$pol" "$log" "$PROBE" sendto-udp 127.0.0.40 8443
expect "allowed name's address without resolving: TCP Fast Open denied" EPERM run "$pol" "$log" "$PROBE" fastopen 127.0.0.40 8443
expect "allowed name's address without resolving: v4-mapped denied" EPERM run "$pol" "$log" "$PROBE" connect ::ffff:127.0.0.40 8443
expect "allowed IPv6 name's address without resolving: denied" EPERM run "$pol" "$log" "$PROBE" connect fd00:a9::35 8443
expect "learning one name does not open another's address" EPERM run "$pol" "$log" sh -c \
	'"$1" resolve allowed.e2e.test >&2 && exec "$1" connect 127.0.0.41 8443' sh "$PROBE"

# TTL: short.e2e.test (TTL 1 s) is reachable after resolving and no longer after
# TTL + 2 s grace + 1 s, in the same agent; allowed.e2e.test (TTL 60 s) stays.
log=$WORK/dns-ttl.log
expect "TTL 1 s: learned address expires" "ok EPERM" run "$pol" "$log" "$PROBE" connect-name-twice short.e2e.test 8443 4 udp
audit "TTL expiry: the late connect audited as denied" "$log" '"decision":"DENY"' '"ip":"127.0.0.44"'
expect "TTL 1 s: tcp connect after expiry denied" "ok EPERM" run "$pol" "$log" "$PROBE" connect-name-twice short.e2e.test 8443 4 tcp
expect "TTL 60 s: learned address still allowed after 4 s" "ok ok" run "$pol" "$log" "$PROBE" connect-name-twice allowed.e2e.test 8443 4 udp
expect "TTL 1 s: resolving again learns it again" ok run "$pol" "$log" sh -c \
	'"$1" connect-name short.e2e.test 8443 udp >&2 && sleep 4 && exec "$1" connect-name short.e2e.test 8443 udp' sh "$PROBE"

# The default grace (60 s) covers clients that keep an answer past its TTL.
DNS_GRACE=
pol_grace=$(dns_policy dns-grace <<EOP
  - action: network
    domain: "short.e2e.test"
    decision: allow
EOP
)
log=$WORK/dns-grace.log
expect "TTL 1 s, default grace: still allowed 4 s later (a client's cache)" "ok ok" run "$pol_grace" "$log" "$PROBE" connect-name-twice short.e2e.test 8443 4 udp
DNS_GRACE=2

# Ports of the domain rule apply to its learned addresses.
log=$WORK/dns-ports.log
expect "domain rule with ports: allowed port" ok run "$pol" "$log" "$PROBE" connect-name ports.e2e.test 8443 tcp
audit "domain rule with ports: audit" "$log" '"decision":"ALLOW"' '"domain":"ports.e2e.test"' '"ip":"127.0.0.45"' '"port":8443'
expect "domain rule with ports: other port denied" EPERM run "$pol" "$log" "$PROBE" connect-name ports.e2e.test 8444 tcp
audit "domain rule with ports: denial audited" "$log" '"decision":"DENY"' '"ip":"127.0.0.45"' '"port":8444'
expect "domain rule with ports: other port, udp sendto denied" EPERM run "$pol" "$log" "$PROBE" connect-name ports.e2e.test 8444 sendto

# DNS sent to any other address on port 53 reaches the proxy too (nothing listens at
# 127.0.0.99 or ::1 port 53): allowed names answered, denied ones refused, over UDP
# (connected and sendto, answers from the address asked), TCP, IPv6 and v4-mapped.
log=$WORK/dns-direct-query.log
expect "query to another resolver: allowed name answered" "NOERROR 127.0.0.40" run "$pol" "$log" "$PROBE" dns-query 127.0.0.99 allowed.e2e.test
expect "query to another resolver: denied name refused" REFUSED run "$pol" "$log" "$PROBE" dns-query 127.0.0.99 denied.e2e.test
audit "query to another resolver: denied name audited" "$log" '"domain":"denied.e2e.test"' '"decision":"DENY"'
expect "query to another resolver by sendto: answered" "NOERROR 127.0.0.40" run "$pol" "$log" "$PROBE" dns-query 127.0.0.99 allowed.e2e.test A sendto
expect "query to another resolver by sendto: denied refused" REFUSED run "$pol" "$log" "$PROBE" dns-query 127.0.0.99 denied.e2e.test A sendto
expect "query to another resolver over TCP: answered" "NOERROR 127.0.0.40" run "$pol" "$log" "$PROBE" dns-query 127.0.0.99 allowed.e2e.test A tcp
expect "query to another resolver over TCP: denied refused" REFUSED run "$pol" "$log" "$PROBE" dns-query 127.0.0.99 denied.e2e.test A tcp
expect "query to an IPv6 resolver: AAAA answered" "NOERROR fd00:a9::35" run "$pol" "$log" "$PROBE" dns-query ::1 v6.e2e.test AAAA
expect "query to an IPv6 resolver: denied refused" REFUSED run "$pol" "$log" "$PROBE" dns-query ::1 denied6.e2e.test AAAA
expect "query to an IPv6 resolver over TCP: denied refused" REFUSED run "$pol" "$log" "$PROBE" dns-query ::1 denied.e2e.test A tcp
expect "query to a v4-mapped resolver: answered" "NOERROR 127.0.0.40" run "$pol" "$log" "$PROBE" dns-query ::ffff:127.0.0.99 allowed.e2e.test
expect "query to a v4-mapped resolver: denied refused" REFUSED run "$pol" "$log" "$PROBE" dns-query ::ffff:127.0.0.99 denied.e2e.test A sendto
expect "query to the real resolver's address: denied refused" REFUSED run "$pol" "$log" "$PROBE" dns-query 127.0.0.53 denied.e2e.test
expect "unconfined: no proxy at 127.0.0.99" ECONNREFUSED "$PROBE" dns-query 127.0.0.99 allowed.e2e.test
expect "unconfined: denied name resolves" ok "$PROBE" resolve denied.e2e.test
expect "unconfined: denied name's address reachable" ok "$PROBE" connect 127.0.0.43 8443

# simulate: the denied name is answered (and its address reachable), recorded as DENY.
log=$WORK/dns-sim.log
expect "simulate: denied name resolves" "ok 127.0.0.43" joined "$AGENTGATE" exec --mode simulate --policy "$pol" --audit-log "$log" -- "$PROBE" resolve denied.e2e.test
audit "simulate: denied name recorded as DENY" "$log" '"domain":"denied.e2e.test"' '"decision":"DENY"' '"mode":"simulate"'
expect "simulate: denied name's address reachable" ok "$AGENTGATE" exec --mode simulate --policy "$pol" --audit-log "$log" -- "$PROBE" connect-name denied.e2e.test 8443 tcp
audit "simulate: connect recorded as DENY" "$log" '"decision":"DENY"' '"mode":"simulate"' '"ip":"127.0.0.43"'

# An allowed name can point anywhere (rebinding): a cidr deny placed first still denies.
pol_first=$(dns_policy dns-first <<EOP
  - action: network
    cidr: "127.0.0.40/32"
    decision: deny
    reason: "internal range"
  - action: network
    domain: "allowed.e2e.test"
    decision: allow
EOP
)
log=$WORK/dns-first.log
expect "cidr deny before a domain allow: the name resolves" "ok 127.0.0.40" joined "$AGENTGATE" exec --policy "$pol_first" --audit-log "$log" -- "$PROBE" resolve allowed.e2e.test
expect "cidr deny before a domain allow: its address denied" EPERM "$AGENTGATE" exec --policy "$pol_first" --audit-log "$log" -- "$PROBE" connect-name allowed.e2e.test 8443 tcp
audit "cidr deny before a domain allow: audit" "$log" '"domain":"allowed.e2e.test"' '"ip":"127.0.0.40"' '"decision":"DENY"' '"reason":"internal range"'

# DNS records name the task that asked, whichever way it sent the query.
for mode in udp sendto tcp; do
	log=$WORK/dns-who-$mode.log
	run "$pol" "$log" "$PROBE" dns-query 127.0.0.99 denied.e2e.test A $mode >/dev/null 2>&1
	audit "DNS record names the task ($mode)" "$log" '"domain":"denied.e2e.test"' '"comm":"probe"' '"uid":0'
	no_audit "DNS record names the task ($mode): its pid" "$log" '"domain":"denied.e2e.test"' '"pid":0,'
done

# The daemon runs the proxy for the cgroups assigned to it.
daemon_config <<EOC
  - cgroup: /$CGP/agent
    policy: $pol
EOC
if start_daemon; then
	pass "daemon starts with a DNS policy"
	expect "daemon: allowed name reachable" ok in_cgroup "$CGP/agent" "$PROBE" connect-name allowed.e2e.test 8443 tcp
	wait_audit "daemon: DNS record of the allowed name" "\"agent\":\"/$CGP/agent\"" '"domain":"allowed.e2e.test"' '"decision":"ALLOW"'
	wait_audit "daemon: connect record names the domain" "\"agent\":\"/$CGP/agent\"" '"domain":"allowed.e2e.test"' '"ip":"127.0.0.40"' '"port":8443'
	expect "daemon: denied name refused" EAI_AGAIN in_cgroup "$CGP/agent" "$PROBE" resolve denied.e2e.test
	wait_audit "daemon: DNS record of the denied name" "\"agent\":\"/$CGP/agent\"" '"domain":"denied.e2e.test"' '"decision":"DENY"'
	expect "daemon: denied name's address denied" EPERM in_cgroup "$CGP/agent" "$PROBE" connect 127.0.0.43 8443
	expect "daemon: query to another resolver refused" REFUSED in_cgroup "$CGP/agent" "$PROBE" dns-query 127.0.0.99 denied.e2e.test
	expect "daemon: unassigned process unaffected" ok "$PROBE" resolve denied.e2e.test
	# A new policy for the same cgroup: its proxy judges names by it from then on.
	pol_swap=$(dns_policy dns-swap <<EOP
  - action: network
    domain: "denied.e2e.test"
    decision: allow
EOP
)
	check "daemon: the cgroup gets another policy" ctl assign "/$CGP/agent" "$pol_swap"
	expect "daemon: after the swap, the once denied name resolves" "ok 127.0.0.43" joined in_cgroup "$CGP/agent" "$PROBE" resolve denied.e2e.test
	expect "daemon: after the swap, the once allowed name is refused" EAI_AGAIN in_cgroup "$CGP/agent" "$PROBE" resolve allowed.e2e.test
	# One DNS loop thread serves every proxy: threads do not grow with the assignments. The
	# daemon's threads: its main loop, the DNS loop, the audit writer's chain, write and sync
	# threads.
	threads() { sed -n 's/^Threads:[[:space:]]*//p' "/proc/$(daemon_pid)/status"; }
	t1=$(threads)
	i=1
	while [ $i -le 50 ] && ctl assign "/$CGP/many/$i" "$pol" >/dev/null 2>>"$D/daemon.err"; do
		i=$((i + 1))
	done
	t51=$(threads)
	echo "# daemon threads: $t1 with 1 assignment, $t51 with $i"
	if [ $i -gt 50 ] && [ "$t51" = "$t1" ] && [ "$t1" -le 5 ]; then
		pass "daemon: 51 DNS proxies, threads bounded"
	else
		fail "daemon: 51 DNS proxies, threads bounded" "$t1 threads with 1 assignment, $t51 with $i"
	fi
	expect "daemon: 51 proxies: an allowed name resolves in the last" "ok 127.0.0.40" joined in_cgroup "$CGP/many/50" "$PROBE" resolve allowed.e2e.test
	expect "daemon: 51 proxies: a denied name is refused in another" REFUSED in_cgroup "$CGP/many/25" "$PROBE" dns-query 127.0.0.99 denied.e2e.test A tcp
	expect "daemon: 51 proxies: over TCP, an allowed name answered" "NOERROR 127.0.0.40" in_cgroup "$CGP/many/1" "$PROBE" dns-query 127.0.0.99 allowed.e2e.test A tcp
	# A flood of lookups from one agent: another agent's lookups are still answered, and
	# the daemon's threads stay as they are.
	in_cgroup "$CGP/many/3" "$DNSFLOOD" 127.0.0.99 allowed.e2e.test 6 >"$WORK/flood.out" 2>&1 &
	flood=$!
	sleep 1
	ok_n=0
	i=0
	while [ $i -lt 5 ]; do
		[ "$(joined in_cgroup "$CGP/many/4" "$PROBE" resolve allowed.e2e.test)" = "ok 127.0.0.40" ] && ok_n=$((ok_n + 1))
		i=$((i + 1))
	done
	wait "$flood"
	echo "# flood: $(cat "$WORK/flood.out"); the other agent: $ok_n of 5 lookups answered"
	if [ $ok_n = 5 ] && grep -q '^sent [1-9]' "$WORK/flood.out"; then
		pass "daemon: one agent's flood does not starve another's lookups"
	else
		fail "daemon: one agent's flood does not starve another's lookups" "$ok_n of 5 answered; flood: $(cat "$WORK/flood.out")"
	fi
	if [ "$(threads)" = "$t1" ]; then pass "daemon: threads unchanged by a flood"; else fail "daemon: threads unchanged by a flood" "$(threads) threads, $t1 before"; fi
else
	fail "daemon starts with a DNS policy" "$(tail -n 3 "$D/daemon.err")"
fi

kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null || true
