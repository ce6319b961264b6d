# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Helpers for the kernel e2e tests (sourced by tests/e2e/NN-*.sh inside the VM).
# Each check prints "ok - NAME" or "not ok - NAME: reason".

E2E_DIR=$(cd "$(dirname "$0")" && pwd)
AGENTGATE=${AGENTGATE:-$(command -v agentgate)}
PROBE=${PROBE:-$(command -v probe)}
DNSFLOOD=${DNSFLOOD:-$(command -v dnsflood)}
WORK=$(mktemp -d /tmp/e2e.XXXXXX)

pass() { echo "ok - $1"; }
fail() { echo "not ok - $1: $2"; }

# A policy file from stdin, with @PROBE@ replaced by the probe's path.
policy() {
	sed "s|@PROBE@|$PROBE|g" >"$WORK/$1.yaml"
	echo "$WORK/$1.yaml"
}

# The rules every probe run needs: the probe itself and what the loader reads to start it.
probe_rules() {
	cat <<EOR
  - action: shell_exec
    command: "@PROBE@ *"
    decision: allow
  - action: file_read
    path: "/lib/**"
    decision: allow
  - action: file_read
    path: "/lib64/**"
    decision: allow
  - action: file_read
    path: "/usr/lib/**"
    decision: allow
  - action: file_read
    path: "/etc/ld.so.cache"
    decision: allow
EOR
}

# run POLICY LOG ARGS...: `agentgate exec` of ARGS under POLICY, audit records to LOG.
run() {
	local pol=$1 log=$2
	shift 2
	"$AGENTGATE" exec --policy "$pol" --audit-log "$log" -- "$@"
}

# wait_running APID: until the command of `agentgate exec` (pid APID) runs in its cgroup
# (slow under emulation); a timeout is left to the caller's next check.
wait_running() {
	wait_for grep -qs . "/sys/fs/cgroup/agentgate/exec-$1/cgroup.procs" || true
}

# wait_for CMD...: until CMD succeeds, 10 s at most (slow under emulation); its last status.
wait_for() {
	_w=0
	until "$@"; do
		[ $_w -lt 100 ] || return 1
		sleep 0.1
		_w=$((_w + 1))
	done
}

# expect NAME WANT CMD...: the first line CMD prints must be WANT.
expect() {
	local name=$1 want=$2 got
	shift 2
	got=$("$@" 2>"$WORK/stderr" | head -n 1)
	if [ "$got" = "$want" ]; then
		pass "$name"
	else
		fail "$name" "got '$got', want '$want' ($(head -c 300 "$WORK/stderr" | tr '\n' ' '))"
	fi
}

# matching LOG FRAGMENT...: the records of LOG that contain every fragment.
matching() {
	local log=$1 f lines
	shift
	lines=$(cat "$log" 2>/dev/null)
	for f in "$@"; do
		lines=$(printf '%s\n' "$lines" | grep -F -- "$f")
	done
	printf '%s' "$lines"
}

# audit NAME LOG FRAGMENT...: some record of LOG contains every fragment ("key":value).
audit() {
	local name=$1 log=$2
	shift 2
	if [ -n "$(matching "$log" "$@")" ]; then
		pass "$name"
	else
		fail "$name" "no record with $* in $log"
	fi
}

# no_audit NAME LOG FRAGMENT...: no record contains every fragment.
no_audit() {
	local name=$1 log=$2 lines
	shift 2
	lines=$(matching "$log" "$@")
	if [ -z "$lines" ]; then
		pass "$name"
	else
		fail "$name" "unexpected record: $(printf '%s' "$lines" | head -n 1)"
	fi
}

# open_policy NAME [PROG]: a policy that lets the probe (and PROG, with any arguments) start and
# allows reading and writing every path (self-protection must hold anyway).
open_policy() {
	_run=
	[ -z "${2:-}" ] || _run=$(printf '  - action: shell_exec\n    command: "%s *"\n    decision: allow' "$2")
	policy "$1" <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
$_run
  - action: file_read
    path: "/**"
    decision: allow
  - action: file_write
    path: "/**"
    decision: allow
EOP
}
