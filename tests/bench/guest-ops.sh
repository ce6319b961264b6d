#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Guest script for tests/bench/ops.sh: what audit forwarding and metrics cost the daemon.
# One rsyslogd on loopback is the collector (plain TCP on 127.0.0.2:6514, TLS on
# 127.0.0.1:6515, as for tests/e2e/59-forward.sh). Each run starts a daemon in one
# configuration (off: neither; fwd: audit.forward over TCP; tls: over TLS; metrics:
# metrics.listen, scraped by curl once a second) with one assigned cgroup, whose agent
# (rateopen) opens an allowed file:
#   steady      each of RATES opens/s for STEADY_S seconds: the rate reached and the
#               daemon's CPU (utime+stime from /proc/PID/stat over the interval), the
#               collector's too; the daemon's memory (VmRSS, VmHWM) at the end
#   saturation  as fast as it can for SAT_S seconds: the records the daemon appended to
#               the log from the burst's start until the log stopped growing, per second
# then, forwarding: how long until the collector held every record, and whether its copy
# (duplicates from resends folded) equals the local log line for line after the stop.
# Runs go round by round, each round every configuration once, so all see the same drift.
# Output: BENCHOPS CONFIG ROUND KEY=VALUE..., BENCHINFO KEY VALUE..., BENCHFAIL REASON.
# /ag/bench/params sets ROUNDS, CONFIGS, RATES, STEADY_S, SAT_S.
set -u
# shellcheck source=/dev/null # written by ops.sh
. /ag/bench/params
# shellcheck source=/dev/null # tests/e2e/collector.sh
. /ag/bench/collector.sh
RS=/tmp/rsyslog
COLL=/tmp/collector
CG=/sys/fs/cgroup/ops
DATA=/srv/ops/data
POL=/tmp/ops-policy.yaml
PORT=9464

echo "BENCHINFO kernel $(uname -r)"
echo "BENCHINFO cpus $(nproc)"
mkdir -p "$RS" "$COLL" "$CG/a" /srv/ops
echo data >"$DATA"
cat >"$POL" <<'EOF'
version: "1.0"
default: allow
rules:
  - action: file_read
    path: "/srv/ops/**"
    decision: allow
EOF

# The collector (tests/e2e/collector.sh): plain TCP on 127.0.0.2:6514, TLS on 127.0.0.1:6515.
collector_config "$RS" "$COLL" 127.0.0.2
collector_start "$RS" 127.0.0.2 >"$RS/start.out" ||
	echo "BENCHFAIL rsyslogd did not start: $(head -c 300 "$RS/start.out")"
rspid=$(cat "$RS/pid")

ms() { awk '{printf "%d\n", $1 * 1000}' /proc/uptime; } # busybox date has no %N
# cpu PID: the process's utime+stime in clock ticks (all its threads; USER_HZ is 100).
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
kb() { sed -n "s/^$2:[[:space:]]*\([0-9]*\).*/\1/p" "/proc/$1/status"; }
lines() { wc -l <"$1" | tr -d ' '; }
in_cgroup() { sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG/a" "$@"; }

# daemon_yaml CONFIG W HOST
daemon_yaml() {
	cat <<EOC
control_socket: $2/control.sock
stream_socket: $2/stream.sock
state_file: $2/daemon.state
audit:
  log: $2/audit.log
  key_dir: $2/keys
  durability: batch
  host: $3
EOC
	case $1 in
	fwd) printf '  forward:\n    to: 127.0.0.2:6514\n    state: %s/forward.state\n' "$2" ;;
	tls) printf '  forward:\n    to: 127.0.0.1:6515\n    tls: true\n    ca: %s/ca.pem\n    tls_name: collector\n    state: %s/forward.state\n' "$RS" "$2" ;;
	metrics) printf 'metrics:\n  listen: 127.0.0.1:%s\n' "$PORT" ;;
	esac
	printf 'assignments:\n  - cgroup: /ops/a\n    policy: %s\n' "$POL"
}

# received FILE: the collector's copy's lines (resends included); 0 while it has none.
received() { [ -f "$1" ] && lines "$1" || echo 0; }

# run CONFIG ROUND
run() {
	c=$1 r=$2 W=/tmp/ops/$1.$2 host=ops-$1-$2
	mkdir -p "$W"
	daemon_yaml "$c" "$W" "$host" >"$W/daemon.yaml"
	if ! agentgate daemon --config "$W/daemon.yaml" 2>>"$W/daemon.err"; then
		echo "BENCHFAIL $c $r daemon: $(tail -n 2 "$W/daemon.err")"
		return 1
	fi
	pid=$(head -n 1 "$W/daemon.state.lock")
	scraper=
	if [ "$c" = metrics ]; then
		while :; do
			if curl -sS --max-time 5 -o "$W/scrape" "http://127.0.0.1:$PORT/metrics" 2>>"$W/curl.err"; then
				echo ok >>"$W/scrapes"
			else
				echo failed >>"$W/scrapes"
			fi
			sleep 1
		done &
		scraper=$!
	fi
	sleep 2 # the daemon settles: assignment installed, first seal written

	# steady: each rate in turn; memory at the end of the last.
	steady=
	for rate in $RATES; do
		c0=$(cpu "$pid") r0=$(cpu "$rspid") t0=$(ms)
		gen=$(in_cgroup rateopen "$DATA" "$rate" "$STEADY_S")
		c1=$(cpu "$pid") r1=$(cpu "$rspid") t1=$(ms)
		# ticks of 10 ms over wall ms, in tenths of a percent
		steady="$steady rate$rate=$(echo "$gen" | sed -n 's/.*rate=\([0-9]*\).*/\1/p')"
		steady="$steady cpu$rate=$(((c1 - c0) * 10000 / (t1 - t0)))"
		steady="$steady coll$rate=$(((r1 - r0) * 10000 / (t1 - t0)))"
	done
	rss=$(kb "$pid" VmRSS) hwm=$(kb "$pid" VmHWM)

	# saturation: records appended from the start of the burst until the log stops growing
	# (the writer drains what the kernel queued), over that time. A seal (a few hundred
	# bytes, seal_ms after the last record) is not growth.
	sleep 1
	l0=$(lines "$W/audit.log") ts=$(ms)
	in_cgroup rateopen "$DATA" 0 "$SAT_S" >"$W/sat"
	tend=$(ms)
	size=$(stat -c %s "$W/audit.log") tlast=$tend
	while [ $(($(ms) - tlast)) -lt 1000 ]; do
		s=$(stat -c %s "$W/audit.log")
		[ $((s - size)) -ge 4096 ] && tlast=$(ms)
		size=$s
		sleep 0.1
	done
	n=$(lines "$W/audit.log")
	sat_rps=$(((n - l0) * 1000 / (tlast - ts)))
	sat_gen=$(sed -n 's/.*rate=\([0-9]*\).*/\1/p' "$W/sat")

	# The collector catches up with the settled log.
	catchup=- got=- match=- dups=-
	if [ "$c" = fwd ] || [ "$c" = tls ]; then
		i=0
		while [ "$(received "$COLL/$host.log")" -lt "$n" ] && [ $i -lt 1500 ]; do
			sleep 0.2
			i=$((i + 1))
		done
		catchup=$((($(ms) - tend) / 100))
	fi
	[ -n "$scraper" ] && kill "$scraper"
	kill -TERM "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	total=$(lines "$W/audit.log")
	if [ "$c" = fwd ] || [ "$c" = tls ]; then
		sort "$W/audit.log" >"$W/local.sorted"
		i=0
		while :; do
			sort -u "$COLL/$host.log" >"$W/coll.sorted"
			cmp -s "$W/local.sorted" "$W/coll.sorted" && break
			[ $i -ge 50 ] && break
			sleep 0.2
			i=$((i + 1))
		done
		got=$(lines "$W/coll.sorted")
		cmp -s "$W/local.sorted" "$W/coll.sorted" && match=yes || match=no
		dups=$(($(lines "$COLL/$host.log") - got))
	fi
	scrapes=-
	[ "$c" = metrics ] && scrapes="$(grep -c ok "$W/scrapes")/$(lines "$W/scrapes")"
	echo "BENCHOPS $c $r$steady rss_kb=$rss hwm_kb=$hwm" \
		"sat_rps=$sat_rps sat_gen=$sat_gen records=$total received=$got match=$match dups=$dups" \
		"catchup_ds=$catchup scrapes_ok=$scrapes"
	rm -rf "$W" "$COLL/$host.log"
}

r=1
while [ $r -le "$ROUNDS" ]; do
	for c in $CONFIGS; do
		run "$c" "$r"
	done
	r=$((r + 1))
done
kill "$rspid" 2>/dev/null
