#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# `agentgate dashboard --daemon` next to a live daemon: the daemon's decisions reach the
# page's live feed through the stream socket and its records API through the log; the
# token is required; a confined agent cannot read the token file (in the daemon's protected
# run directory) and the viewer writes nothing to the log.
CGP=e2e-d63
. "$(dirname "$0")/daemon.sh"
trap 'kill $dash 2>/dev/null; daemon_cleanup' EXIT

mkdir -p /srv/d63
echo secret >/srv/d63/key
pol=$(policy d63 <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
  - action: file_read
    path: "/srv/d63/key"
    decision: deny
    reason: "the key stays put"
EOP
)
open_pol=$(open_policy d63-open)
net_pol=$(policy d63-net <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
  - action: network
    cidr: "127.0.0.0/8"
    decision: allow
EOP
)
daemon_config <<EOC
  - cgroup: /$CGP/x
    policy: $pol
  - cgroup: /$CGP/open
    policy: $open_pol
  - cgroup: /$CGP/net
    policy: $net_pol
EOC
mkdir -p "$CGROOT/$CGP/x" "$CGROOT/$CGP/open" "$CGROOT/$CGP/net"
start_daemon || fail "daemon starts" "$(cat "$D/daemon.err")"

tokf=$D/run/dashboard.token
"$AGENTGATE" dashboard --daemon --config "$D/daemon.yaml" --port 0 --token-file "$tokf" \
	>"$D/dash.out" 2>&1 &
dash=$!
i=0
while ! grep -q 'dashboard on' "$D/dash.out" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
url=$(sed -n 's|.*dashboard on \(http://[0-9.:]*\)/.*|\1|p' "$D/dash.out")
[ -n "$url" ] && pass "dashboard --daemon starts" || fail "dashboard --daemon starts" "$(cat "$D/dash.out")"
tok=$(cat "$tokf")
get() { busybox wget -q -O - --header "Authorization: Bearer $tok" "$url$1" 2>&1; }

out=$(busybox wget -q -O - "$url/api/records" 2>&1)
case $out in *401*) pass "no token: 401" ;; *) fail "no token: 401" "$out" ;; esac
out=$(get /api/info)
case $out in *'"live":"stream"'*"$D/run/stream.sock"*) pass "info names the daemon's log and stream" ;;
*) fail "info names the daemon's log and stream" "$out" ;; esac

expect "a denied read under the daemon" EPERM in_cgroup "$CGP/x" "$PROBE" open-read /srv/d63/key
i=0
while [ $i -lt 50 ]; do
	out=$(get "/api/live?after=0&limit=1000")
	case $out in *'"path":"/srv/d63/key"'*'"decision":"DENY"'*) break ;; esac
	sleep 0.1
	i=$((i + 1))
done
case $out in *'"path":"/srv/d63/key"'*'"decision":"DENY"'*'"reason":"the key stays put"'*) pass "the deny arrives live from the stream" ;;
*) fail "the deny arrives live from the stream" "$(printf '%s' "$out" | tail -c 300)" ;; esac
case $out in *'"connected":true'*) pass "the live feed is connected to the stream" ;;
*) fail "the live feed is connected to the stream" "$(printf '%s' "$out" | tail -c 200)" ;; esac
i=0
while [ $i -lt 50 ]; do
	out=$(get "/api/records?decision=deny&q=%2Fsrv%2Fd63%2Fkey")
	case $out in *'"total":0,'*|'') ;; *) break ;; esac
	sleep 0.1
	i=$((i + 1))
done
case $out in *'"rule":'*'"reason":"the key stays put"'*) pass "the deny is in the records, filtered server-side" ;;
*) fail "the deny is in the records, filtered server-side" "$(printf '%s' "$out" | tail -c 300)" ;; esac
out=$(get /api/verify)
case $out in *'"status":0,'*|*'"status":1,'*) pass "the live log verifies (intact or open tail)" ;;
*) fail "the live log verifies (intact or open tail)" "$out" ;; esac

expect "the token file refused to a confined agent" EPERM in_cgroup "$CGP/open" "$PROBE" open-read "$tokf"
[ "$(stat -c %a "$tokf")" = 600 ] && pass "the token file is 0600" || fail "the token file is 0600" "$(stat -c %a "$tokf")"
# The port itself: refused by the kernel to an agent whose policy allows all of loopback.
port=${url##*:}
expect "the dashboard's port refused to a confined agent allowed loopback" EPERM in_cgroup "$CGP/net" "$PROBE" connect 127.0.0.1 "$port"
wait_audit "the refusal is recorded as agentgate_port" '"op":"agentgate_port"' "\"port\":$port" '"decision":"DENY"'
expect "another loopback port is the policy's to decide" ECONNREFUSED in_cgroup "$CGP/net" "$PROBE" connect 127.0.0.1 $((port == 65535 ? port - 1 : port + 1))

# The viewer holds the log read-only: every descriptor it has on it is O_RDONLY.
get "/api/records?limit=1000" >/dev/null
modes=""
for fd in /proc/$dash/fd/*; do
	[ "$(readlink "$fd")" = "$AUDIT" ] || continue
	modes="$modes $(sed -n 's/^flags:[[:space:]]*//p' "/proc/$dash/fdinfo/${fd##*/}")"
done
bad=0
for m in $modes; do [ $((0$m & 3)) -eq 0 ] || bad=1; done
[ -n "$modes" ] && [ $bad -eq 0 ] && pass "the viewer holds the log read-only" ||
	fail "the viewer holds the log read-only" "flags:${modes:- none}"
kill $dash
wait $dash 2>/dev/null

# Without --config, --daemon reads the daemon's default config as the daemon does
# (/etc/agentgate/daemon.yaml when there is one): its log, not the default log's path.
if [ ! -e /etc/agentgate/daemon.yaml ]; then
	mkdir -p /etc/agentgate
	cp "$D/daemon.yaml" /etc/agentgate/daemon.yaml
	"$AGENTGATE" dashboard --daemon --unix "$D/run/dash2.sock" --token-file "$D/run/dash2.token" \
		>"$D/dash2.out" 2>&1 &
	dash2=$!
	i=0
	while ! grep -q 'token in' "$D/dash2.out" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	grep -q "log $AUDIT, live from $D/run/stream.sock" "$D/dash2.out" && pass "dashboard --daemon reads /etc/agentgate/daemon.yaml" ||
		fail "dashboard --daemon reads /etc/agentgate/daemon.yaml" "$(cat "$D/dash2.out")"
	kill $dash2
	wait $dash2 2>/dev/null
	rm -f /etc/agentgate/daemon.yaml
fi
# A file where the socket would go is refused, and kept.
echo precious >"$D/run/not-a-socket"
"$AGENTGATE" dashboard --audit-log "$AUDIT" --unix "$D/run/not-a-socket" --token-file "$D/run/dash3.token" >"$D/dash3.out" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q "exists and is not a socket" "$D/dash3.out" && [ "$(cat "$D/run/not-a-socket")" = precious ] &&
	pass "dashboard --unix on a file: refused, the file kept" ||
	fail "dashboard --unix on a file: refused, the file kept" "status $rc: $(cat "$D/dash3.out")"
