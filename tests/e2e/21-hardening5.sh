#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The fifth hardening round (a review of the kernel side as a root agent whose policy is
# narrow in one dimension), each hole tried as the attack (tests/e2e/attack5.c).
. "$(dirname "$0")/kernel.sh"

ATTACK5=$(command -v attack5)
pol=$(open_policy hard5 "$ATTACK5")
log=$WORK/hard5.log
a() { run "$pol" "$log" "$ATTACK5" "$@"; }

# Inbound UDP: a bind to a port of every address is judged by listen rules, and the policy has
# none. The kernel takes the wildcard in two more spellings than the hook read: family
# AF_UNSPEC with INADDR_ANY on an IPv4 socket (inet_bind's compatibility case), and an IPv6
# address 24 bytes long (SIN6_LEN_RFC2133, no scope id). A peer outside sends to an address
# of the host that is not loopback; a server of its own would get the datagram.
ip addr add 10.55.0.1/32 dev lo 2>/dev/null
ip addr add fd55::1/128 dev lo 2>/dev/null
# serve NAME MODE PORT PEER [confined]: the server in the background, the peer's datagram
# sent to PEER:PORT once it is bound (or has given up; the first exec loads the programs,
# which takes seconds in the VM), the server's verdict compared.
serve() {
	local name=$1 mode=$2 port=$3 peer=$4 conf=${5:-} want=EPERM out=$WORK/serve.$3 i sent
	rm -f "$out"
	if [ -n "$conf" ]; then
		a udp-serve "$mode" "$port" >"$out" 2>"$out.err" &
	else
		want=ok
		"$ATTACK5" udp-serve "$mode" "$port" >"$out" 2>"$out.err" &
	fi
	for i in $(seq 600); do
		grep -q bound "$out.err" 2>/dev/null && break
		[ -s "$out" ] && break
		sleep 0.1
	done
	sent=$("$ATTACK5" udp-send "$peer" "$port")
	wait $!
	got=$(head -n 1 "$out")
	if [ "$got" = "$want" ]; then pass "$name ($got)"; else fail "$name" "want $want, got '$got' ($(cat "$out.err"); the peer's send: $sent)"; fi
}
serve "UDP bind to 0.0.0.0:PORT as family AF_UNSPEC refused" unspec 9951 10.55.0.1 confined
audit "the AF_UNSPEC bind recorded as listen on 0.0.0.0" "$log" '"action":"listen"' '"ip":"0.0.0.0"' '"port":9951' '"decision":"DENY"'
serve "UDP bind to [::]:PORT with a 24-byte address refused" v6short 9952 fd55::1 confined
audit "the short IPv6 bind recorded as listen on ::" "$log" '"action":"listen"' '"ip":"::"' '"port":9952' '"decision":"DENY"'
serve "UDP bind to 0.0.0.0:PORT (AF_INET) refused as before" v4 9953 10.55.0.1 confined
serve "UDP bind to [::]:PORT (whole address) refused as before" v6 9954 fd55::1 confined
serve "unconfined: the AF_UNSPEC server gets the peer's datagram" unspec 9955 10.55.0.1
serve "unconfined: the short IPv6 server gets the peer's datagram" v6short 9956 fd55::1
ip addr del 10.55.0.1/32 dev lo 2>/dev/null
ip addr del fd55::1/128 dev lo 2>/dev/null

