#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# e2e-needs: promtool
# e2e-needs: curl
# The daemon's Prometheus metrics (docs/metrics.md): scraped with curl from 127.0.0.1:PORT
# and from a unix socket, checked by Prometheus' own `promtool check metrics`, the decision
# counters equal to the actions a confined agent performed and to the audit log's records;
# the attack: an agent whose policy allows all of loopback cannot reach the metrics port
# (refused by the kernel, recorded as op agentgate_port) nor the metrics socket.
CGP=e2e-d58
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/dns.sh"
trap 'daemon_cleanup; dns_stop' EXIT
PORT=9464
A=/$CGP/a
SCRAPE=$WORK/scrape.txt

# metrics_config LISTEN: the daemon's config with metrics served at LISTEN.
metrics_config() {
	daemon_config </dev/null
	cat >>"$D/daemon.yaml" <<EOC
metrics:
  listen: $1
  bpf_stats: true
EOC
}

# scrape [CURL ARGS...]: the page into $SCRAPE (default: from 127.0.0.1:$PORT).
scrape() {
	[ $# -gt 0 ] || set -- "http://127.0.0.1:$PORT/metrics"
	curl -sS --max-time 10 -o "$SCRAPE" "$@"
}

# value SERIES [FILE]: the value of SERIES (name{labels} as written) in FILE (default
# $SCRAPE); 0 when absent.
value() {
	awk -v s="$1" 'substr($0, 1, length(s) + 1) == s " " { v = $2 } END { print v == "" ? 0 : v }' "${2:-$SCRAPE}"
}

# dec ACTION DECISION [FILE]: the agent's decisions of that action and decision (enforce).
dec() {
	value "agentgate_decisions_total{agent=\"$A\",container=\"\",action=\"$1\",decision=\"$2\",mode=\"enforce\"}" "${3:-$SCRAPE}"
}

# eq NAME GOT WANT
eq() {
	[ "$2" = "$3" ] && pass "$1" || fail "$1" "got $2, want $3"
}

BEFORE=$WORK/before.txt

dns_start ok.e2e.test=127.0.0.30 || fail "dnsmasq starts" "see $DNS_LOG"
mkdir -p /srv/d58
echo yes >/srv/d58/allowed
echo no >/srv/d58/denied
pol=$(dns_policy d58 <<EOP
  - action: file_read
    path: "/srv/d58/allowed"
    decision: allow
  - action: network
    cidr: "127.0.0.0/8"
    decision: allow
  - action: network
    cidr: "::1/128"
    decision: allow
  - action: network
    domain: "ok.e2e.test"
    decision: allow
EOP
)

# Configuration errors: metrics only for this host, said at file:line:col; the daemon stays down.
daemon_config </dev/null
cp "$D/daemon.yaml" "$D/good.yaml"
printf 'metrics:\n  listen: 0.0.0.0:9464\n' >>"$D/daemon.yaml"
"$AGENTGATE" daemon --config "$D/daemon.yaml" 2>"$WORK/bad.err"
eq "a non-loopback metrics address stops the daemon" "$?" 2
err=$(cat "$WORK/bad.err")
printf '%s' "$err" | grep -q "daemon.yaml:[0-9]*:[0-9]*: '0.0.0.0:9464': metrics are served on 127.0.0.1:PORT or unix:PATH only" &&
	pass "the error names file:line:col and why" || fail "the error names file:line:col and why" "$err"

metrics_config "127.0.0.1:$PORT"
start_daemon || fail "daemon starts with metrics on 127.0.0.1:$PORT" "$(tail -n 3 "$D/daemon.err")"
check "assign the agent's policy" ctl assign "$A" "$pol"
sleep 1
check "curl scrapes 127.0.0.1:$PORT/metrics" scrape
check "promtool check metrics accepts the page" sh -c "promtool check metrics <'$SCRAPE'"
eq "HTTP 404 for another path" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/nope")" 404
eq "HTTP 405 for POST" "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/metrics")" 405
cp "$SCRAPE" "$BEFORE"

# Known actions of a confined agent: 5 runs of the probe (each one allowed exec).
expect "allowed read 1" ok in_cgroup "$CGP/a" "$PROBE" open-read /srv/d58/allowed
expect "allowed read 2" ok in_cgroup "$CGP/a" "$PROBE" open-read /srv/d58/allowed
expect "denied read" EPERM in_cgroup "$CGP/a" "$PROBE" open-read /srv/d58/denied
expect "allowed DNS query" "NOERROR 127.0.0.30" in_cgroup "$CGP/a" "$PROBE" dns-query 127.0.0.53 ok.e2e.test A
expect "denied DNS query" REFUSED in_cgroup "$CGP/a" "$PROBE" dns-query 127.0.0.53 bad.e2e.test A
# The attack: loopback is allowed, agentgate's port is not, whatever the policy says.
expect "loopback allowed elsewhere (nothing listens)" ECONNREFUSED in_cgroup "$CGP/a" "$PROBE" connect 127.0.0.1 $((PORT + 1))
expect "attack: the metrics port refused to a confined agent" EPERM in_cgroup "$CGP/a" "$PROBE" connect 127.0.0.1 $PORT
expect "attack: ::1 at the metrics port refused too" EPERM in_cgroup "$CGP/a" "$PROBE" connect ::1 $PORT
expect "attack: sendto (no connect) refused too" EPERM in_cgroup "$CGP/a" "$PROBE" sendto-udp 127.0.0.1 $PORT
wait_audit "the refusal is recorded as agentgate_port" '"action":"protect"' '"op":"agentgate_port"' '"ip":"127.0.0.1"' "\"port\":$PORT" '"decision":"DENY"'
sleep 1
check "scrape after the actions" scrape
check "promtool check metrics accepts it" sh -c "promtool check metrics <'$SCRAPE'"

for k in "file_read deny 1" "shell_exec allow 9" "dns allow 1" "dns deny 1" "protect deny 3" "network allow 1"; do
	set -- $k
	eq "decisions_total $1 $2 rose by $3" "$(($(dec "$1" "$2") - $(dec "$1" "$2" "$BEFORE")))" "$3"
done
for o in allowed denied; do
	q="agentgate_dns_queries_total{outcome=\"$o\"}"
	eq "dns_queries_total $o rose by 1" "$(($(value "$q") - $(value "$q" "$BEFORE")))" 1
done
# Every decision of the agent is counted once, whatever its action; a record of folded
# decisions stands for its count.
total=$(awk -v a="$A" 'index($0, "agent=\"" a "\"") == 1 + length("agentgate_decisions_total{") { s += $2 } END { print s + 0 }' "$SCRAPE")
logged=$(grep "\"type\":\"decision\",.*\"agent\":\"$A\"" "$AUDIT" | decisions)
eq "the agent's decisions equal what its records in the audit log stand for" "$total" "$logged"
[ "$(value agentgate_dns_learned_addresses)" -ge 1 ] && pass "learned addresses counted" || fail "learned addresses counted" "$(grep learned "$SCRAPE")"
eq "one policy installed" "$(value agentgate_policies_installed)" 1
[ "$(value agentgate_kernel_policies)" -ge 1 ] && pass "kernel policies counted" || fail "kernel policies counted" "$(grep kernel_policies "$SCRAPE")"
[ "$(value agentgate_ringbuf_size_bytes)" -ge 4096 ] && pass "ring buffer size reported" || fail "ring buffer size reported" "$(grep ringbuf "$SCRAPE")"
grep -q '^agentgate_ringbuf_fill_ratio 0' "$SCRAPE" && pass "ring buffer drained (fill ratio below 1)" || fail "ring buffer drained" "$(grep ringbuf_fill "$SCRAPE")"
[ "$(value agentgate_audit_fsync_seconds_count)" -ge 1 ] && pass "fsync latency observed" || fail "fsync latency observed" "$(grep fsync_seconds_count "$SCRAPE")"
[ "$(value agentgate_audit_write_seconds_count)" -ge 1 ] && pass "write latency observed" || fail "write latency observed" "$(grep write_seconds_count "$SCRAPE")"
runs=$(value 'agentgate_bpf_prog_runs_total{program="file_open"}')
[ "$runs" -gt 0 ] && pass "bpf_stats: file_open's runs counted ($runs)" || fail "bpf_stats: file_open's runs counted" "$(grep 'program="file_open"' "$SCRAPE")"
eq "kernel drops and gap records agree" "$(value agentgate_kernel_events_dropped_total)" "$(value agentgate_audit_gap_events_total)"

# A policy that does not compile is counted (and changes nothing).
bad=$(policy d58-bad <<EOP
version: "1.0"
default: deny
rules:
  - action: file_reed
    path: "/x"
    decision: allow
EOP
)
ctl assign "$A" "$bad" >/dev/null 2>&1
scrape
eq "compile errors counted" "$(value agentgate_policy_compile_errors_total)" 1

# Records: every one appended since the start, i.e. all the log holds but its genesis; the
# log settles once the last seal is written (seal_ms 200).
i=0
while :; do
	sleep 0.5
	scrape
	got=$(value agentgate_audit_records_total)
	want=$(($(wc -l <"$AUDIT") - 1))
	[ "$got" = "$want" ] || [ $i -ge 6 ] && break
	i=$((i + 1))
done
eq "records_total equals the records written since the start" "$got" "$want"

# Stopped: the port is no longer agentgate's (nothing serves it), the policy stays.
stop_daemon
expect "after stop: the port is an ordinary closed port" ECONNREFUSED in_cgroup "$CGP/a" "$PROBE" connect 127.0.0.1 $PORT

# Killed (-9): nothing takes the mark back, until the next agentgate process starts (the
# daemon, or `agentgate exec`) and removes the marks of processes that are gone.
start_daemon || fail "daemon starts again" "$(tail -n 3 "$D/daemon.err")"
expect "restarted: the port refused again" EPERM in_cgroup "$CGP/a" "$PROBE" connect 127.0.0.1 $PORT
stop_daemon KILL
expect "killed -9: its port still refused" EPERM in_cgroup "$CGP/a" "$PROBE" connect 127.0.0.1 $PORT
metrics_config "127.0.0.1:$((PORT + 2))"
start_daemon || fail "daemon starts on another port" "$(tail -n 3 "$D/daemon.err")"
expect "the next daemon: the killed one's port is an ordinary closed port" ECONNREFUSED in_cgroup "$CGP/a" "$PROBE" connect 127.0.0.1 $PORT
expect "the next daemon: its own port refused" EPERM in_cgroup "$CGP/a" "$PROBE" connect 127.0.0.1 $((PORT + 2))
stop_daemon

# A unix socket: scraped by curl, refused to the agent as one of agentgate's files.
metrics_config "unix:$D/run/metrics.sock"
start_daemon || fail "daemon starts with metrics on a unix socket" "$(tail -n 3 "$D/daemon.err")"
sleep 1.5 # the assignment gauges are set once a second
check "curl scrapes the unix socket" scrape --unix-socket "$D/run/metrics.sock" http://localhost/metrics
check "promtool check metrics accepts it" sh -c "promtool check metrics <'$SCRAPE'"
eq "the adopted assignment is counted" "$(value agentgate_policies_installed)" 1
expect "attack: the metrics socket refused to a confined agent" EPERM in_cgroup "$CGP/a" "$PROBE" unix-connect "$D/run/metrics.sock"
wait_audit "the socket refusal is recorded" '"op":"agentgate_file"' "\"path\":\"$D/run/metrics.sock\""
stop_daemon
[ ! -e "$D/run/metrics.sock" ] && pass "the socket is removed at stop" || fail "the socket is removed at stop" "$(ls -l "$D/run")"
