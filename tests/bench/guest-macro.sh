#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Guest script for tests/bench/macro.sh: two real workloads, timed whole, in ROUNDS rounds
# of three configurations taken in turn (the first of a round rotates):
#   baseline   unconfined
#   agentgate  in a cgroup the daemon assigned macro.yaml (default deny; every open, exec
#              and write judged, and recorded in the daemon's audit log, folding on)
#   apparmor   under the AppArmor profile ag-macro with the same rules (as aa-exec sets it)
# Workloads, on copies made here of the staged CPython standard library:
#   tar        GNU tar (by its path: busybox sh prefers its own applet) -cf - of the tree, piped to cat >/dev/null (GNU tar skips reading
#              the files when the archive itself is /dev/null)
#   compileall python3 -m compileall -f -q of a copy of a stdlib package
# One unmeasured round first. Then: the audit log verified, its denials and records
# counted, AppArmor's denials counted from the kernel log.
# Output: BENCHMACRO WORKLOAD CONFIG ROUND NS, BENCHINFO KEY VALUE..., BENCHFAIL REASON.
set -u
# shellcheck source=/dev/null # written by macro.sh
. /ag/macro/params
M=/ag/macro
B=/srv/macro
CG=/sys/fs/cgroup/macro
H=/tmp/macro # the harness's own files (stderr), outside the measured trees

echo "BENCHINFO kernel $(uname -r)"
echo "BENCHINFO cpus $(nproc)"
echo "BENCHINFO lsm $(cat /sys/kernel/security/lsm)"
mkdir -p "$B/work" "$B/d" "$CG/ag" "$H"
cp -a /usr/lib/python3.11 "$B/src"
cp -a "/usr/lib/python3.11/$PKG" "$B/work/"
echo "BENCHINFO tree $(find "$B/src" -type f | wc -l) $(du -sk "$B/src" | cut -f1)"
echo "BENCHINFO pkg $(find "$B/work/$PKG" -name '*.py' | wc -l)"

cat >"$B/d/daemon.yaml" <<EOF
control_socket: $B/d/control.sock
stream_socket: $B/d/stream.sock
state_file: $B/d/daemon.state
audit:
  log: $B/d/audit.log
  key_dir: $B/d/keys
assignments:
  - cgroup: /macro/ag
    policy: $M/policies/macro.yaml
EOF
agentgate daemon --config "$B/d/daemon.yaml" 2>>"$H/daemon.err" ||
	{ echo "BENCHFAIL daemon: $(tail -n 2 "$H/daemon.err" | tr '\n' ' ')"; exit 1; }

configs="baseline agentgate"
if [ ! -d /sys/kernel/security/apparmor ]; then
	echo "BENCHINFO apparmor none: no /sys/kernel/security/apparmor ($(cat /sys/kernel/security/lsm))"
elif apparmor_parser -r -K "$M/apparmor/macro.aa" 2>"$H/aa.err"; then
	configs="$configs apparmor"
	echo "BENCHINFO apparmor loaded"
else
	echo "BENCHINFO apparmor none: apparmor_parser: $(head -c 300 "$H/aa.err" | tr '\n' ' ')"
fi

# run_as CONFIG CMD...: CMD the way CONFIG runs it. The same way in each: a shell writes
# one line to where CONFIG is set up (nothing; the cgroup the daemon assigned the policy;
# the profile for its next exec, as aa-exec does) and executes CMD.
run_as() {
	_c=$1
	shift
	case $_c in
	baseline) sh -c 'exec "$@"' "" "$@" ;;
	agentgate) sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG/ag" "$@" ;;
	apparmor) sh -c 'echo "exec ag-macro" >/proc/self/attr/apparmor/exec && exec "$@"' "" "$@" ;;
	esac
}

now() { microbench now | cut -d' ' -f2; }

# shellcheck disable=SC3040 # busybox sh has it: a tar that fails is not timed as done
set -o pipefail
# one WORKLOAD CONFIG ROUND: the workload timed once; ROUND 0 is not reported.
one() {
	_t0=$(now)
	case $1 in
	tar) run_as "$2" /ag/bin/tar -cf - -C "$B/src" . 2>"$H/err" | cat >/dev/null ;;
	compileall) run_as "$2" /usr/bin/python3 -m compileall -f -q "$B/work/$PKG" >"$H/err" 2>&1 ;;
	esac
	_rc=$?
	_t1=$(now)
	if [ "$_rc" -ne 0 ] || [ -s "$H/err" ]; then
		echo "BENCHFAIL $1 $2 round $3: exit $_rc: $(head -c 300 "$H/err" | tr '\n' ' ')"
	elif [ "$3" -gt 0 ]; then
		echo "BENCHMACRO $1 $2 $3 $((_t1 - _t0))"
	fi
}

# The agent's workspace is its working directory (python3 -m puts it on sys.path).
cd "$B" || exit 1
r=0
while [ "$r" -le "$ROUNDS" ]; do
	echo "BENCHINFO round $r $(cut -d' ' -f1 /proc/uptime)"
	# Rotate which configuration goes first, so none always follows the same one.
	# shellcheck disable=SC2086 # a list of words
	set -- $configs
	i=0
	while [ $i -lt $((r % $#)) ]; do
		_f=$1
		shift
		set -- "$@" "$_f"
		i=$((i + 1))
	done
	for w in tar compileall; do
		for c in "$@"; do
			one "$w" "$c" "$r"
		done
	done
	r=$((r + 1))
done
echo "BENCHINFO rounds_end $(cut -d' ' -f1 /proc/uptime)"
cd /

# The daemon stops cleanly (a seal ends the log), then the log is checked whole.
dpid=$(head -n 1 "$B/d/daemon.state.lock")
kill "$dpid"
while kill -0 "$dpid" 2>/dev/null; do sleep 0.1; done
echo "BENCHINFO verify $(agentgate audit verify "$B/d/audit.log"* 2>&1 | tr '\n' ' ')"
log=$B/d/audit.log
echo "BENCHINFO records $(grep -c '"type":"decision"' "$log")"
echo "BENCHINFO decisions $(grep '"type":"decision"' "$log" |
	sed -n 's/.*"count":\([0-9]*\).*/\1/p; t; s/.*/1/p' | awk '{ s += $1 } END { print s + 0 }')"
echo "BENCHINFO denials $(grep '"type":"decision"' "$log" | grep -c '"decision":"DENY"')"
grep '"type":"decision"' "$log" | grep '"decision":"DENY"' |
	sed -n 's/.*"action":"\([^"]*\)".*"path":"\([^"]*\)".*/BENCHINFO denied \1 \2/p
		s/.*"action":"\([^"]*\)".*"command":"\([^"]*\)".*/BENCHINFO denied \1 \2/p' | sort -u | head -n 20
echo "BENCHINFO aa_denials $(dmesg | grep -c 'apparmor="DENIED"')"
dmesg | grep 'apparmor="DENIED"' | sed -n 's/.*operation="\([^"]*\)".*name="\([^"]*\)".*requested_mask="\([^"]*\)".*/BENCHINFO aa_denied \1 \2 \3/p' | sort -u | head -n 20
exit 0
