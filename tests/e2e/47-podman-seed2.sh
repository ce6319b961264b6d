#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Seed 2 with podman (agentgate-crun, the policy named by the agentgate.policy annotation):
# the same agent as 46-docker-seed2.sh, the same answers from the kernel, records that name
# the engine, a missing policy refused with podman saying why, no binding left behind.
# e2e-needs: engines
# e2e-timeout: 900
CGP=e2e-d47
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/engines.sh"
. "$(dirname "$0")/seed2.sh"
trap 'podman_clean; daemon_cleanup' EXIT

seed2_setup
want="read_input=ALLOW write_output=ALLOW write_src=DENY rm_data=DENY curl_exfil=DENY"

podman_setup
check "podman: agent image imported" podman_image agent "$WORK/agent.tar"
got=$(podman --runtime /ag/bin/agentgate-crun run --rm --network none --user 1000:1000 \
	--annotation agentgate.policy=docker-sandbox --tmpfs /tmp \
	-v "$S/data:/app/data:ro" -v "$S/output:/app/output:rw" \
	"$(podman_ref agent)" node /app/src/process.js 2>"$WORK/podman.err")
if [ "$got" = "$want" ]; then pass "podman: the kernel's answers to the agent"; else fail "podman: the kernel's answers to the agent" "got '$got' ($(head -c 300 "$WORK/podman.err"))"; fi
seed2_records podman
if out=$(podman --runtime /ag/bin/agentgate-crun run --rm --network none \
	--annotation agentgate.policy=nope "$(podman_ref agent)" node -e 'console.log("ran")' 2>&1); then
	fail "podman: a missing policy refuses the container" "it ran: $out"
else
	case $out in
	*"no policy 'nope'"*) pass "podman: a missing policy refuses the container, podman says why" ;;
	*) fail "podman: a missing policy refuses the container, podman says why" "$(printf '%s' "$out" | head -c 300)" ;;
	esac
fi
podman_clean

i=0
while ctl status 2>/dev/null | grep -q ' container ' && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
ctl status 2>/dev/null | grep -q ' container ' && fail "exited containers leave no binding" "$(ctl status 2>&1 | grep container)" || pass "exited containers leave no binding"
