#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# e2e-needs: rsyslog
# Shipping the audit trail to a real rsyslog (Debian's) on loopback: two hosts (the daemon,
# as "hosta", and an `agentgate exec` log shipped by `agentgate audit forward`, as "hostb")
# into one collector, one file per host; the collector restarted mid-stream and the network
# cut (a blackhole route) and restored while both keep writing. Every record must arrive
# byte for byte, the collector's files must verify (resends folded by --dedup), a record
# changed, dropped or reordered at the sink must fail with its place, and --max-age must
# notice a host that stopped. Then the same over TLS (rsyslog's ossl driver).
CGP=e2e-d59
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/collector.sh"

RS=$WORK/rsyslog
COLL=$WORK/collector
B=$WORK/hostb
ADDR=127.0.0.2
mkdir -p "$RS" "$COLL" "$B" /srv/d59
echo secret >/srv/d59/secret
stopfile=$WORK/stop

cleanup() {
	touch "$stopfile"
	ip route del blackhole $ADDR/32 table local 2>/dev/null
	[ -n "${fwdb:-}" ] && kill "$fwdb" 2>/dev/null
	[ -n "${fwdc:-}" ] && kill "$fwdc" 2>/dev/null
	[ -n "${fwdd:-}" ] && kill "$fwdd" 2>/dev/null
	[ -f "$RS/pid" ] && kill "$(cat "$RS/pid")" 2>/dev/null
	daemon_cleanup
}
trap cleanup EXIT

# The collector, as docs/forward.md sets it up; a TLS listener too, with a CA of its own.
collector_config "$RS" "$COLL" "$ADDR"
start_rsyslog() { collector_start "$RS" "$ADDR"; }
stop_rsyslog() {
	_p=$(cat "$RS/pid" 2>/dev/null)
	[ -n "$_p" ] && kill "$_p"
	_i=0
	while [ -n "$_p" ] && kill -0 "$_p" 2>/dev/null && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
check "rsyslogd starts as the collector" start_rsyslog

pol=$(policy d59 <<EOP
version: "1.0"
default: allow
rules:
  - action: file_read
    path: "/srv/d59/secret"
    decision: deny
EOP
)
# Agents: read the secret (denied) until the stop file appears.
agent_loop='while [ ! -e "$1" ]; do cat /srv/d59/secret 2>/dev/null; sleep 0.05; done'

# Host A: the daemon, naming itself hosta, rotating often, forwarding with audit.forward.
AUDIT_EXTRA="  rotate_bytes: 65536
  host: hosta
  forward:
    to: $ADDR:6514
    state: $D/forward.state
    replay_ms: 3000"
daemon_config <<EOC
  - cgroup: /$CGP/a
    policy: $pol
EOC
start_daemon || fail "daemon starts with audit.forward" "$(cat "$D/daemon.err")"
in_cgroup "$CGP/a" sh -c "$agent_loop" sh "$stopfile" &
# Host B: an exec'd agent with its own log, shipped by the standalone forwarder (which
# waits for the log to appear).
"$AGENTGATE" audit forward --log "$B/audit.log" --to $ADDR:6514 --hostname hostb \
	--state "$B/forward.state" --replay-ms 3000 2>"$B/forward.err" &
fwdb=$!
"$AGENTGATE" exec --policy "$pol" --audit-log "$B/audit.log" -- \
	sh -c "$agent_loop" sh "$stopfile" 2>"$B/exec.err" &
execb=$!

sleep 4
out=$(ctl status)
printf '%s\n' "$out" | grep -q "^forward  *$ADDR:6514 connected: [1-9]" &&
	pass "status shows the daemon forwarding" || fail "status shows the daemon forwarding" "$out"
# The collector restarts mid-stream.
stop_rsyslog
sleep 1
check "rsyslogd restarts" start_rsyslog
sleep 3
# The network to the collector is cut (packets dropped both ways) past the forwarders'
# TCP_USER_TIMEOUT (10 s), then restored.
check "cut the network to the collector" ip route add blackhole $ADDR/32 table local
sleep 14
check "restore the network" ip route del blackhole $ADDR/32 table local
sleep 3
touch "$stopfile"
wait $execb
# The daemon's forwarder may still be backing off from the cut (up to 10 s, longer under a
# loaded TCG): a stopping daemon gives it 2 s, the rest would wait for its next start
# (docs/forward.md). Let it catch up with what is in the log first.
last=$(tail -n 1 "$AUDIT" | sed -n 's/^{"seq":\([0-9]*\),.*/\1/p')
i=0
while [ $i -lt 300 ]; do
	acked=$(ctl status | sed -n 's/^forward .* acknowledged below seq \([0-9]*\)$/\1/p')
	[ -n "$acked" ] && [ -n "$last" ] && [ "$acked" -gt "$last" ] && break
	sleep 0.2
	i=$((i + 1))
done
stop_daemon || fail "daemon stops" "still running"

# arrived NAME FILE LOCAL...: the collector's file holds every local line, nothing else.
arrived() {
	_n=$1 _c=$2
	shift 2
	_i=0
	cat "$@" | sort >"$WORK/local"
	while [ $_i -lt 300 ]; do
		sort -u "$_c" 2>/dev/null >"$WORK/coll"
		cmp -s "$WORK/local" "$WORK/coll" && break
		sleep 0.2
		_i=$((_i + 1))
	done
	if cmp -s "$WORK/local" "$WORK/coll"; then
		pass "$_n ($(wc -l <"$WORK/local") records)"
	else
		fail "$_n" "$(wc -l <"$WORK/local") local, $(wc -l <"$WORK/coll") at the collector; not sent: $(grep -vxFf "$WORK/coll" "$WORK/local" | head -n 1 | head -c 300); not in the log: $(grep -vxFf "$WORK/local" "$WORK/coll" | head -n 3 | head -c 600)"
	fi
}
# shellcheck disable=SC2046 # rotated files, oldest first, then the active one
arrived "hosta: every record arrived, byte for byte" "$COLL/hosta.log" $(ls "$AUDIT".0* 2>/dev/null) "$AUDIT"
arrived "hostb: every record arrived, byte for byte" "$COLL/hostb.log" "$B/audit.log"
kill "$fwdb"
wait "$fwdb"
fwdb=
[ -n "$(ls "$AUDIT".0* 2>/dev/null)" ] && pass "hosta's log rotated while forwarding" || fail "hosta's log rotated while forwarding" "no $AUDIT.000001"

for h in hosta hostb; do
	out=$("$AGENTGATE" audit verify --dedup "$COLL/$h.log" 2>&1)
	rc=$?
	[ $rc -eq 0 ] && pass "$h: the collector's file verifies (--dedup): $(printf '%s' "$out" | sed -n 2p)" ||
		fail "$h: the collector's file verifies (--dedup)" "exit $rc: $(printf '%s' "$out" | head -c 300)"
done
total=$(grep -c '"host":"' "$COLL/hosta.log")
named=$(grep -c '"host":"hosta"' "$COLL/hosta.log")
[ "$total" -gt 0 ] && [ "$total" = "$named" ] && pass "hosta's records all name hosta" ||
	fail "hosta's records all name hosta" "$named of $total"

# Both forwarders noticed the restart and the cut, and resent from an acknowledged point.
cp "$B/forward.err" "$WORK/reports"
grep 'forward:' "$D/daemon.err" >>"$WORK/reports"
n=$(grep -c 'lost (' "$WORK/reports")
[ "$n" -ge 4 ] && pass "forwarders saw the collector go away twice each ($n)" ||
	fail "forwarders saw the collector go away twice each" "$(cat "$WORK/reports" | head -c 600)"
# When TCP_USER_TIMEOUT expires the kernel reports the socket's soft error if it has one
# (tcp_write_err()): a retransmit that looked up the blackhole route again left EINVAL there
# (inet_sk_rebuild_header()); without such a retransmit it is ETIMEDOUT.
grep -Eq 'lost \((Connection timed out|Invalid argument)\)' "$WORK/reports" &&
	pass "the cut is noticed (TCP user timeout)" ||
	fail "the cut is noticed (TCP user timeout)" "$(cat "$WORK/reports" | head -c 600)"
dups=0
for h in hosta hostb; do
	"$AGENTGATE" audit verify "$COLL/$h.log" >/dev/null 2>&1
	[ $? -eq 6 ] && dups=$((dups + 1))
done
# The collector restart makes both resend their replay window: copies it already wrote.
[ $dups -ge 1 ] && pass "resends arrive as exact duplicates ($dups of 2 files): without --dedup, duplicated (6)" ||
	fail "resends arrive as exact duplicates" "no file fails as duplicated without --dedup"

# Tampering at the sink.
lineof() { grep -n -m1 -F -- "$1" "$COLL/hosta.log" | cut -d: -f1; }
l=$(lineof '"decision":"DENY"')
sed "${l}s/\"decision\":\"DENY\"/\"decision\":\"ALLOW\"/" "$COLL/hosta.log" >"$WORK/edited.log"
out=$("$AGENTGATE" audit verify --dedup "$WORK/edited.log" 2>&1)
rc=$?
[ $rc -eq 3 ] && printf '%s' "$out" | grep -q "edited.log:$l: edited" &&
	pass "a record changed at the sink: edited, at its line" ||
	fail "a record changed at the sink: edited, at its line" "exit $rc (line $l): $(printf '%s' "$out" | head -c 300)"
sed "$((l + 1))d" "$COLL/hosta.log" >"$WORK/dropped.log"
out=$("$AGENTGATE" audit verify --dedup "$WORK/dropped.log" 2>&1)
rc=$?
[ $rc -eq 4 ] && pass "a record dropped at the sink: missing" ||
	fail "a record dropped at the sink: missing" "exit $rc: $(printf '%s' "$out" | head -c 300)"
sed -n "$((l + 1))p" "$COLL/hosta.log" >"$WORK/one"
sed "$((l + 1))d; $((l + 2))r $WORK/one" "$COLL/hosta.log" >"$WORK/reordered.log"
out=$("$AGENTGATE" audit verify --dedup "$WORK/reordered.log" 2>&1)
rc=$?
[ $rc -eq 5 ] && pass "two records swapped at the sink: reordered" ||
	fail "two records swapped at the sink: reordered" "exit $rc: $(printf '%s' "$out" | head -c 300)"

# A host that stopped sending: its last seal grows old.
check "fresh enough for --max-age 600" "$AGENTGATE" audit verify --dedup --max-age 600 "$COLL/hostb.log"
sleep 3
out=$("$AGENTGATE" audit verify --dedup --max-age 2 "$COLL/hostb.log" 2>&1)
rc=$?
[ $rc -eq 11 ] && printf '%s' "$out" | grep -q "stopped sending" &&
	pass "a host that stopped sending fails --max-age (stale)" ||
	fail "a host that stopped sending fails --max-age (stale)" "exit $rc: $(printf '%s' "$out" | head -c 300)"

# TLS: hostb's log again, as hostc, verified against the CA; a wrong CA gets nothing through.
"$AGENTGATE" audit forward --log "$B/audit.log" --to 127.0.0.1:6515 --tls --ca "$RS/ca.pem" \
	--tls-name collector --hostname hostc 2>"$WORK/tls.err" &
fwdc=$!
"$AGENTGATE" audit forward --log "$B/audit.log" --to 127.0.0.1:6515 --tls --ca "$RS/srv.pem" \
	--tls-name collector --hostname hostd 2>"$WORK/tlsbad.err" &
fwdd=$!
[ -s "$RS/srv.pem" ] || fail "TLS: certificates made" "openssl failed"
arrived "TLS: every record arrived" "$COLL/hostc.log" "$B/audit.log"
kill "$fwdc" "$fwdd"
wait "$fwdc"
wait "$fwdd"
fwdc= fwdd=
check "TLS: the collector's file verifies" "$AGENTGATE" audit verify "$COLL/hostc.log"
grep -q "certificate" "$WORK/tlsbad.err" && [ ! -e "$COLL/hostd.log" ] &&
	pass "TLS: a collector the CA did not sign gets nothing" ||
	fail "TLS: a collector the CA did not sign gets nothing" "$(head -c 300 "$WORK/tlsbad.err")"
