#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Faults around a container bound through agentgate-runc, with Debian's dockerd:
#   - the agentgate daemon killed (-9) and restarted while the container runs: its writes to
#     /app/src stay refused while the daemon is down and after, the restarted daemon adopts
#     the binding, and the records (those queued while it was down too) name the container;
#     a container removed while the daemon is down leaves no binding, and its records too
#     name it;
#   - dockerd stopped while the container runs: without live-restore it stops the container
#     and the binding goes with its cgroup, the records stay; with --live-restore the
#     container outlives dockerd, keeps its policy (runc exec into it meanwhile is judged) and
#     is judged after dockerd is back;
#   - the container's init killed between the runtime's create and start (a runtime that
#     kills it right after create): the container does not run, docker fails, nothing stays
#     bound and the next container binds;
#   - the daemon stopped cleanly while its config has selectors: a container that asks for
#     nothing is refused (they would have bound it), not started untouched; without
#     selectors it starts; with the daemon back, the selector binds it;
#   - no config on the host (Kubernetes: the daemon's config is a ConfigMap in its pod): the
#     daemon that read the default config with selectors left /var/lib/agentgate/binds-unasked,
#     and with no daemon the wrapper refuses a container that asks for nothing; once a daemon
#     reads a default config without selectors the mark goes, and such a container starts.
# e2e-needs: engines
# e2e-timeout: 1500
CGP=e2e-d55
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/engines.sh"
. "$(dirname "$0")/seed2.sh"
MARK=/var/lib/agentgate/binds-unasked
trap 'docker_stop; daemon_cleanup; rm -f /etc/agentgate/daemon.yaml "$MARK"' EXIT
trap 'exit 1' INT TERM # the cleanup above also when the harness's timeout ends the test

seed2_setup
seed2_faults_policy

# A runtime killed mid-start: agentgate-runc over a runc that kills the init after create.
cat >"$WORK/killer-runc" <<EOF
#!/bin/sh
pidf= prev=
for a do
	[ "\$prev" = --pid-file ] && pidf=\$a
	prev=\$a
done
$(command -v runc) "\$@" || exit \$?
case " \$* " in *" create "*) [ -n "\$pidf" ] && kill -9 "\$(cat "\$pidf")" ;; esac
exit 0
EOF
cat >"$WORK/midkill" <<EOF
#!/bin/sh
AGENTGATE_RUNTIME=$WORK/killer-runc exec /ag/bin/agentgate-runc "\$@"
EOF
# The wrapper told where the daemon's config is (a file of the test's, not /etc/agentgate's).
cat >"$WORK/cfgrun" <<EOF
#!/bin/sh
AGENTGATE_DAEMON_CONFIG=$D/daemon.yaml exec /ag/bin/agentgate-runc "\$@"
EOF
chmod 755 "$WORK/killer-runc" "$WORK/midkill" "$WORK/cfgrun"

RUNTIMES="--add-runtime agentgate=/ag/bin/agentgate-runc --add-runtime agentgate-midkill=$WORK/midkill --add-runtime agentgate-cfg=$WORK/cfgrun"
DOCKERD_ARGS=$RUNTIMES docker_start none || fail "dockerd" "see $ENGINES_LOGS/dockerd.log"
check "agent image imported" docker_image agent "$WORK/agent.tar"
IMG=$(docker_ref agent)

# long_run NAME: a long-running agent bound to faults.yaml, detached.
long_run() {
	# shellcheck disable=SC2086 # DOCKER_UNCONFINED is two words
	docker run -d --name "$1" --runtime agentgate $DOCKER_UNCONFINED --network none \
		--user 1000:1000 --stop-timeout 2 -v "$S/data:/app/data:ro" \
		-e AGENTGATE_POLICY=faults "$IMG" node -e 'setInterval(() => {}, 1000)' \
		>/dev/null 2>"$WORK/$1.err"
}
# recorded NAME CONTAINER TAG: the probe's denied write is recorded, naming the container.
recorded() {
	wait_audit "$1" "\"path\":\"/app/src/$3\"" '"decision":"DENY"' '"reason":"No modifying source code"' \
		'"engine":"docker"' "\"container_name\":\"$2\"" ||
		echo "# records of /app/src/$3: $(grep -F "\"path\":\"/app/src/$3\"" "$AUDIT" | head -c 600)"
}
bound() { ctl status 2>/dev/null | grep -q " container docker $(echo "$1" | cut -c1-12) "; }
# unbound NAME: no binding of that container stays (waits up to 10 s for the daemon's gc).
unbound() {
	_ui=0
	while ctl status 2>/dev/null | grep -Eq " container [a-z]+ [0-9a-f]+ $2( |\$)" && [ $_ui -lt 50 ]; do
		sleep 0.2
		_ui=$((_ui + 1))
	done
	ctl status 2>/dev/null | grep -Eq " container [a-z]+ [0-9a-f]+ $2( |\$)" && fail "$1" "$(ctl status 2>&1 | grep container)" || pass "$1"
}

# --- the daemon restarted while the container runs ------------------------------------------
long_run a1 || fail "a1 runs" "$(head -c 300 "$WORK/a1.err")"
cid=$(docker inspect -f '{{.Id}}' a1)
judged "daemon up: judged" a1-up docker exec a1
bound "$cid" && pass "a1 is bound" || fail "a1 is bound" "$(ctl status 2>&1 | tail -n 5)"
check "the daemon killed (-9)" stop_daemon KILL
judged "daemon down: still judged" a1-down docker exec a1
start_daemon && pass "the daemon restarted" || fail "the daemon restarted" "$(tail -n 3 "$D/daemon.err")"
bound "$cid" && pass "the restarted daemon adopts the binding" || fail "the restarted daemon adopts the binding" "$(ctl status 2>&1 | tail -n 5)"
judged "daemon restarted: judged" a1-again docker exec a1
recorded "record before the restart names the container" a1 a1-up
recorded "record queued while the daemon was down names the container" a1 a1-down
recorded "record after the restart names the container" a1 a1-again
docker rm -f a1 >/dev/null 2>&1
unbound "a1 gone: the adopted binding goes with it" a1
# A container that goes while the daemon is down: no binding comes back for it, and what it
# did meanwhile is written with its names.
long_run a2 || fail "a2 runs" "$(head -c 300 "$WORK/a2.err")"
check "the daemon killed (-9) again" stop_daemon KILL
judged "daemon down: a2 judged" a2-down docker exec a2
docker rm -f a2 >/dev/null 2>&1
start_daemon && pass "the daemon restarted after a2 went" || fail "the daemon restarted after a2 went" "$(tail -n 3 "$D/daemon.err")"
unbound "a2 went while the daemon was down: nothing stays bound" a2
recorded "a2's record queued while the daemon was down names it" a2 a2-down

# --- the container killed between create and start -------------------------------------------
# shellcheck disable=SC2086 # DOCKER_UNCONFINED is two words
if out=$(docker run --name m1 --runtime agentgate-midkill $DOCKER_UNCONFINED --network none \
	-e AGENTGATE_POLICY=faults "$IMG" node -e 'console.log("ran")' 2>&1); then
	fail "init killed mid-start: the container does not run" "it ran: $out"
else
	pass "init killed mid-start: the container does not run"
fi
echo "# docker run, init killed mid-start: $(printf '%s' "$out" | tail -n 1 | head -c 300)"
docker rm -f m1 >/dev/null 2>&1
unbound "init killed mid-start: nothing stays bound" m1
check "the daemon still answers" ctl status
long_run m2 || fail "the next container runs" "$(head -c 300 "$WORK/m2.err")"
judged "the next container is bound and judged" m2-up docker exec m2
docker rm -f m2 >/dev/null 2>&1

# --- the daemon stopped while its selectors would bind containers ----------------------------
# unasked NAME [RUNTIME]: a container that asks for no policy, through the wrapper that reads
# $D/daemon.yaml (agentgate-cfg), or RUNTIME.
unasked() {
	# shellcheck disable=SC2086 # DOCKER_UNCONFINED is two words
	docker run -d --name "$1" --runtime "${2:-agentgate-cfg}" $DOCKER_UNCONFINED --network none \
		--user 1000:1000 --stop-timeout 2 -v "$S/data:/app/data:ro" \
		"$IMG" node -e 'setInterval(() => {}, 1000)' 2>&1
}
# unasked_starts NAME RUNTIME WHAT: unasked NAME starts; removed after.
unasked_starts() {
	if _out=$(unasked "$1" "$2"); then
		pass "$3"
	else
		fail "$3" "$(printf '%s' "$_out" | tail -n 2 | head -c 400)"
	fi
	docker rm -f "$1" >/dev/null 2>&1
}
# unasked_refused NAME RUNTIME WHY WHAT: unasked NAME is refused, the engine's error saying WHY,
# and does not run; removed after.
unasked_refused() {
	if _out=$(unasked "$1" "$2"); then
		fail "$4" "it started: $_out"
	else
		case $_out in
		*"$3"*) pass "$4, saying why" ;;
		*) fail "$4, saying why" "$(printf '%s' "$_out" | tail -n 2 | head -c 400)" ;;
		esac
	fi
	_st=$(docker inspect -f '{{.State.Status}}' "$1" 2>&1)
	[ "$_st" != running ] && pass "$4: it is not running" || fail "$4: it is not running" "$_st"
	docker rm -f "$1" >/dev/null 2>&1
}
check "the daemon stopped cleanly" stop_daemon TERM
unasked_starts u1 agentgate-cfg "daemon stopped, no selectors: a container asking for nothing starts"
daemon_config <<EOC
containers:
  policies_dir: $S/policies
  selectors:
    - name: "u[0-9]"
      policy: faults
EOC
unasked_refused u2 agentgate-cfg "binds containers by selectors or default_policy" \
	"daemon stopped, a selector for its name: the container is refused"
start_daemon && pass "the daemon started with the selector" || fail "the daemon started with the selector" "$(tail -n 3 "$D/daemon.err")"
unasked u3 >/dev/null || fail "daemon back: the container asking for nothing runs" "$(docker logs u3 2>&1 | tail -n 2)"
judged "daemon back: the selector's policy judges it" u3-sel docker exec u3
docker rm -f u3 >/dev/null 2>&1

# --- no config on the host, as under Kubernetes ------------------------------------------------
# The daemon reads the default config (a link to $D/daemon.yaml, with the selector): it keeps
# the mark, which outlives it; then the config is gone from the host, as a ConfigMap is.
check "the daemon stopped, to read the default config" stop_daemon TERM
mkdir -p /etc/agentgate
ln -sf "$D/daemon.yaml" /etc/agentgate/daemon.yaml
start_daemon && pass "the daemon started on the default config" || fail "the daemon started on the default config" "$(tail -n 3 "$D/daemon.err")"
[ -f "$MARK" ] && pass "its selectors bind unasked containers: it keeps $MARK" || fail "its selectors bind unasked containers: it keeps $MARK" "$(ls -la /var/lib/agentgate 2>&1 | head -c 300); $(tail -n 3 "$D/daemon.err")"
printf 'version: "1.0"\ndefault: allow\n' >"$WORK/allow.yaml"
out=$(run "$WORK/allow.yaml" "$WORK/allow.log" rm -f "$MARK" 2>&1)
[ -f "$MARK" ] && pass "a confined agent cannot remove the mark, whatever its policy" || fail "a confined agent cannot remove the mark, whatever its policy" "$out"
check "the daemon stopped again" stop_daemon TERM
rm -f /etc/agentgate/daemon.yaml
[ -f "$MARK" ] && pass "the mark outlives the daemon" || fail "the mark outlives the daemon" "gone"
unasked_refused k1 agentgate "$MARK says its config binds containers" \
	"no daemon, no config on the host, the mark: a container asking for nothing is refused"
# The default config reloaded without selectors: the daemon removes the mark, and the
# container starts.
ln -sf "$D/daemon.yaml" /etc/agentgate/daemon.yaml
start_daemon && pass "the daemon started on the default config again" || fail "the daemon started on the default config again" "$(tail -n 3 "$D/daemon.err")"
daemon_config <<EOC
containers:
  policies_dir: $S/policies
EOC
kill -HUP "$(daemon_pid)"
i=0
while [ -e "$MARK" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ ! -e "$MARK" ] && pass "reloaded without selectors: the daemon removes the mark" || fail "reloaded without selectors: the daemon removes the mark" "$(cat "$MARK"); $(tail -n 3 "$D/daemon.err")"
check "the daemon stopped, no mark" stop_daemon TERM
rm -f /etc/agentgate/daemon.yaml
unasked_starts k2 agentgate "no daemon, no config on the host, no mark: a container asking for nothing starts"
start_daemon && pass "the daemon back for the faults below" || fail "the daemon back for the faults below" "$(tail -n 3 "$D/daemon.err")"

# --- dockerd stopped while the container runs, without live-restore -----------------------------
long_run b1 || fail "b1 runs" "$(head -c 300 "$WORK/b1.err")"
judged "b1 judged" b1-up docker exec b1
_engines_kill /run/docker.pid
unbound "dockerd stopped (no live-restore): b1 stopped, nothing stays bound" b1
recorded "b1's record stays" b1 b1-up

# --- dockerd restarted while the container runs, with --live-restore ---------------------------
DOCKERD_ARGS="$RUNTIMES --live-restore" docker_start none || fail "dockerd --live-restore" "see $ENGINES_LOGS/dockerd.log"
docker rm -f b1 >/dev/null 2>&1
long_run b2 || fail "b2 runs" "$(head -c 300 "$WORK/b2.err")"
cid=$(docker inspect -f '{{.Id}}' b2)
judged "b2 judged" b2-up docker exec b2
_engines_kill /run/docker.pid
bound "$cid" && pass "dockerd down (live-restore): b2 stays bound" || fail "dockerd down (live-restore): b2 stays bound" "$(ctl status 2>&1 | tail -n 5)"
# dockerd keeps a runtime's state in EXEC_ROOT/runtime-BINARY/moby (exec root: /var/run/docker).
rroot=$(ls -d /var/run/docker/runtime-*/moby/"$cid" /run/docker/runtime-*/moby/"$cid" 2>/dev/null | head -n 1)
[ -n "$rroot" ] || echo "# no runc state of b2: $(find / -xdev -type d -name "$cid" 2>/dev/null | head -n 5 | tr '\n' ' ')"
judged "dockerd down: runc exec into b2 is judged" b2-down runc --root "${rroot%/*}" exec --user 1000:1000 "$cid"
DOCKERD_ARGS="$RUNTIMES --live-restore" docker_start none || fail "dockerd back" "see $ENGINES_LOGS/dockerd.log"
st=$(docker inspect -f '{{.State.Running}}' b2 2>&1)
[ "$st" = true ] && pass "dockerd back: b2 still runs" || fail "dockerd back: b2 still runs" "$st"
judged "dockerd back: b2 judged" b2-back docker exec b2
recorded "b2's records name it across dockerd's restart" b2 b2-down
recorded "b2's record after dockerd's restart" b2 b2-back
docker rm -f b2 >/dev/null 2>&1
unbound "b2 gone: nothing stays bound" b2
verify_open "the audit log verifies across the restarts (open: the daemon still writes it)"
