#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Learned addresses and DNS senders are kept per policy (docs/network.md, "Capacity"): one
# agent flooding allowed lookups, more distinct answers than agentgate's whole table of
# learned addresses, each query from a new local port, cannot make another agent's learned
# address or its lookups' attribution vanish. The flooder keeps its own dns_quota, losing
# its own oldest addresses. Past the shared table's capacity, lookups are refused with a
# reason (dns_full), never answered unlearned. The evictions are counted in the metrics.
# e2e-needs: curl
CGP=e2e-d37
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/dns.sh"
cleanup() {
	daemon_cleanup
	kill "$listener" 2>/dev/null
	ip route del local 10.0.0.0/8 dev lo 2>/dev/null
	dns_stop
}
trap cleanup EXIT

# NAMES names of PER addresses each in 10/8, the K-th address of name N (0-based) being
# 10.0.0.0 + N * PER + K: more addresses than ag_learned holds (65536). One more name for a
# lone lookup after the flood.
NAMES=2400
PER=28 # an answer of 28 A records fits in 512 bytes of UDP
addr() { _k=$(($1 * PER + $2)); echo "10.$((_k >> 16)).$(((_k >> 8) & 255)).$((_k & 255))"; }
awk -v n=$((NAMES + 1)) -v per=$PER 'BEGIN { for (i = 1; i <= n; i++) for (j = 0; j < per; j++) {
	k = i * per + j; printf "10.%d.%d.%d n%d.flood.e2e.test\n", int(k / 65536), int(k / 256) % 256, k % 256, i } }' \
	>"$WORK/flood.hosts"
if DNS_HOSTS=$WORK/flood.hosts dns_start victim.e2e.test=127.0.0.60 victim2.e2e.test=127.0.0.61 2>"$WORK/dns.err"; then
	pass "dnsmasq answers $((NAMES * PER)) flood addresses"
else
	fail "dnsmasq answers $((NAMES * PER)) flood addresses" "$(cat "$WORK/dns.err")"
fi
expect "unconfined: a flood name resolves to its first address" "ok" "$PROBE" resolve n7.flood.e2e.test 4
# Every 10/8 address is this host's: a connect there is ok when allowed, EPERM when not.
ip route add local 10.0.0.0/8 dev lo
dns_listener 300

# Nothing learned here expires while the test runs (a sweep would make room by itself).
DNS_GRACE=3600
pol_victim=$(dns_policy victim <<EOP
  - action: network
    domain: "victim.e2e.test"
    decision: allow
  - action: network
    domain: "victim2.e2e.test"
    decision: allow
EOP
)
pol_flood=$(dns_policy flood <<EOP
  - action: shell_exec
    command: "$DNSFLOOD *"
    decision: allow
  - action: network
    domain: "*.flood.e2e.test"
    decision: allow
EOP
)
sed -i 's/^default: deny$/default: deny\ndns_quota: 64/' "$pol_flood"
expect "the flooder's policy has dns_quota 64" "dns_quota: 64" grep '^dns_quota' "$pol_flood"

# A quota out of range is refused, and named.
printf 'version: "1.0"\ndns_quota: 0\nrules: []\n' >"$WORK/q0.yaml"
out=$("$AGENTGATE" check "$WORK/q0.yaml" 2>&1)
case $out in
*q0.yaml:2:12:*"expected a whole number from 1 to 4096, found '0'"*) pass "dns_quota 0 refused with file:line:col" ;;
*) fail "dns_quota 0 refused with file:line:col" "$out" ;;
esac

daemon_config <<EOC
  - cgroup: /$CGP/victim
    policy: $pol_victim
  - cgroup: /$CGP/flood
    policy: $pol_flood
EOC
printf 'metrics:\n  listen: 127.0.0.1:9475\n' >>"$D/daemon.yaml"
if ! start_daemon; then
	fail "daemon starts with two DNS policies" "$(tail -n 3 "$D/daemon.err")"
	exit 0
fi
pass "daemon starts with two DNS policies"

expect "victim: its name resolves and is reachable" ok in_cgroup "$CGP/victim" "$PROBE" connect-name victim.e2e.test 8443 tcp
# The victim keeps resolving while the flood runs: every lookup answered and named.
(
	n=0 ok=0
	while [ ! -e "$WORK/flood.done" ]; do
		n=$((n + 1))
		[ "$(in_cgroup "$CGP/victim" "$PROBE" resolve victim.e2e.test 4 | tail -n 1)" = 127.0.0.60 ] && ok=$((ok + 1))
	done
	echo "$n $ok" >"$WORK/victim.out"
) &
victim=$!
t0=$(date +%s)
out=$(in_cgroup "$CGP/flood" "$DNSFLOOD" -n $NAMES 127.0.0.99 'n%u.flood.e2e.test' 2>&1)
touch "$WORK/flood.done"
wait $victim
echo "# flood: $out in $(($(date +%s) - t0)) s; victim lookups (asked answered): $(cat "$WORK/victim.out")"
# A name asked twice (no answer, or another rcode, the first time) says so after these.
case $out in
"asked $NAMES answered $NAMES refused 0 addresses $((NAMES * PER))"*) pass "flood: every one of $NAMES names answered, $((NAMES * PER)) addresses" ;;
*)
	fail "flood: every one of $NAMES names answered, $((NAMES * PER)) addresses" "$out"
	echo "# the flooder's denials: $(matching "$AUDIT" "\"agent\":\"/$CGP/flood\"" '"decision":"DENY"' | head -n 3)"
	echo "# kernel helper errors: $(curl -sS --max-time 5 http://127.0.0.1:9475/metrics | grep '^agentgate_kernel_helper_errors_total' | grep -v ' 0$' | tr '\n' ' ')"
	;;
esac
# The flooder learned every address and holds 64: the rest were evicted, each counted. A name
# the flooder asked again (no answer within its 2 s) may have been learned twice, the proxy
# having answered the first query late: the second learn refreshes addresses still held,
# evicting nothing. So each retry may take one answer's PER evictions off, no more.
want=$((NAMES * PER - 64))
retried=$(echo "$out" | sed -n 's/.* retried \([0-9]*\) .*/\1/p')
evictions_ok() {
	case $1 in '' | *[!0-9]*) return 1 ;; esac
	[ "$1" -le "$want" ] && [ $(((want - $1) % PER)) -eq 0 ] && [ $(((want - $1) / PER)) -le "${retried:-0}" ]
}
# The metric follows the proxy's drains: short of want, it is read until it stops moving.
i=0 last=
while :; do
	ev=$(curl -sS --max-time 5 http://127.0.0.1:9475/metrics | awk '$1 == "agentgate_dns_quota_evictions_total" { print $2 }')
	[ "$ev" = "$want" ] || { evictions_ok "$ev" && [ "$ev" = "$last" ]; } || [ $i -ge 25 ] && break
	last=$ev
	sleep 0.5
	i=$((i + 1))
done
if evictions_ok "$ev"; then
	pass "metrics: every eviction counted"
	echo "# evictions $ev: $want less $PER for each of $(((want - ev) / PER)) names learned twice (queries asked again: ${retried:-0})"
else
	fail "metrics: evictions counted" "got '$ev', want $want less $PER for each of at most ${retried:-0} queries asked again"
	echo "# learned addresses held: $(curl -sS --max-time 5 http://127.0.0.1:9475/metrics | awk '$1 == "agentgate_dns_learned_addresses" { print $2 }')"
	echo "# the flooder's lookup records: $(matching "$AUDIT" "\"agent\":\"/$CGP/flood\"" '.flood.e2e.test"' | grep -c .)"
	echo "# names looked up twice: $(matching "$AUDIT" "\"agent\":\"/$CGP/flood\"" '.flood.e2e.test"' | sed -n 's/.*"domain":"\([^"]*\)".*/\1/p' | sort | uniq -d | head -n 3 | tr '\n' ' ')"
	echo "# the daemon's DNS lines: $(grep -i 'dns' "$D/daemon.err" | tail -n 5 | tr '\n' ' ' | head -c 600)"
fi
# One more name, nothing else asking: its answer evicts PER of the flooder's 64, and the count
# reaches the metric with no later decision to carry it (the proxy wakes its owner for it).
before=$ev
out=$(in_cgroup "$CGP/flood" "$DNSFLOOD" -n $((NAMES + 1))-$((NAMES + 1)) 127.0.0.99 'n%u.flood.e2e.test' 2>&1)
i=0
while ev=$(curl -sS --max-time 5 http://127.0.0.1:9475/metrics | awk '$1 == "agentgate_dns_quota_evictions_total" { print $2 }') &&
	[ "$ev" != $((before + PER)) ] && [ $i -lt 20 ]; do
	sleep 0.5
	i=$((i + 1))
done
[ "$ev" = $((before + PER)) ] &&
	pass "metrics: a lone lookup's evictions counted with no decision after it" ||
	fail "metrics: a lone lookup's evictions counted with no decision after it" "got '$ev', want $before + $PER ($out)"
set -- $(cat "$WORK/victim.out")
if [ "${1:-0}" -gt 0 ] && [ "$1" = "$2" ]; then
	pass "victim: all $1 lookups during the flood answered"
else
	fail "victim: all lookups during the flood answered" "${2:-0} of ${1:-0}"
fi

expect "victim: its address learned before the flood is still reachable" ok in_cgroup "$CGP/victim" "$PROBE" connect 127.0.0.60 8443
expect "flooder: the last name's addresses reachable" ok in_cgroup "$CGP/flood" "$PROBE" connect "$(addr $NAMES 0)" 8443
expect "flooder: the last name's last address reachable" ok in_cgroup "$CGP/flood" "$PROBE" connect "$(addr $NAMES $((PER - 1)))" 8443
expect "flooder: the first name's address forgotten (its own quota)" EPERM in_cgroup "$CGP/flood" "$PROBE" connect "$(addr 1 0)" 8443
expect "flooder: a middle name's address forgotten" EPERM in_cgroup "$CGP/flood" "$PROBE" connect "$(addr $((NAMES / 2)) 3)" 8443
expect "flooder: resolving again makes it reachable" ok in_cgroup "$CGP/flood" "$PROBE" connect-name n1.flood.e2e.test 8443 tcp 4

# Records: the victim's lookups all name the probe that asked, the flood's its sender.
wait_audit "the flood's lookups are recorded, naming dnsflood" '"domain":"n2400.flood.e2e.test"' '"comm":"dnsflood"'
sleep 1
vl=$(matching "$AUDIT" "\"agent\":\"/$CGP/victim\"" '"domain":"victim.e2e.test"' '"action":"network"' | grep -v '"ip":')
nv=$(printf '%s\n' "$vl" | grep -c '"comm":"probe"')
nz=$(printf '%s\n' "$vl" | grep -c '"pid":0,')
if [ "$nv" -gt 1 ] && [ "$nz" = 0 ]; then
	pass "victim: its $nv lookup records all name the probe"
else
	fail "victim: its lookup records all name the probe" "$nv name it, $nz name no task"
fi
fl=$(matching "$AUDIT" "\"agent\":\"/$CGP/flood\"" '.flood.e2e.test"' '"comm":"dnsflood"' | grep -c '"decision":"ALLOW"')
if [ "$fl" -ge $NAMES ]; then
	pass "flood: all its lookup records name dnsflood"
else
	fail "flood: all its lookup records name dnsflood" "$fl of $NAMES"
fi
no_audit "no lookup refused for want of room so far" "$AUDIT" '"rule":"dns_full"'

# Many policies at the largest quota together fill the shared table (65536): 16 agents of
# 4096 each, 147 names of 28 addresses apiece. The last one's lookups past the table's
# capacity are refused with the reason, never answered unlearned; the victim's address
# learned before stays; once policies are removed, lookups are answered again.
sed 's/^dns_quota: 64$/dns_quota: 4096/' "$pol_flood" >"$WORK/big.yaml"
i=1
while [ $i -le 16 ] && ctl assign "/$CGP/f$i" "$WORK/big.yaml" >/dev/null 2>>"$WORK/assign.err"; do
	i=$((i + 1))
done
[ $i -gt 16 ] && pass "16 agents at dns_quota 4096 assigned" || fail "16 agents at dns_quota 4096 assigned" "$(tail -n 3 "$WORK/assign.err")"
# The victim's 512, the flooder's 64 and 16 × 4096 are more than the table holds: the
# daemon says so when the 16th is assigned, not before.
expect "quotas past the table: the daemon warns once they add up to more" 1 \
	grep -c 'dns_quota of the 18 assigned policies that learn addresses add up to 66112, more than the 65536' "$D/daemon.err"
expect "quotas within the table: no warning before" 1 grep -c 'warning: the dns_quota' "$D/daemon.err"
expect "quotas past the table: agentgate assign says so too (the assignment made)" 1 \
	grep -c '^agentgate: assign: warning: the dns_quota of the 18 assigned policies that learn addresses add up to 66112' "$WORK/assign.err"
i=1
while [ $i -le 15 ]; do
	in_cgroup "$CGP/f$i" "$DNSFLOOD" -n "$(((i - 1) * 147 + 1))-$((i * 147))" 127.0.0.99 'n%u.flood.e2e.test' >>"$WORK/fill.out" 2>&1
	i=$((i + 1))
done
echo "# 15 agents filled: $(sort "$WORK/fill.out" | uniq -c | tr '\n' ' ')"
expect "15 agents: every lookup answered" 15 grep -c "^asked 147 answered 147 refused 0" "$WORK/fill.out"
out=$(in_cgroup "$CGP/f16" "$DNSFLOOD" -n 2206-2352 127.0.0.99 'n%u.flood.e2e.test' 2>&1)
echo "# the 16th agent: $out"
set -- $out
if [ "${6:-0}" -gt 0 ] && [ $(($4 + $6)) = 147 ]; then
	pass "the 16th agent: lookups past the table's capacity refused ($6 of 147)"
else
	fail "the 16th agent: lookups past the table's capacity refused" "$out"
fi
wait_audit "a refusal for want of room is recorded with its reason" "\"agent\":\"/$CGP/f16\"" \
	'"rule":"dns_full"' '"decision":"DENY"' '"comm":"dnsflood"' 'learned from DNS answers is full'
expect "table full: the victim's address learned before still reachable" ok in_cgroup "$CGP/victim" "$PROBE" connect 127.0.0.60 8443
expect "table full: the victim's new lookup refused" REFUSED in_cgroup "$CGP/victim" "$PROBE" dns-query 127.0.0.99 victim2.e2e.test A udp
wait_audit "table full: the victim's refusal recorded" "\"agent\":\"/$CGP/victim\"" \
	'"domain":"victim2.e2e.test"' '"rule":"dns_full"'
i=1
while [ $i -le 8 ]; do
	ctl unassign "/$CGP/f$i" >/dev/null 2>>"$D/daemon.err"
	i=$((i + 1))
done
expect "8 policies removed: the victim's lookup answered again" "NOERROR 127.0.0.61" in_cgroup "$CGP/victim" "$PROBE" dns-query 127.0.0.99 victim2.e2e.test A udp
expect "8 policies removed: the new address reachable" ok in_cgroup "$CGP/victim" "$PROBE" connect 127.0.0.61 8443

# Policies that allow no name: enforcing, their proxies learn nothing and their quotas do not
# count; in simulate mode a proxy answers and learns every name, denied ones too, so they do.
# With f9-f16 left the sum is 33344: 8 such policies at 4096 in simulate mode take it past.
printf 'version: "1.0"\nname: nonames\ndefault: deny\ndns_quota: 4096\nrules: []\n' >"$WORK/nonames.yaml"
i=1
while [ $i -le 8 ] && ctl assign "/$CGP/e$i" "$WORK/nonames.yaml" >/dev/null 2>>"$WORK/assign.err"; do
	i=$((i + 1))
done
[ $i -gt 8 ] && pass "8 enforcing policies allowing no name assigned" || fail "8 enforcing policies allowing no name assigned" "$(tail -n 3 "$WORK/assign.err")"
i=1
while [ $i -le 8 ] && ctl assign --mode simulate "/$CGP/s$i" "$WORK/nonames.yaml" >/dev/null 2>>"$WORK/assign.err"; do
	i=$((i + 1))
done
[ $i -gt 8 ] && pass "8 simulating policies allowing no name assigned" || fail "8 simulating policies allowing no name assigned" "$(tail -n 3 "$WORK/assign.err")"
expect "quotas: simulating policies count, enforcing ones allowing no name do not" 2 \
	grep -c 'dns_quota of the 18 assigned policies that learn addresses add up to 66112, more than the 65536' "$D/daemon.err"
expect "quotas: agentgate assign warned for the simulating one too" 2 \
	grep -c '^agentgate: assign: warning: the dns_quota of the 18 ' "$WORK/assign.err"
verify_open "the log verifies after the flood"
