#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Guest script for tests/bench/run.sh: microbench (open, exec, connect) under every
# configuration, in ROUNDS rounds of five rings. In a ring, one microbench instance per
# configuration runs at once and they take turns, one batch each (microbench -R), so all
# of them see the same moments of an emulated machine whose speed drifts:
#   ring U  nothing of agentgate loaded (its pins removed): baseline, AppArmor, Landlock
#   ring L  agentgate loaded, no policy installed: an unconfined process, in turns with the
#           same process while agentgate's programs are detached (tests/bench/aglink.c;
#           maps kept), one turn a token
#   ring T  a policy installed for another (idle) cgroup: the same on a machine where
#           agents run (the maps and the policy kept while detached)
#   ring C  agentgate loaded, the agentgate-confined instances and AppArmor again (for a
#           comparison within a ring)
#   ring F  the same for the seed policy with folding off (audit.fold_ms 0): what folding
#           (docs/audit.md) saves, measured in the same boot
# Output, one line each:
#   BENCH CONFIG ROUND OP NS      one batch's ns/op
#   BENCHFAIL CONFIG REASON       a configuration that failed (its figures are missing)
#   BENCHINFO KEY VALUE...        everything else the report needs
# /ag/bench/params sets ROUNDS, TURNS, OPEN_N, EXEC_N, CONN_N (per batch), PORT, RB_N and
# ICOUNT (1: the rings only).
# shellcheck disable=SC2086 # $MB and $ll are command lines, split on purpose
set -u
# shellcheck source=/dev/null # written by run.sh
. /ag/bench/params
B=/ag/bench
R=/tmp/ring
FILE=/opt/agent/input/data.txt
PINS=/sys/fs/bpf/agentgate
SAVED=/sys/fs/bpf/agbench # agentgate's programs while ring T has them detached (aglink)
ERR=/tmp/bench.err
MB="/ag/bin/microbench -R -k $TURNS -o $OPEN_N -x $EXEC_N -c $CONN_N -f $FILE -p $PORT"
SIZES="10 1000 10000"

echo "BENCHINFO kernel $(uname -r)"
echo "BENCHINFO lsm $(cat /sys/kernel/security/lsm)"
echo "BENCHINFO cpus $(nproc)"
# The seed policy's tree, and the file every configuration opens.
mkdir -p /opt/agent/input /opt/agent/config /opt/agent/output /opt/agent/logs /opt/agent/scripts
echo data >"$FILE"
echo "name: bench" >/opt/agent/config/agent.yaml

# Landlock's counterpart of the seed policy: directories where agentgate has `dir/**`.
ll="-r /opt/agent/input -r /opt/agent/config/agent.yaml -w /opt/agent/output -w /opt/agent/logs"
for p in /etc/ld.so.cache /lib /lib64 /usr/lib /usr/local/lib; do
	[ -e "$p" ] && ll="$ll -r $p"
done
ll="$ll -x /ag/bin/microbench -x /lib64/ld-linux-x86-64.so.2 -c $PORT"

# launch CONFIG: exec microbench the way CONFIG runs it. Confined runs write an audit
# log, as an agent's would, except seed-noaudit (its events are read and discarded).
launch() {
	case $1 in
	baseline) exec $MB ;;
	# Rings L and T: a turn each, every batch after an untimed tenth (the kernel's text was
	# just patched); between them the programs are detached and attached again.
	detached-idle | loaded-idle | detached | loaded-busy) exec $MB -T -W ;;
	attach) exec aglink ring on $PINS $SAVED $((TURNS + 1)) ;;
	detach) exec aglink ring off $PINS $SAVED $((TURNS + 1)) ;;
	apparmor-seed-loaded | apparmor-seed-unfolded) exec aa-exec -p ag-bench-seed -- $MB ;;
	apparmor-*) exec aa-exec -p "ag-bench-${1#apparmor-}" -- $MB ;;
	landlock-seed) exec landlock-run $ll -- $MB ;;
	seed-noaudit) exec agentgate exec --policy "$B/policies/seed.yaml" -- $MB ;;
	seed-unfolded) exec agentgate exec --policy "$B/policies/seed.yaml" --audit-log "$R/audit.$1" -- $MB ;;
	*) exec agentgate exec --policy "$B/policies/$1.yaml" --audit-log "$R/audit.$1" -- $MB ;;
	esac
}

# ring ROUND CONFIG...: the configurations take turns; their batches as BENCH lines.
ring() {
	round=$1
	shift
	rm -rf "$R"
	mkdir -p "$R"
	i=0
	while [ $i -lt $# ]; do
		mkfifo "$R/f$i"
		i=$((i + 1))
	done
	i=0
	for cfg in "$@"; do
		launch "$cfg" 3<>"$R/f$i" 4<>"$R/f$(((i + 1) % $#))" 5</proc/stat \
			>"$R/out.$cfg" 2>"$R/err.$cfg" &
		eval "pid$i=$!"
		i=$((i + 1))
	done
	printf t >"$R/f0"
	i=0
	for cfg in "$@"; do
		eval "wait \$pid$i" || echo "BENCHFAIL $cfg $(head -c 300 "$R/err.$cfg" | tr '\n' ' ')"
		sed "s/^/BENCH $cfg $round /" "$R/out.$cfg"
		# agentgate exec says so when the ring buffer was full.
		sed -n "s/^agentgate: exec: \([0-9]*\) events lost.*/BENCHINFO lost $cfg \1/p" "$R/err.$cfg"
		i=$((i + 1))
	done
	rm -rf "$R"
}

unload() {
	rm -rf "$PINS" "$SAVED"
}

# The programs stay pinned after an exec with a policy that allows everything.
load() {
	t=$(microbench spawn agentgate exec --policy "$B/policies/allow.yaml" -- microbench nop 2>"$ERR")
	[ -e /sys/fs/bpf/agentgate ] || { echo "BENCHFAIL load $(head -c 300 "$ERR" | tr '\n' ' ')"; return 1; }
	echo "BENCHINFO load_ns ${t#spawn }"
}

# fold MS: the host's folding window, set the way an operator does: a daemon started with
# audit.fold_ms (it sets the window at start; the window stays after it stops).
fold() {
	mkdir -p /tmp/agd
	cat >/tmp/agd/daemon.yaml <<EOC
control_socket: /tmp/agd/control.sock
stream_socket: /tmp/agd/stream.sock
state_file: /tmp/agd/daemon.state
audit:
  log: /tmp/agd/audit.log
  key_dir: /tmp/agd/keys
  fold_ms: $1
assignments: []
EOC
	agentgate daemon --config /tmp/agd/daemon.yaml 2>"$ERR" || { echo "BENCHFAIL fold $(head -c 300 "$ERR" | tr '\n' ' ')"; return 1; }
	dpid=$(head -n 1 /tmp/agd/daemon.state.lock)
	kill "$dpid"
	while kill -0 "$dpid" 2>/dev/null; do sleep 0.1; done
}

# holder POLICY: an exec under POLICY that sleeps, so its image stays installed meanwhile
# (and the hooks of every other task look up which policy applies to it).
holder() {
	agentgate exec --policy "$B/policies/$1.yaml" -- microbench sleep 3600000 2>>"$ERR" &
	hpid=$!
	i=0
	while [ $i -lt 600 ] && ! grep -qs . /sys/fs/cgroup/agentgate/exec-$hpid/cgroup.procs; do
		sleep 0.1
		i=$((i + 1))
	done
}

holder_stop() {
	kill "$hpid"
	wait "$hpid" 2>/dev/null
}

# AppArmor: the seed profile compiled here, the generated ones compiled on the host
# (apparmor_parser needs about 15 s natively for 10,000 rules, far longer under TCG).
ring_u="baseline landlock-seed"
if [ ! -d /sys/kernel/security/apparmor ]; then
	echo "BENCHFAIL apparmor-seed no /sys/kernel/security/apparmor"
elif t=$(microbench spawn apparmor_parser -r -K "$B/apparmor/seed.aa" 2>"$ERR"); then
	echo "BENCHINFO aa_compile_vm_ns seed ${t#spawn }"
	ring_u="baseline apparmor-seed landlock-seed"
	for n in $SIZES; do
		if apparmor_parser -r -B "$B/apparmor/rules$n.bin" 2>"$ERR"; then
			ring_u="$ring_u apparmor-$n"
		else
			echo "BENCHFAIL apparmor-$n $(head -c 300 "$ERR" | tr '\n' ' ')"
		fi
	done
else
	echo "BENCHFAIL apparmor-seed apparmor_parser: $(head -c 300 "$ERR" | tr '\n' ' ')"
fi
ring_c="seed seed-noaudit"
for n in $SIZES; do
	ring_c="$ring_c rules$n"
done
ring_f="seed-unfolded"
case " $ring_u " in *" apparmor-seed "*)
	ring_c="$ring_c apparmor-seed-loaded"
	ring_f="$ring_f apparmor-seed-unfolded"
	;;
esac

unload
r=1
while [ "$r" -le "$ROUNDS" ]; do
	echo "BENCHINFO round $r $(cut -d' ' -f1 /proc/uptime)"
	ring "$r" $ring_u
	load || break
	# Ring L before any policy is installed, ring T with one for another cgroup (the holder
	# is installed with the programs attached: agentgate's adoption checks their pins).
	if mkdir -p "$SAVED" && aglink save "$PINS" "$SAVED" 2>"$ERR" && aglink off "$PINS" "$SAVED" 2>>"$ERR"; then
		ring "$r" detached-idle attach loaded-idle detach
		aglink on "$PINS" "$SAVED" 2>"$ERR" || echo "BENCHFAIL aglink-on $(head -c 300 "$ERR" | tr '\n' ' ')"
		holder allow
		if aglink off "$PINS" "$SAVED" 2>"$ERR"; then
			ring "$r" detached attach loaded-busy detach
		else
			echo "BENCHFAIL aglink $(head -c 300 "$ERR" | tr '\n' ' ')"
		fi
	else
		echo "BENCHFAIL aglink $(head -c 300 "$ERR" | tr '\n' ' ')"
		aglink on "$PINS" "$SAVED" 2>/dev/null
		holder allow
	fi
	# Whatever happened: the pins agentgate's adoption checks, for the rings that follow.
	aglink on "$PINS" "$SAVED" 2>"$ERR" || echo "BENCHFAIL aglink-on $(head -c 300 "$ERR" | tr '\n' ' ')"
	holder_stop
	ring "$r" $ring_c
	fold 0 && ring "$r" $ring_f
	unload
	r=$((r + 1))
done
echo "BENCHINFO rounds_end $(cut -d' ' -f1 /proc/uptime)"
# Counted in instructions (run.sh's BENCH_ICOUNT): the rings only.
[ "${ICOUNT:-0}" = 0 ] || exit 0

# Once per policy: what `agentgate exec` costs to start, and the kernel memory of its image.
load
for p in allow seed rules10 rules1000 rules10000; do
	t=$(microbench spawn agentgate exec --policy "$B/policies/$p.yaml" -- microbench nop 2>"$ERR")
	echo "BENCHINFO exec_start_ns $p ${t#spawn }"
	holder "$p"
	echo "BENCHINFO image $p $(bpftool map show name ag_image | sed -n 's/.*max_entries \([0-9]*\).*memlock \([0-9]*\)B.*/\1 \2/p' | tail -n 1)"
	holder_stop
done

# The ring buffer: RB_N opens as fast as they go under the seed policy (plus the untimed
# warm-up's RB_N/10 + 1), with folding off (one event each) and on: how many records reached
# the audit log, how many decisions they stand for, and how many were lost.
for w in 0 1000; do
	fold "$w"
	agentgate exec --policy "$B/policies/seed.yaml" --audit-log /tmp/rb.log \
		-- microbench -o "$RB_N" -x 0 -c 0 -f "$FILE" 2>"$ERR" | sed "s/^open /BENCHINFO rb_open_ns_$w /"
	echo "BENCHINFO rb_records_$w $(grep -c "\"path\":\"$FILE\"" /tmp/rb.log)"
	echo "BENCHINFO rb_decisions_$w $(grep "\"path\":\"$FILE\"" /tmp/rb.log |
		sed -n 's/.*"count":\([0-9]*\).*/\1/p; t; s/.*/1/p' | awk '{ s += $1 } END { print s + 0 }')"
	sed -n "s/^agentgate: exec: \([0-9]*\) events lost.*/BENCHINFO rb_lost_$w \1/p" "$ERR"
	rm -f /tmp/rb.log*
done
unload
exit 0
