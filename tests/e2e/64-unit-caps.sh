#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The systemd unit's capability bounding set and umask are enough: the daemon's own scenarios
# (control, enforcement with records that name a child cgroup, DNS inside other network
# namespaces, the ask socket) run again with the daemon started under exactly the
# CapabilityBoundingSet= and UMask= of deploy/systemd/agentgate.service, a killed exec's
# leftovers are collected, a daemon loading the programs memoizes opens (and says when it
# cannot), and a daemon with no capability at all refuses to start with a clear error.
# e2e-needs: python
. "$(dirname "$0")/kernel.sh"
unit=/ag/deploy/systemd/agentgate.service
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
if [ -z "$caps" ]; then
	fail "unit: CapabilityBoundingSet= found in $unit" "none"
	exit 0
fi
ok "unit: CapabilityBoundingSet= found ($caps)"
# util-linux's setpriv, by its path: busybox's sh runs its own applet (no --bounding-set)
# for a bare "setpriv" whatever PATH says.
SETPRIV=/ag/bin/setpriv
"$SETPRIV" --version 2>/dev/null | grep -q util-linux || { fail "unit: util-linux setpriv in the VM" "missing"; exit 0; }
umask=$(sed -n 's/^UMask=//p' "$unit")
[ -n "$umask" ] && pass "unit: UMask= found ($umask)" || fail "unit: UMask= found" "none"
# unit_wrap SET: AG_DAEMON_WRAP for a daemon under the unit's umask and bounding set SET.
unit_wrap() {
	echo "$UNIT_UMASK $SETPRIV --bounding-set -all,$1"
}

# scenario T BOUNDING-SET PREFIX: tests/e2e/T.sh in its own shell as the guest runs tests, its
# daemon under BOUNDING-SET, its names prefixed.
scenario() {
	AG_DAEMON_WRAP=$(unit_wrap "$2") \
		timeout 600 sh -u -c '. /ag/tests/e2e/lib.sh; . "$0"' "$E2E_DIR/$1.sh" \
		</dev/null >"$WORK/$1.out" 2>&1
	if grep -q '^\(not \)\{0,1\}ok - ' "$WORK/$1.out"; then
		sed -n "s/^\(not \)\{0,1\}ok - /&$3: /p" "$WORK/$1.out"
	else
		fail "$3: $1 runs" "$(head -c 400 "$WORK/$1.out" | tr '\n' ' ')"
	fi
}
# The open memo needs the kernel's addresses from /proc/kallsyms, which with
# perf_event_paranoid above 1 (Debian's default) it shows only to CAP_SYSLOG. A daemon that
# loads the programs without it is given none: status and its log say so; a daemon under the
# unit's set that adopts those programs fills the addresses in. Then, with no pins left, a
# daemon under the unit's set loads them and repeated opens are memoized; the scenarios
# adopt those pins.
. "$E2E_DIR/daemon.sh"
# After daemon.sh, which makes $WORK anew. The VM has /bin/busybox, not /bin/sh.
UNIT_UMASK=$WORK/unit-umask
printf '#!/bin/busybox sh\numask %s\nexec "$@"\n' "${umask:-0022}" >"$UNIT_UMASK"
chmod 755 "$UNIT_UMASK"
# Its daemon's files apart from the scenarios' ($WORK/daemon, theirs too).
D=$WORK/unit-memo SOCK=$WORK/unit-memo/run/control.sock AUDIT=$WORK/unit-memo/audit.log
mkdir -p "$D"
daemon_config </dev/null
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)
echo 2 >/proc/sys/kernel/perf_event_paranoid
# memo_expect BOUNDING-SET on|off NAME: the status of a daemon started under BOUNDING-SET
# says "open memo  on" (or off).
memo_expect() {
	: >"$D/daemon.err"
	if AG_DAEMON_WRAP=$(unit_wrap "$1") start_daemon; then
		_out=$(ctl status)
		stop_daemon
	else
		_out="the daemon did not start: $(tail -n 3 "$D/daemon.err" | tr '\n' ' ')"
	fi
	case $_out in
	*"open memo  $2"*) pass "$3" ;;
	*) fail "$3" "$_out" ;;
	esac
}
nosyslog=$(echo "$caps" | sed 's/,+syslog//')
[ "$nosyslog" != "$caps" ] && pass "unit: CAP_SYSLOG in the set" || fail "unit: CAP_SYSLOG in the set" "$caps"
rm -rf /sys/fs/bpf/agentgate /run/agentgate-ask
memo_expect "$nosyslog" off "unit without CAP_SYSLOG: the open memo is off, status says so"
# Agents of every user reach the ask socket: the directory the daemon made is 0755 whatever
# the unit's umask.
m=$(stat -c %a /run/agentgate-ask 2>&1)
[ "$m" = 755 ] && pass "unit: under UMask=$umask the ask directory the daemon makes is 0755" ||
	fail "unit: under UMask=$umask the ask directory the daemon makes is 0755" "$m"
grep -q "nor this daemon the address of rename_lock and mount_lock" "$D/daemon.err" &&
	pass "unit without CAP_SYSLOG: the daemon's log says why" ||
	fail "unit without CAP_SYSLOG: the daemon's log says why" "$(cat "$D/daemon.err")"
memo_expect "$caps" on "unit: a daemon adopting programs loaded without the addresses turns the memo on"
rm -rf /sys/fs/bpf/agentgate
memo_expect "$caps" on "unit: the programs a daemon loaded under the unit's set memoize opens"
for t in 36-dns-netns 51-daemon-enforce 52-daemon-control 56-ask; do
	scenario $t "$caps" "unit caps"
done
echo "$paranoid" >/proc/sys/kernel/perf_event_paranoid
D=$WORK/daemon SOCK=$WORK/daemon/run/control.sock AUDIT=$WORK/daemon/audit.log
# Without CAP_DAC_READ_SEARCH (a container that does not grant it) the daemon finds cgroups by
# walking the tree: records still name a task's own cgroup (51's child cgroup).
nodrs=$(echo "$caps" | sed 's/,+dac_read_search//')
[ "$nodrs" != "$caps" ] && pass "unit: CAP_DAC_READ_SEARCH in the set" || fail "unit: CAP_DAC_READ_SEARCH in the set" "$caps"
scenario 51-daemon-enforce "$nodrs" "no dac_read_search"

# What a killed `agentgate exec` leaves: its policy stays pinned. A daemon removes at start
# the policy whose cgroup is gone and keeps the one whose cgroup still holds the survivor,
# looking cgroups up by id (the unit's set) or, without CAP_DAC_READ_SEARCH, in a walk.
daemon_config </dev/null
others() { ctl status --json | sed -n 's/.*"other_policies":[ ]*\([0-9]*\).*/\1/p'; }
# leftover: starts `agentgate exec -- sleep`, kills the exec with SIGKILL; prints the sleeper's pid.
leftover() {
	"$AGENTGATE" exec --policy "$GCPOL" -- sleep 600 >/dev/null 2>&1 &
	_x=$!
	_i=0
	# Once the child runs sleep it is in its cgroup, under its policy.
	until _s=$(cat "/proc/$_x/task/$_x/children" 2>/dev/null) && [ -n "$_s" ] &&
		[ "$(cat /proc/$_s/comm 2>/dev/null)" = sleep ] || [ $_i -ge 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill -KILL "$_x"
	wait "$_x" 2>/dev/null
	echo $_s
}
# gone CGROUP: removes it once its last task is gone (5 s at most).
gone() {
	_i=0
	while ! rmdir "$CGROOT$1" 2>/dev/null && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
echo x >"$WORK/gc-secret"
GCPOL=$(policy gc <<EOP
version: "1.0"
default: allow
rules:
  - action: file_read
    path: "$WORK/gc-secret"
    decision: deny
    reason: "the leftover still judges"
EOP
)
# gc_case BOUNDING-SET PREFIX
gc_case() {
	_set=$1 _n=$2
	if ! AG_DAEMON_WRAP=$(unit_wrap "$_set") start_daemon; then
		fail "$_n: the daemon starts" "$(tail -n 3 "$D/daemon.err" | tr '\n' ' ')"
		return
	fi
	before=$(others)
	dead=$(leftover)
	live=$(leftover)
	deadcg=$(sed -n 's/^0:://p' "/proc/$dead/cgroup")
	livecg=$(sed -n 's/^0:://p' "/proc/$live/cgroup")
	kill -KILL "$dead"
	gone "$deadcg"
	left=$(others)
	stop_daemon
	if [ -n "$dead" ] && [ -n "$live" ] && [ ! -d "$CGROOT$deadcg" ] && [ "$left" = $((before + 2)) ]; then
		pass "$_n: two killed execs leave their policies pinned ($deadcg removed, $livecg alive)"
	else
		fail "$_n: two killed execs leave their policies pinned" "sleepers '$dead' '$live', $deadcg there: $([ -d "$CGROOT$deadcg" ] && echo yes || echo no), policies $before then '$left'"
	fi
	if AG_DAEMON_WRAP=$(unit_wrap "$_set") start_daemon; then
		after=$(others)
		[ "$after" = $((before + 1)) ] &&
			pass "$_n: the daemon removes the policy of the cgroup gone, keeps the live one's" ||
			fail "$_n: the daemon removes the policy of the cgroup gone, keeps the live one's" "policies $before + 2 before, $after after; $(tail -n 3 "$D/daemon.err" | tr '\n' ' ')"
		expect "$_n: the survivor of the killed exec is still confined" EPERM in_cgroup "${livecg#/}" "$PROBE" open-read "$WORK/gc-secret"
		stop_daemon
	else
		fail "$_n: the daemon starts again" "$(tail -n 3 "$D/daemon.err" | tr '\n' ' ')"
	fi
	# Leave nothing to later tests: the survivor, its cgroup, and (exec's gc) its policy.
	kill -KILL "$live" 2>/dev/null
	gone "$livecg"
	"$AGENTGATE" exec --policy "$GCPOL" -- true
}
gc_case "$caps" "unit"
gc_case "$nodrs" "unit without CAP_DAC_READ_SEARCH"


# With no capability the daemon cannot load its programs: it says so and exits non-zero.
D=$WORK/unit-nocaps
mkdir -p "$D/run"
cat >"$D/daemon.yaml" <<EOC
control_socket: $D/run/control.sock
stream_socket: $D/run/stream.sock
ask_socket: none
state_file: $D/run/daemon.state
audit:
  log: $D/audit.log
  key_dir: $D/keys
EOC
if out=$(timeout 60 "$SETPRIV" --bounding-set -all "$AGENTGATE" daemon --foreground --config "$D/daemon.yaml" 2>&1); then
	fail "unit: a daemon with no capability refuses to start" "it ran: $out"
else
	case $out in
	*"not enough privileges"*) ok "unit: a daemon with no capability refuses to start and says why" ;;
	*) fail "unit: a daemon with no capability refuses to start and says why" "$(printf '%s' "$out" | head -c 300)" ;;
	esac
fi
