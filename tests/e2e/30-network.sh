#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# network: connect() decided on address and port, IPv4, IPv6 and v4-mapped alike; a domain
# rule's addresses are those the agent looked up through DNS (35-dns.sh has the details).
# Port 53 of any address is agentgate's DNS proxy for a confined agent: other ports here.
. "$(dirname "$0")/kernel.sh"
. "$(dirname "$0")/dns.sh"

dns_start api.e2e.test=127.0.0.20 evil.e2e.test=127.0.0.21 2>"$WORK/dns.err" ||
	fail "dnsmasq for the domain rules" "$(cat "$WORK/dns.err")"
ip addr add ::2/128 dev lo 2>/dev/null

pol=$(dns_policy net <<EOP
  - action: network
    cidr: "127.0.0.0/29"
    ports: [8080]
    decision: allow
  - action: network
    cidr: "::1/128"
    decision: allow
  - action: network
    domain: "api.e2e.test"
    decision: allow
  - action: network
    domain: "*"
    decision: deny
    reason: "no other hosts"
  - action: file_write
    path: "/srv/sock/open*"
    decision: allow
  - action: file_write
    path: "@agentgate-open*"
    decision: allow
EOP
)
log=$WORK/net.log

busybox nc -l -p 8080 >/dev/null 2>&1 &
listener=$!
sleep 0.3
expect "tcp connect allowed (cidr and port)" ok run "$pol" "$log" "$PROBE" connect 127.0.0.1 8080
audit "tcp connect allowed: audit" "$log" '"action":"network"' '"decision":"ALLOW"' '"ip":"127.0.0.1"' '"port":8080'
kill "$listener" 2>/dev/null
expect "connect to an allowed port of another address denied" EPERM run "$pol" "$log" "$PROBE" connect 127.0.0.9 8080
expect "connect to another port denied" EPERM run "$pol" "$log" "$PROBE" connect-udp 127.0.0.1 8081
audit "connect denied: audit" "$log" '"action":"network"' '"decision":"DENY"' '"ip":"127.0.0.1"' '"port":8081'
expect "udp connect allowed" ok run "$pol" "$log" "$PROBE" connect-udp 127.0.0.2 8080
expect "IPv6 allowed" ok run "$pol" "$log" "$PROBE" connect-udp ::1 9
expect "IPv6 denied" EPERM run "$pol" "$log" "$PROBE" connect-udp ::2 9
expect "v4-mapped IPv6 judged as IPv4: allowed" ok run "$pol" "$log" "$PROBE" connect-udp ::ffff:127.0.0.3 8080
expect "v4-mapped IPv6 judged as IPv4: denied" EPERM run "$pol" "$log" "$PROBE" connect-udp ::ffff:127.0.0.3 9
expect "domain rule (address looked up) allowed" ok run "$pol" "$log" "$PROBE" connect-name api.e2e.test 443 udp
audit "domain rule: audit names the domain" "$log" '"decision":"ALLOW"' '"domain":"api.e2e.test"' '"ip":"127.0.0.20"' '"port":443'
expect "domain catch-all: name refused" EAI_AGAIN run "$pol" "$log" "$PROBE" connect-name evil.e2e.test 443 udp
audit "domain catch-all: name audited" "$log" '"decision":"DENY"' '"domain":"evil.e2e.test"' '"reason":"no other hosts"'
expect "domain catch-all denied" EPERM run "$pol" "$log" "$PROBE" connect-udp 127.0.0.21 443
audit "domain catch-all: audit" "$log" '"decision":"DENY"' '"ip":"127.0.0.21"' '"reason":"no other hosts"'
expect "unconfined process unaffected" ok "$PROBE" connect-udp 127.0.0.21 443

# Destinations given with the data, without connect().
expect "udp sendto allowed" ok run "$pol" "$log" "$PROBE" sendto-udp 127.0.0.2 8080
expect "udp sendto denied" EPERM run "$pol" "$log" "$PROBE" sendto-udp 127.0.0.9 9
audit "udp sendto: audit" "$log" '"action":"network"' '"decision":"DENY"' '"ip":"127.0.0.9"' '"port":9'
expect "udp sendto over IPv6 denied" EPERM run "$pol" "$log" "$PROBE" sendto-udp ::2 9
expect "udp sendto to a v4-mapped address denied" EPERM run "$pol" "$log" "$PROBE" sendto-udp ::ffff:127.0.0.9 9
expect "TCP Fast Open allowed" ok run "$pol" "$log" "$PROBE" fastopen 127.0.0.1 8080
expect "TCP Fast Open denied" EPERM run "$pol" "$log" "$PROBE" fastopen 127.0.0.9 8080
expect "udp sendto unconfined unaffected" ok "$PROBE" sendto-udp 127.0.0.9 9

# AF_UNIX: reaching a socket is file_write of its path ("@name" for abstract ones).
mkdir -p /srv/sock
rm -f /srv/sock/*
"$PROBE" unix-serve /srv/sock/open 20 >/dev/null &
s1=$!
"$PROBE" unix-serve /srv/sock/docker.sock 20 >/dev/null &
s2=$!
"$PROBE" unix-serve @agentgate-open 20 >/dev/null &
s3=$!
"$PROBE" unix-serve @agentgate-closed 20 >/dev/null &
s4=$!
sleep 1
expect "unix stream connect allowed" ok run "$pol" "$log" "$PROBE" unix-connect /srv/sock/open
expect "unix stream connect to a docker-like socket denied" EPERM run "$pol" "$log" "$PROBE" unix-connect /srv/sock/docker.sock
audit "unix connect: audit" "$log" '"action":"file_write"' '"decision":"DENY"' '"path":"/srv/sock/docker.sock"'
ln -sf /srv/sock/docker.sock /srv/sock/open-link
expect "unix connect through a symlink judged on the socket" EPERM run "$pol" "$log" "$PROBE" unix-connect /srv/sock/open-link
expect "unix datagram allowed" ok run "$pol" "$log" "$PROBE" unix-send /srv/sock/open-dgram
expect "unix datagram denied" EPERM run "$pol" "$log" "$PROBE" unix-send /srv/sock/docker.sock-dgram
expect "abstract unix socket allowed" ok run "$pol" "$log" "$PROBE" unix-connect @agentgate-open
expect "abstract unix socket denied" EPERM run "$pol" "$log" "$PROBE" unix-connect @agentgate-closed
audit "abstract unix socket: audit" "$log" '"decision":"DENY"' '"path":"@agentgate-closed"'
expect "unix connect unconfined unaffected" ok "$PROBE" unix-connect /srv/sock/docker.sock
kill "$s1" "$s2" "$s3" "$s4" 2>/dev/null
wait "$s1" "$s2" "$s3" "$s4" 2>/dev/null || true
