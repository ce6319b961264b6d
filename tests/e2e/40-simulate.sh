#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# simulate: nothing is refused, every "would deny" is recorded as such.
. "$(dirname "$0")/kernel.sh"

mkdir -p /srv/secret
echo secret >/srv/secret/key
pol=$(policy sim <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
EOP
)
log=$WORK/sim.log

expect "simulate: denied read goes through" ok "$AGENTGATE" exec --mode simulate --policy "$pol" --audit-log "$log" -- "$PROBE" open-read /srv/secret/key
audit "simulate: recorded as deny in simulate mode" "$log" '"action":"file_read"' '"decision":"DENY"' '"mode":"simulate"' '"path":"/srv/secret/key"'
expect "simulate: denied connect goes through" ok "$AGENTGATE" exec --mode simulate --policy "$pol" --audit-log "$log" -- "$PROBE" connect-udp 127.0.0.1 9
audit "simulate: connect recorded" "$log" '"action":"network"' '"decision":"DENY"' '"mode":"simulate"'
expect "enforce: the same read refused" EPERM "$AGENTGATE" exec --mode enforce --policy "$pol" --audit-log "$log" -- "$PROBE" open-read /srv/secret/key
audit "enforce: recorded as deny in enforce mode" "$log" '"action":"file_read"' '"decision":"DENY"' '"mode":"enforce"' '"path":"/srv/secret/key"'
