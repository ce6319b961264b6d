#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Guest script for tests/bench/containers.sh, in the engines VM (tests/vm/engines.sh):
# dockerd with the agentgate runtime registered (as tests/e2e/46-docker-seed2.sh starts it),
# the daemon with a policies_dir holding bench.yaml, a busybox image (engines.sh).
#  start  START_ROUNDS rounds, each one `docker run --rm` with plain runc and one through
#         agentgate-runc with AGENTGATE_POLICY=bench (which goes first alternates): ns from
#         just before `docker run` until the container's entrypoint (static microbench
#         `now`, bind-mounted) reads CLOCK_MONOTONIC, and until `docker run` returned.
#  open   OPEN_ROUNDS rounds of four configurations in turn: microbench opens on the host
#         unconfined, on the host in a cgroup the daemon assigned bench.yaml, in a plain
#         runc container, in an agentgate-runc container bound to bench; the same static
#         binary and file everywhere (bind-mounted at the same paths).
# Before measuring, the policy is shown to bind: a file it denies is refused on the host
# cgroup and in the agentgate container, and readable in the plain one.
# Output: BENCHCS start CONFIG FIRST_NS RETURN_NS, BENCHCS open CONFIG NS (one per batch),
# BENCHINFO KEY VALUE..., BENCHFAIL REASON.
set -u
. /ag/bench/engines.sh
START_ROUNDS=10
OPEN_ROUNDS=5
OPEN_N=5000
TURNS=3
B=/srv/bc
MB=$B/bin/microbench
FILE=$B/data/data.txt
CG=/sys/fs/cgroup/bc
SOCK=/run/agentgate/control.sock

echo "BENCHINFO kernel $(uname -r)"
echo "BENCHINFO cpus $(nproc)"
mkdir -p "$B/bin" "$B/data" "$B/policies" "$B/d" "$CG/host"
cp /ag/bin/microbench-static "$MB"
echo "bench data" >"$FILE"
echo "not for agents" >"$B/data/secret"
cp -a /ag/bench/include "$B/policies/"
# Permissive but real: rules of each kind the hooks look up, one file denied (the check
# that the policy binds), the measured file allowed by a rule of its own.
cat >"$B/policies/bench.yaml" <<EOF
version: "1.0"
default: allow
rules:
  - action: file_read
    path: "$B/data/secret"
    decision: deny
    reason: "bench: the denied file"
  - action: file_read
    path: "$B/data/**"
    decision: allow
    reason: "bench: its data"
  - action: file_write
    path: "$B/bin/**"
    decision: deny
    reason: "bench: no writes to its binaries"
  - action: shell_exec
    command: "curl *"
    decision: deny
    reason: "bench: no curl"
EOF
cat >"$B/d/daemon.yaml" <<EOF
control_socket: $SOCK
stream_socket: $B/d/stream.sock
state_file: $B/d/daemon.state
audit:
  log: $B/d/audit.log
  key_dir: $B/d/keys
  durability: batch
containers:
  policies_dir: $B/policies
assignments:
  - cgroup: /bc/host
    policy: $B/policies/bench.yaml
EOF
agentgate daemon --config "$B/d/daemon.yaml" 2>>"$B/d/daemon.err" ||
	{ echo "BENCHFAIL daemon: $(tail -n 2 "$B/d/daemon.err" | tr '\n' ' ')"; exit 1; }
ln -sf /ag/bin/agentgate /ag/bin/agentgate-runc
DOCKERD_ARGS="--add-runtime agentgate=/ag/bin/agentgate-runc" docker_start none ||
	{ echo "BENCHFAIL dockerd: $(tail -n 3 "$ENGINES_LOGS/dockerd.log" | tr '\n' ' ')"; exit 1; }
if ! engines_rootfs_busybox /tmp/busybox.tar || ! docker_image busybox /tmp/busybox.tar; then
	echo "BENCHFAIL busybox image"
	exit 1
fi
rm -f /tmp/busybox.tar
IMG=$(docker_ref busybox)

# run CONFIG CMD...: CMD in a fresh container, plain runc (plain) or bound to bench (ag).
run() {
	_c=$1
	shift
	# shellcheck disable=SC2086 # DOCKER_UNCONFINED is two words
	set -- --rm $DOCKER_UNCONFINED --network none -v "$B/bin:$B/bin:ro" -v "$B/data:$B/data:ro" "$IMG" "$@"
	[ "$_c" = ag ] && set -- --runtime agentgate -e AGENTGATE_POLICY=bench "$@"
	docker run "$@"
}
in_host() { # CONFIG CMD...: CMD on the host, unconfined (plain) or in the assigned cgroup (ag)
	_c=$1
	shift
	if [ "$_c" = ag ]; then
		sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG/host" "$@"
	else
		"$@"
	fi
}

# The policy binds where it should, and only there.
in_host ag cat "$B/data/secret" >/dev/null 2>&1 && echo "BENCHFAIL host cgroup: the denied file was read"
run ag cat "$B/data/secret" >/dev/null 2>&1 && echo "BENCHFAIL agentgate container: the denied file was read"
run plain cat "$B/data/secret" >/dev/null 2>&1 || echo "BENCHFAIL plain container: the file was not readable"
grep -q '"reason":"bench: the denied file"' "$B/d/audit.log" 2>/dev/null || sleep 1
echo "BENCHINFO denials $(grep -c '"reason":"bench: the denied file"' "$B/d/audit.log" 2>/dev/null)"

# Warm-up, unmeasured: the first run of each kind pays for caches the rest find warm.
run plain "$MB" now >/dev/null 2>&1
run ag "$MB" now >/dev/null 2>&1

start_one() {
	_t0=$("$MB" now | cut -d' ' -f2)
	_t1=$(run "$1" "$MB" now 2>/tmp/start.err | cut -d' ' -f2)
	_t2=$("$MB" now | cut -d' ' -f2)
	if [ -n "$_t1" ]; then
		echo "BENCHCS start $1 $((_t1 - _t0)) $((_t2 - _t0))"
	else
		echo "BENCHFAIL start $1: $(head -c 300 /tmp/start.err)"
	fi
}
i=0
while [ $i -lt "$START_ROUNDS" ]; do
	if [ $((i % 2)) -eq 0 ]; then start_one plain; start_one ag; else start_one ag; start_one plain; fi
	i=$((i + 1))
done

OPEN="$MB -k $TURNS -o $OPEN_N -x 0 -c 0 -f $FILE"
open_one() { # WHERE CONFIG
	# shellcheck disable=SC2086 # OPEN is a command line
	if [ "$1" = host ]; then in_host "$2" $OPEN; else run "$2" $OPEN; fi 2>/tmp/open.err |
		sed -n "s/^open /BENCHCS open $1-$2 /p" | grep . || echo "BENCHFAIL open $1-$2: $(head -c 300 /tmp/open.err)"
}
i=0
while [ $i -lt "$OPEN_ROUNDS" ]; do
	open_one host plain
	open_one host ag
	open_one container plain
	open_one container ag
	i=$((i + 1))
done
echo "BENCHINFO opens_recorded $(grep -c "\"path\":\"$FILE\"" "$B/d/audit.log" 2>/dev/null)"
echo "BENCHINFO engine $(docker version --format '{{.Server.Version}}' 2>/dev/null) runc $(runc --version 2>/dev/null | head -n 1 | cut -d' ' -f3)"
docker_stop
exit 0
