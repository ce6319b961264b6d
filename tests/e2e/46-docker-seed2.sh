#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Seed 2 end to end with Debian's dockerd: a Node.js agent (tests/demo/docker/src/process.js)
# in a container started as the seed's compose file says (non-root user, read-only root,
# :ro data, :rw output, tmpfs /tmp, no-new-privileges) through the agentgate runtime, under
# policies/docker-sandbox.yaml with `include: [node]`, bound before the entrypoint runs
# (AGENTGATE_POLICY in its environment; Docker 20.10 passes no annotations). The agent reads
# its input and writes its output (allowed), and is refused `rm -rf` of its data and `curl`
# to exfiltrate it, each record with the seed's reason and the container's id. Its write to
# /app/src meets the read-only root first (EROFS); without --read-only, agentgate refuses
# it. A container asking for a missing policy does not start, with the reason in docker's
# output; one asking for none runs untouched.
# e2e-needs: engines
# e2e-timeout: 900
CGP=e2e-d46
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/engines.sh"
trap 'docker_stop; daemon_cleanup' EXIT

. "$(dirname "$0")/seed2.sh"
seed2_setup
DOCKERD_ARGS="--add-runtime agentgate=/ag/bin/agentgate-runc" docker_start none ||
	fail "dockerd with the agentgate runtime" "see $ENGINES_LOGS/dockerd.log"
check "agent image imported" docker_image agent "$WORK/agent.tar"
IMG=$(docker_ref agent)

seed_run() { # NAME [docker options...]: the agent's line of results
	_n=$1
	shift
	# shellcheck disable=SC2086 # DOCKER_UNCONFINED is two words
	docker run --rm --name "$_n" --runtime agentgate $DOCKER_UNCONFINED --network none \
		--user 1000:1000 --security-opt no-new-privileges --tmpfs /tmp \
		-v "$S/data:/app/data:ro" -v "$S/output:/app/output:rw" "$@" \
		"$IMG" node /app/src/process.js 2>"$WORK/$_n.err"
}
got=$(seed_run seed2 --read-only -e AGENTGATE_POLICY=docker-sandbox)
want="read_input=ALLOW write_output=ALLOW write_src=EROFS rm_data=DENY curl_exfil=DENY"
if [ "$got" = "$want" ]; then pass "seed 2: the kernel's answers to the agent"; else fail "seed 2: the kernel's answers to the agent" "got '$got' ($(head -c 300 "$WORK/seed2.err"))"; fi
[ -s "$S/output/summary.json" ] && pass "seed 2: output written" || fail "seed 2: output written" "no $S/output/summary.json"
[ -s "$S/data/input.csv" ] && pass "seed 2: data intact" || fail "seed 2: data intact" "input.csv gone"
seed2_records docker
wait_audit "docker: records name the container and its image (from dockerd's own file)" \
	'"container_name":"seed2"' "\"image\":\"$IMG\"" '"reason":"No curl even within sandbox"'
no_audit "nothing else denied" "$AUDIT" '"decision":"DENY"' '"action":"file_read"'

got=$(seed_run seed2-rw -e AGENTGATE_POLICY=docker-sandbox)
case $got in
*"write_src=DENY"*) pass "without --read-only, agentgate refuses the write to /app/src" ;;
*) fail "without --read-only, agentgate refuses the write to /app/src" "got '$got'" ;;
esac
wait_audit "record: write to /app/src denied, with the seed's reason" '"path":"/app/src/process.js"' '"decision":"DENY"' '"reason":"No modifying source code"'

if out=$(docker run --rm --runtime agentgate $DOCKER_UNCONFINED --network none -e AGENTGATE_POLICY=nope "$IMG" node -e 'console.log("ran")' 2>&1); then
	fail "a missing policy: the container does not start" "it ran: $out"
else
	case $out in
	*"no policy 'nope'"*) pass "a missing policy: the container does not start, docker says why" ;;
	*) fail "a missing policy: the container does not start, docker says why" "$(printf '%s' "$out" | head -c 300)" ;;
	esac
fi
out=$(docker run --rm --runtime agentgate $DOCKER_UNCONFINED --network none "$IMG" node -e 'console.log(require("fs").readFileSync("/etc/passwd","utf8").length > 0)' 2>&1)
if [ "$out" = true ]; then pass "no policy asked: the container runs untouched"; else fail "no policy asked: the container runs untouched" "$(printf '%s' "$out" | head -c 300)"; fi
# A container already running: `assign --container` judges it from now on, and what
# `docker exec` starts in it from its execve; records name it; tail filters on it.
# shellcheck disable=SC2086 # DOCKER_UNCONFINED is two words
docker run -d --name idle $DOCKER_UNCONFINED --network none --user 1000:1000 --tmpfs /tmp \
	-v "$S/data:/app/data:ro" -v "$S/output:/app/output:rw" "$IMG" \
	node -e 'setInterval(() => {}, 1000)' >/dev/null 2>"$WORK/idle.err" ||
	fail "a running container" "$(head -c 300 "$WORK/idle.err")"
# A lure: a cgroup named after the container's id (an agent allowed to mkdir in cgroupfs
# could make one). The binding follows the container's own init, not names.
idle_id=$(docker inspect --format '{{.Id}}' idle)
mkdir "/sys/fs/cgroup/docker-$idle_id.scope-lure" "/sys/fs/cgroup/$idle_id"
check "assign --container binds a running container" ctl assign --container idle "$S/policies/docker-sandbox.yaml"
ctl status >"$WORK/status" 2>&1
if grep "$idle_id" "$WORK/status" | grep -q lure || ! grep -q "/docker-$idle_id.scope\|/docker/$idle_id" "$WORK/status"; then
	fail "assign --container: the container's cgroup, not a lure" "$(grep -i "$idle_id" "$WORK/status" | head -c 400)"
else
	pass "assign --container: the container's cgroup, not a lure"
fi
rmdir "/sys/fs/cgroup/docker-$idle_id.scope-lure" "/sys/fs/cgroup/$idle_id"
got=$(docker exec idle node /app/src/process.js 2>"$WORK/exec.err")
want="read_input=ALLOW write_output=ALLOW write_src=DENY rm_data=DENY curl_exfil=DENY"
if [ "$got" = "$want" ]; then pass "docker exec into it is judged"; else fail "docker exec into it is judged" "got '$got' ($(head -c 300 "$WORK/exec.err"))"; fi
wait_audit "its records name it" '"container_name":"idle"' '"engine":"docker"' '"reason":"No curl even within sandbox"'
n=$("$AGENTGATE" audit tail --json --container idle "$AUDIT" | grep -c '"container_name":"idle"')
all=$("$AGENTGATE" audit tail --json --container idle "$AUDIT" | wc -l)
if [ "$n" -gt 0 ] && [ "$n" = "$all" ]; then pass "audit tail --container shows its records, only them"; else fail "audit tail --container shows its records, only them" "$n of $all"; fi
docker rm -f idle >/dev/null 2>&1

i=0
while ctl status 2>/dev/null | grep -q ' container ' && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
ctl status 2>/dev/null | grep -q ' container ' && fail "exited containers leave no binding" "$(ctl status 2>&1 | grep container)" || pass "exited containers leave no binding"
verify_open "the audit log verifies (open: the daemon still writes it)"
