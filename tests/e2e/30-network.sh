#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# network: connect() decided on address and port, IPv4, IPv6 and v4-mapped alike.
. "$(dirname "$0")/kernel.sh"

grep -q 'api.e2e.test' /etc/hosts || cat >>/etc/hosts <<EOH
127.0.0.20 api.e2e.test
127.0.0.21 evil.e2e.test
EOH
ip addr add ::2/128 dev lo 2>/dev/null

pol=$(policy net <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
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
expect "IPv6 allowed" ok run "$pol" "$log" "$PROBE" connect-udp ::1 53
expect "IPv6 denied" EPERM run "$pol" "$log" "$PROBE" connect-udp ::2 53
expect "v4-mapped IPv6 judged as IPv4: allowed" ok run "$pol" "$log" "$PROBE" connect-udp ::ffff:127.0.0.3 8080
expect "v4-mapped IPv6 judged as IPv4: denied" EPERM run "$pol" "$log" "$PROBE" connect-udp ::ffff:127.0.0.3 9
expect "domain rule (resolved at load) allowed" ok run "$pol" "$log" "$PROBE" connect-udp 127.0.0.20 443
expect "domain catch-all denied" EPERM run "$pol" "$log" "$PROBE" connect-udp 127.0.0.21 443
audit "domain catch-all: audit" "$log" '"decision":"DENY"' '"ip":"127.0.0.21"' '"reason":"no other hosts"'
expect "unconfined process unaffected" ok "$PROBE" connect-udp 127.0.0.21 443
