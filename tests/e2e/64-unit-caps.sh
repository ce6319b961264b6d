#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The systemd unit's capability bounding set is enough: the daemon's own scenarios (control,
# enforcement with records that name a child cgroup, DNS inside other network namespaces,
# the ask socket) run again with the daemon started under exactly the
# CapabilityBoundingSet= of deploy/systemd/agentgate.service, a killed exec's leftovers are
# collected, and a daemon with no capability at all refuses to start with a clear error.
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

# The scenarios, each in its own shell as the guest runs tests, names prefixed.
for t in 36-dns-netns 51-daemon-enforce 52-daemon-control 56-ask; do
	AG_DAEMON_WRAP="$SETPRIV --bounding-set -all,$caps" \
		timeout 600 sh -u -c '. /ag/tests/e2e/lib.sh; . "$0"' "$E2E_DIR/$t.sh" \
		</dev/null >"$WORK/$t.out" 2>&1
	if grep -q '^\(not \)\{0,1\}ok - ' "$WORK/$t.out"; then
		sed -n "s/^\(not \)\{0,1\}ok - /&unit caps: /p" "$WORK/$t.out"
	else
		fail "unit caps: $t runs" "$(head -c 400 "$WORK/$t.out" | tr '\n' ' ')"
	fi
done

# What a killed `agentgate exec` leaves: its policy stays pinned. A daemon under the unit's
# set (no CAP_DAC_READ_SEARCH, so no cgroup looked up by its id) removes at start the policy
# whose cgroup is gone and keeps the one whose cgroup still holds the survivor.
. "$E2E_DIR/daemon.sh"
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
if AG_DAEMON_WRAP="$SETPRIV --bounding-set -all,$caps" start_daemon; then
	before=$(others)
	dead=$(leftover)
	live=$(leftover)
	deadcg=$(sed -n 's/^0:://p' "/proc/$dead/cgroup")
	livecg=$(sed -n 's/^0:://p' "/proc/$live/cgroup")
	kill -KILL "$dead"
	_i=0
	while ! rmdir "$CGROOT$deadcg" 2>/dev/null && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	left=$(others)
	stop_daemon
	if [ -n "$dead" ] && [ -n "$live" ] && [ ! -d "$CGROOT$deadcg" ] && [ "$left" = $((before + 2)) ]; then
		pass "unit: two killed execs leave their policies pinned ($deadcg removed, $livecg alive)"
	else
		fail "unit: two killed execs leave their policies pinned" "sleepers '$dead' '$live', $deadcg there: $([ -d "$CGROOT$deadcg" ] && echo yes || echo no), policies $before then '$left'"
	fi
	if AG_DAEMON_WRAP="$SETPRIV --bounding-set -all,$caps" start_daemon; then
		after=$(others)
		[ "$after" = $((before + 1)) ] &&
			pass "unit: the daemon removes the policy of the cgroup gone, keeps the live one's" ||
			fail "unit: the daemon removes the policy of the cgroup gone, keeps the live one's" "policies $before + 2 before, $after after; $(tail -n 3 "$D/daemon.err" | tr '\n' ' ')"
		expect "unit: the survivor of the killed exec is still confined" EPERM in_cgroup "${livecg#/}" "$PROBE" open-read "$WORK/gc-secret"
		stop_daemon
	else
		fail "unit: the daemon starts again" "$(tail -n 3 "$D/daemon.err" | tr '\n' ' ')"
	fi
	kill -KILL "$live" 2>/dev/null
else
	fail "unit: the daemon starts" "$(tail -n 3 "$D/daemon.err" | tr '\n' ' ')"
fi

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
