#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Guest script for tests/bench/run.sh: microbench (open, exec, connect) under every
# configuration, ROUNDS times, the configurations interleaved within each round so that
# drift of the emulated machine hits them all alike. Output, one line each:
#   BENCH CONFIG OP NS            one run's ns/op
#   BENCHFAIL CONFIG REASON       a run that failed (its figures are missing)
#   BENCHINFO KEY VALUE...        everything else the report needs
# agentgate is unloaded (pins removed) and loaded again in every round, so the baseline,
# AppArmor and Landlock runs see no BPF program at all. /ag/bench/params sets ROUNDS,
# OPEN_N, EXEC_N, CONN_N, PORT and RB_N.
# shellcheck disable=SC2086 # $MB and $ll are command lines, split on purpose
set -u
# shellcheck source=/dev/null # written by run.sh
. /ag/bench/params
B=/ag/bench
FILE=/opt/agent/input/data.txt
ERR=/tmp/bench.err
MB="/ag/bin/microbench -o $OPEN_N -x $EXEC_N -c $CONN_N -f $FILE -p $PORT"
SIZES="10 1000 10000"

echo "BENCHINFO kernel $(uname -r)"
echo "BENCHINFO lsm $(cat /sys/kernel/security/lsm)"
echo "BENCHINFO cpus $(nproc)"
# The seed policy's tree, and the file every configuration opens.
mkdir -p /opt/agent/input /opt/agent/config /opt/agent/output /opt/agent/logs /opt/agent/scripts
echo data >"$FILE"
echo "name: bench" >/opt/agent/config/agent.yaml

# bench CONFIG CMD...: one run of CMD, its "OP NS" lines as BENCH lines.
bench() {
	cfg=$1
	shift
	if out=$("$@" 2>"$ERR"); then
		printf '%s\n' "$out" | sed "s/^/BENCH $cfg /"
	else
		echo "BENCHFAIL $cfg $(head -c 300 "$ERR" | tr '\n' ' ')"
	fi
	# agentgate exec says so when the ring buffer was full.
	sed -n "s/^agentgate: exec: \([0-9]*\) events lost.*/BENCHINFO lost $cfg \1/p" "$ERR"
}

# confined POLICY [CONFIG]: a run under POLICY that writes an audit log, as an agent's
# would (dropped after the run); without CONFIG, the events are read and discarded.
confined() {
	if [ $# -eq 1 ]; then
		bench "$1" agentgate exec --policy "$B/policies/$1.yaml" --audit-log /tmp/audit.log -- $MB
		rm -f /tmp/audit.log*
	else
		bench "$2" agentgate exec --policy "$B/policies/$1.yaml" -- $MB
	fi
}

unload() {
	rm -rf /sys/fs/bpf/agentgate
}

# The programs stay pinned after an exec with a policy that allows everything.
load() {
	t=$(microbench spawn agentgate exec --policy "$B/policies/allow.yaml" -- microbench nop 2>"$ERR")
	[ -e /sys/fs/bpf/agentgate ] || { echo "BENCHFAIL load $(head -c 300 "$ERR" | tr '\n' ' ')"; return 1; }
	echo "BENCHINFO load_ns ${t#spawn }"
}

# holder POLICY: an exec under POLICY that sleeps, so one cgroup is confined meanwhile.
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
aa=0
if [ -d /sys/kernel/security/apparmor ]; then
	if t=$(microbench spawn apparmor_parser -r -K "$B/apparmor/seed.aa" 2>"$ERR"); then
		echo "BENCHINFO aa_compile_vm_ns seed ${t#spawn }"
		aa=1
		for n in $SIZES; do
			apparmor_parser -r -B "$B/apparmor/rules$n.bin" 2>"$ERR" ||
				echo "BENCHFAIL apparmor-$n $(head -c 300 "$ERR" | tr '\n' ' ')"
		done
	else
		echo "BENCHFAIL apparmor-seed apparmor_parser: $(head -c 300 "$ERR" | tr '\n' ' ')"
	fi
else
	echo "BENCHFAIL apparmor-seed no /sys/kernel/security/apparmor"
fi

# Landlock's counterpart of the seed policy: directories where agentgate has `dir/**`.
ll="-r /opt/agent/input -r /opt/agent/config/agent.yaml -w /opt/agent/output -w /opt/agent/logs"
for p in /etc/ld.so.cache /lib /lib64 /usr/lib /usr/local/lib; do
	[ -e "$p" ] && ll="$ll -r $p"
done
ll="$ll -x /ag/bin/microbench -x /lib64/ld-linux-x86-64.so.2 -c $PORT"

unload
r=1
while [ "$r" -le "$ROUNDS" ]; do
	echo "BENCHINFO round $r $(cut -d' ' -f1 /proc/uptime)"
	bench baseline $MB
	if [ $aa -eq 1 ]; then
		bench apparmor-seed aa-exec -p ag-bench-seed -- $MB
		for n in $SIZES; do
			bench "apparmor-$n" aa-exec -p "ag-bench-$n" -- $MB
		done
	fi
	bench landlock-seed landlock-run $ll -- $MB
	load || break
	bench loaded-idle $MB
	holder allow
	bench loaded-busy $MB
	holder_stop
	confined seed
	confined seed seed-noaudit
	for n in $SIZES; do
		confined "rules$n"
	done
	unload
	r=$((r + 1))
done

echo "BENCHINFO rounds_end $(cut -d' ' -f1 /proc/uptime)"

# Once per policy: what `agentgate exec` costs to start, and the kernel memory of its image.
load
for p in allow seed rules10 rules1000 rules10000; do
	t=$(microbench spawn agentgate exec --policy "$B/policies/$p.yaml" -- microbench nop 2>"$ERR")
	echo "BENCHINFO exec_start_ns $p ${t#spawn }"
	holder "$p"
	echo "BENCHINFO image $p $(bpftool map show name ag_image | sed -n 's/.*max_entries \([0-9]*\).*memlock \([0-9]*\)B.*/\1 \2/p' | tail -n 1)"
	holder_stop
done

# The ring buffer: RB_N opens as fast as they go under the seed policy, one event each
# (plus the untimed warm-up's RB_N/10 + 1), and how many reached the audit log.
agentgate exec --policy "$B/policies/seed.yaml" --audit-log /tmp/rb.log \
	-- microbench -o "$RB_N" -x 0 -c 0 -f "$FILE" 2>"$ERR" | sed 's/^open /BENCHINFO rb_open_ns /'
echo "BENCHINFO rb_records $(grep -c "\"path\":\"$FILE\"" /tmp/rb.log)"
sed -n 's/^agentgate: exec: \([0-9]*\) events lost.*/BENCHINFO rb_lost \1/p' "$ERR"
rm -f /tmp/rb.log*
unload
exit 0
