# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Helpers for the daemon e2e tests (5x-daemon-*.sh): a daemon whose config, sockets, state
# and audit log live under $D, cgroups under /sys/fs/cgroup/$CGP.
. "$(dirname "$0")/kernel.sh"

D=$WORK/daemon
SOCK=$D/run/control.sock
CGROOT=/sys/fs/cgroup
AUDIT=$D/audit.log
mkdir -p "$D"

# daemon_config: writes $D/daemon.yaml; the assignments (YAML list items) come from stdin.
# AUDIT_EXTRA: more lines for the audit section (indented two spaces).
daemon_config() {
	{
		cat <<EOC
control_socket: $SOCK
stream_socket: $D/run/stream.sock
state_file: $D/run/daemon.state
audit:
  log: $AUDIT
  key_dir: $D/keys
  durability: batch
  batch_ms: 5
  seal_ms: 200
${AUDIT_EXTRA:-}
assignments:
EOC
		cat
	} >"$D/daemon.yaml.tmp"
	mv "$D/daemon.yaml.tmp" "$D/daemon.yaml"
}

# start_daemon: returns once the daemon is ready (it detaches), with its exit status on failure.
# AG_DAEMON_WRAP, if set, is a command the daemon runs under (64-unit-caps.sh: the unit's
# capability bounding set).
start_daemon() {
	${AG_DAEMON_WRAP:-} "$AGENTGATE" daemon --config "$D/daemon.yaml" 2>>"$D/daemon.err"
}

daemon_pid() {
	head -n 1 "$D/run/daemon.state.lock" 2>/dev/null
}

# stop_daemon [SIGNAL]: signals the daemon and waits until it is gone.
stop_daemon() {
	_p=$(daemon_pid)
	[ -n "$_p" ] || return 0
	kill "-${1:-TERM}" "$_p" 2>/dev/null
	_i=0
	while kill -0 "$_p" 2>/dev/null && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	! kill -0 "$_p" 2>/dev/null
}

# hup: signals the daemon to reload its config and returns once the reload is recorded (its
# last step: every assignment applied or refused), at most 30 s; 1 if it never was.
hup() {
	_n=$(grep -c '"what":"daemon_reload"' "$AUDIT" 2>/dev/null)
	kill -HUP "$(daemon_pid)" || return 1
	_i=0
	while [ "$(grep -c '"what":"daemon_reload"' "$AUDIT" 2>/dev/null)" -le "${_n:-0}" ]; do
		[ $_i -lt 300 ] || return 1
		sleep 0.1
		_i=$((_i + 1))
	done
}

ctl() {
	"$AGENTGATE" "$@" --socket "$SOCK"
}

# in_cgroup CGROUP CMD...: runs CMD as a process moved into /sys/fs/cgroup/CGROUP.
in_cgroup() {
	_cg=$1
	shift
	sh -c 'cg=$1; shift; echo $$ >"$cg/cgroup.procs" && exec "$@"' sh "$CGROOT/$_cg" "$@"
}

# wait_audit NAME FRAGMENT...: like audit, but waits up to 5 s for batched writes.
wait_audit() {
	_n=$1
	shift
	_i=0
	while [ $_i -lt 50 ]; do
		_l=$(cat "$AUDIT" 2>/dev/null)
		for _f in "$@"; do
			_l=$(printf '%s\n' "$_l" | grep -F -- "$_f")
		done
		[ -n "$_l" ] && { pass "$_n"; return 0; }
		sleep 0.1
		_i=$((_i + 1))
	done
	fail "$_n" "no record with $* in $AUDIT"
}

# verify_open NAME: the daemon's open log verifies. Records written a moment ago
# are sealed within seal_ms (200): an unsealed tail (status 1) is waited out for
# 5 s; any other verdict fails at once.
verify_open() {
	_i=0
	while :; do
		_out=$("$AGENTGATE" audit verify --open "$AUDIT" 2>&1)
		_rc=$?
		[ $_rc -eq 0 ] && { pass "$1"; return 0; }
		[ $_rc -ne 1 ] || [ $_i -ge 25 ] && break
		sleep 0.2
		_i=$((_i + 1))
	done
	fail "$1" "audit verify --open exited $_rc: $(printf '%s' "$_out" | head -c 300)"
}

# decisions: how many decisions the decision records on stdin stand for (a record of
# folded decisions, docs/audit.md, stands for its count).
decisions() {
	sed -n 's/.*"count":\([0-9]*\).*/\1/p; t; s/.*/1/p' | awk '{ s += $1 } END { print s + 0 }'
}

# policy_sha CGROUP: the sha256 the daemon reports for the cgroup's policy.
policy_sha() {
	ctl status --json | tr '{' '\n' | grep -F "\"cgroup\":\"$1\"" |
		sed -n 's/.*"sha256":"\([0-9a-f]*\)".*/\1/p'
}

# Nothing of a test may outlive it: the daemon and the cgroups it made.
daemon_cleanup() {
	stop_daemon KILL
	for _c in $(find "$CGROOT/$CGP" -depth -type d 2>/dev/null); do
		[ -f "$_c/cgroup.kill" ] && echo 1 >"$_c/cgroup.kill"
	done
	sleep 0.2
	find "$CGROOT/$CGP" -depth -type d -exec rmdir {} \; 2>/dev/null
}
