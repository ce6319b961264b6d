#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Guest script for tests/bench/ab.sh: the builds /ag/bin/ag-N take turns, ROUNDS rounds. Each
# turn confines a microbench OP loop (open, connect or exec) under /ag/pol/seed.yaml and prints
#   AB N ROUND prog_ns NS calls N op_ns NS
# prog_ns: ns per call of OP's program (ag_file_open, ag_socket_connect, ag_bprm_check) over WIN seconds of
# the loop (bpf_stats), op_ns: the loop's best batch. Then the same loop unconfined while the build confines another task
# (UNC lines, same fields), and before that with no policy installed, the build's programs
# loaded (IDL lines). Then SLEEPERS tasks that each open the file and exec sleep, confined
# and not, and
#   MEM N ROUND kib_per_task K
# K: what the kernel's unreclaimable slab grew by per confined sleeper, beyond an unconfined one's.
# The pinned state is removed between turns: each build pins its own.
set -u
# shellcheck source=/dev/null # written by ab.sh
. /ag/ab.params
FILE=/opt/agent/input/data.txt
mkdir -p /opt/agent/input
echo data >$FILE
echo 1 >/proc/sys/kernel/bpf_stats_enabled
echo "KERNEL $(uname -r)"
# Unreclaimable slab: task storage is. Reclaimable slab is left out: the dentries and inodes of
# /proc/PID the audit writer reads to name a task are given back under memory pressure.
slab_kb() { awk '/^SUnreclaim:/ {print $2}' /proc/meminfo; }
# slab_caches OUT: bytes in use per slab cache ("name bytes" lines: active objects × object size).
slab_caches() { awk 'NR > 2 {print $1, $2 * $4}' /proc/slabinfo >"$1"; }
# slab_grown BEFORE AFTER: "name bytes" per cache that changed, AFTER minus BEFORE.
slab_grown() { awk 'FILENAME == ARGV[1] {b[$1] = $2; next} $2 != b[$1] {print $1, $2 - b[$1]}' "$1" "$2"; }

# sleepers_start OUT [CMD...]: sh under CMD, printing to OUT; it says "ready", and once
# OUT.go exists starts SLEEPERS sleepers (each opens FILE, then execs sleep) and says "spawned".
# (busybox's sh opens /dev/null for a background job's stdin: bench-ab's rules allow it)
sleepers_start() {
	_o=$1
	shift
	rm -f "$_o" "$_o.go"
	# shellcheck disable=SC2016 # expanded by the sleepers' shell
	"$@" /bin/sh -c 'echo ready; while [ ! -e '"$_o"'.go ]; do sleep 0.1; done; i=0
		while [ $i -lt '"$SLEEPERS"' ]; do (read -r _ <'"$FILE"'; exec sleep 300) & i=$((i + 1)); done
		echo spawned; wait' >"$_o" 2>&1 &
}

# wait_for OUT WORD: until OUT has WORD (60 s at most).
wait_for() {
	_n=0
	until grep -q "$2" "$1" 2>/dev/null; do
		_n=$((_n + 1))
		[ $_n -lt 600 ] || { echo "ABFAIL no $2 in $1: $(head -c 300 "$1")"; return 1; }
		sleep 0.1
	done
}

# sleepers_kb OUT: what the slab grows by while the shell of OUT starts its sleepers, SETTLE
# seconds after the last started (what the kernel frees after an RCU grace period, e.g. the
# exec hooks' per-run buffers, is then back).
sleepers_kb() {
	_s0=$(slab_kb)
	slab_caches "$1.c0"
	touch "$1.go"
	wait_for "$1" spawned || return 1
	sleep "$SETTLE"
	_s1=$(slab_kb)
	slab_caches "$1.c1"
	slab_grown "$1.c0" "$1.c1" >"$1.grown"
	echo $((_s1 - _s0))
}

sleepers_stop() {
	# shellcheck disable=SC2046 # one pid a word
	kill $(awk '$2 == "(sleep)" && $3 == "S" {print $1}' /proc/[0-9]*/stat 2>/dev/null)
}

# sleepers_fill OUT: SLEEPERS unconfined sleepers started and left running, unmeasured.
sleepers_fill() {
	sleepers_start "$1"
	wait_for "$1" ready || return 1
	touch "$1.go"
	wait_for "$1" spawned
}

# mem_turn N: slab growth per sleeper confined by build N beyond an unconfined one's, both
# while build N is loaded (after its load settled, so what the load frees is not counted).
# The objects the last turn's sleepers freed are taken first by 2 × SLEEPERS sleepers nobody
# measures: whichever set came next would otherwise fill the freed room and grow the slab less
# (SLUB also counts the objects free in a CPU's slabs as in use in /proc/slabinfo). Then the
# unconfined, still alive while the confined start, for the same reason. They run in a cgroup
# beside `agentgate exec`'s (BASE_CG, same parent, same controllers), so that what the kernel
# spends on any task of a non-root cgroup (memcg accounting of its slab objects) is in both.
BASE_CG=/sys/fs/cgroup/agentgate/ab-base
mem_turn() {
	sleepers_start /tmp/slc /ag/bin/ag-"$1" exec --policy /ag/pol/seed.yaml --audit-log /tmp/audit.log --
	wait_for /tmp/slc ready || return 1
	sleepers_fill /tmp/slw1 && sleepers_fill /tmp/slw2 || return 1
	sleep 3
	mkdir -p $BASE_CG || return 1
	# shellcheck disable=SC2016 # expanded by the helper's shell
	sleepers_start /tmp/slu /bin/sh -c 'echo $$ >'$BASE_CG'/cgroup.procs && exec "$@"' sh
	wait_for /tmp/slu ready || return 1
	_base=$(sleepers_kb /tmp/slu) || return 1
	_conf=$(sleepers_kb /tmp/slc) || return 1
	sleepers_stop
	wait
	rmdir $BASE_CG
	echo "$_base $_conf"
}

# slab_diff N ROUND: per cache, the growth per confined sleeper beyond an unconfined one's
# (the caches that hold mem_turn's difference), largest first:
#   SLAB N ROUND cache bytes_per_task
slab_diff() {
	awk -v v="$1" -v r="$2" -v n="$SLEEPERS" 'FILENAME == ARGV[1] {u[$1] = $2; next} {c[$1] = $2}
		END {for (k in u) if (!(k in c)) c[k] = 0
			for (k in c) {d = (c[k] - u[k]) / n; if (d >= 16 || d <= -16) printf "SLAB %s %d %s %.0f\n", v, r, k, d}}' \
		/tmp/slu.grown /tmp/slc.grown | sort -k5,5nr
}

# loop_turn N TAG CMD...: the microbench OP loop under CMD, measured over WIN seconds:
#   TAG N ROUND prog_ns NS calls N op_ns NS
loop_turn() {
	_v=$1 _tag=$2
	shift 2
	rm -f /tmp/mb.out
	# A background job of this shell ignores SIGINT: agentgate exec takes it (and ends its
	# cgroup), the microbench alone gets SIGTERM.
	_sig=TERM
	[ $# -gt 0 ] && _sig=INT
	# shellcheck disable=SC2086 # MB_ARGS: one option a word
	"$@" /ag/bin/microbench -k 100000 $MB_ARGS -f $FILE >/tmp/mb.out 2>&1 &
	_p=$!
	_n=0
	while { [ ! -f /tmp/mb.out ] || [ "$(wc -l </tmp/mb.out)" -lt 2 ]; } && [ $_n -lt 300 ]; do
		sleep 0.2
		_n=$((_n + 1))
	done
	if [ $_n -ge 300 ]; then
		echo "ABFAIL $_v $_tag $(head -c 300 /tmp/mb.out | tr '\n' ' ')"
		kill -$_sig $_p
		wait $_p
		return 1
	fi
	_s0=$(stat_of)
	sleep "$WIN"
	_s1=$(stat_of)
	kill -$_sig $_p
	wait $_p
	_best=$(sed -n "s/^$OP //p" /tmp/mb.out | sort -n | head -n 1)
	echo "$_s0 $_s1" | awk -v t="$_tag" -v v="$_v" -v r=$r -v b="$_best" \
		'{ printf "%s %s %d prog_ns %.0f calls %d op_ns %s\n", t, v, r, ($3 - $1) / ($4 - $2), $4 - $2, b }'
}

# unconfined_turn N: the loop unconfined (the root cgroup) while build N confines a sleeper
# elsewhere, so a policy is installed and every open asks which applies: UNC lines.
unconfined_turn() {
	/ag/bin/ag-"$1" exec --policy /ag/pol/seed.yaml --audit-log /tmp/audit.log -- sleep 600 &
	_q=$!
	sleep 2
	kill -0 $_q 2>/dev/null || { echo "ABFAIL $1 UNC: the confined sleep did not stay"; return 1; }
	loop_turn "$1" UNC
	_rc=$?
	kill -INT $_q
	wait $_q
	return $_rc
}

case $OP in
open) PROG=ag_file_open MB_ARGS="-o 2000 -x 0 -c 0" ;;
connect) PROG=ag_socket_connect MB_ARGS="-o 0 -x 0 -c 200" ;;
exec) PROG=ag_bprm_check MB_ARGS="-o 0 -x 20 -c 0" ;;
*) echo "ABFAIL no such OP: $OP"; exit 1 ;;
esac
stat_of() { bpftool prog show name $PROG | grep -o "run_time_ns [0-9]* run_cnt [0-9]*" | awk '{print $2, $4; exit}'; }
r=1
while [ $r -le "$ROUNDS" ]; do
	for v in $VARIANTS; do
		rm -rf /sys/fs/bpf/agentgate
		loop_turn "$v" AB /ag/bin/ag-"$v" exec --policy /ag/pol/seed.yaml --audit-log /tmp/audit.log -- || exit 1
		rm -f /tmp/audit.log*
		loop_turn "$v" IDL || exit 1
		unconfined_turn "$v" || exit 1
		rm -f /tmp/audit.log*
		m=$(mem_turn "$v") || { echo "$m"; exit 1; }
		echo "$m" | awk -v v="$v" -v r=$r -v n="$SLEEPERS" \
			'{ printf "MEM %s %d kib_per_task %.1f\n", v, r, ($2 - $1) / n }'
		slab_diff "$v" $r
		rm -f /tmp/audit.log*
	done
	r=$((r + 1))
done
