#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Containers at scale and under faults, with Debian's dockerd and the daemon:
#   - 10 containers started at once: 3 naming policy pa (AGENTGATE_POLICY), 3 picked by a
#     name selector (pb), 2 naming pc below a --cgroup-parent, 2 asking for nothing below a
#     --cgroup-parent assigned on_exec (pd, through plain runc: runc's init re-executes
#     itself from a memfd in the cgroup, which is the runtime's, not the entrypoint); each
#     refuses its own policy's denied read and allows the others' (none confined by the
#     wrong policy, none missed), each bound once, its records naming it;
#   - `docker restart` of a bound container: bound again with its policy, judged, and no
#     policy of its old cgroup left in the kernel, also when the daemon was too busy (stopped)
#     to see the old cgroup go before the new one was bound;
#   - `docker pause`: binding a paused container does not thaw it; the log verifies.
# e2e-needs: engines
# e2e-timeout: 1500
CGP=e2e-d68
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/engines.sh"
trap 'docker_stop; daemon_cleanup' EXIT

S=/srv/d68
mkdir -p "$S/policies"
for p in a b c d; do
	cat >"$S/policies/p$p.yaml" <<EOP
version: "1.0"
name: p$p
default: allow
rules:
  - action: file_read
    path: "/deny/$p"
    decision: deny
    reason: "p$p: not $p"
EOP
done
SOCK=/run/agentgate/control.sock
daemon_config <<EOC
  - cgroup: /$CGP/onexec
    policy: $S/policies/pd.yaml
    on_exec: true
containers:
  policies_dir: $S/policies
  selectors:
    - name: "sel-*"
      policy: pb
EOC
start_daemon && pass "daemon" || fail "daemon" "$(cat "$D/daemon.err")"
ln -sf "$AGENTGATE" /ag/bin/agentgate-runc

r=$WORK/root
mkdir -p "$r"
engines_rootfs_busybox "$WORK/bb.tar"
tar -C "$r" -xf "$WORK/bb.tar"
mkdir -p "$r/deny"
for p in a b c d; do echo "$p" >"$r/deny/$p"; done
tar -C "$r" -cf "$WORK/img.tar" .
rm -rf "$r" "$WORK/bb.tar"
DOCKERD_ARGS="--add-runtime agentgate=/ag/bin/agentgate-runc" docker_start none ||
	fail "dockerd" "see $ENGINES_LOGS/dockerd.log"
check "image imported" docker_image bb "$WORK/img.tar"
IMG=$(docker_ref bb)

# start NAME [docker options...]: a detached, long-running container through agentgate-runc.
start() {
	_sn=$1
	shift
	# shellcheck disable=SC2086 # DOCKER_UNCONFINED is two words
	docker run -d --name "$_sn" --runtime agentgate $DOCKER_UNCONFINED --network none "$@" \
		"$IMG" sleep 600 >/dev/null 2>"$WORK/$_sn.err"
}
# judged_by NAME P: NAME refuses /deny/P and reads the other two (only P's policy binds it).
judged_by() {
	_jo=
	for _p in a b c d; do
		if docker exec "$1" cat "/deny/$_p" >/dev/null 2>"$WORK/$1.cat"; then
			_jo="$_jo $_p=ok"
		elif grep -q "Operation not permitted" "$WORK/$1.cat"; then
			_jo="$_jo $_p=EPERM"
		else
			_jo="$_jo $_p=$(head -c 100 "$WORK/$1.cat" | tr '\n' ' ')"
		fi
	done
	_jw=
	for _p in a b c d; do
		[ "$_p" = "$2" ] && _jw="$_jw $_p=EPERM" || _jw="$_jw $_p=ok"
	done
	[ "$_jo" = "$_jw" ] || { echo "# $1 (p$2):$_jo"; return 1; }
}
# bindings NAME: how many of the daemon's bindings name container NAME's id.
bindings() {
	_bid=$(docker inspect -f '{{.Id}}' "$1" 2>/dev/null)
	[ -n "$_bid" ] || { echo 0; return; }
	ctl status --json | tr '{' '\n' | grep -c "\"id\":\"$_bid\""
}
other_policies() {
	ctl status --json | sed -n 's/.*"other_policies":\([0-9]*\).*/\1/p'
}

# The background docker runs' pids: a plain `wait` would wait for dockerd too.
pids=
bg() {
	"$@" &
	pids="$pids $!"
}
rmq() { docker rm -f "$1" >/dev/null 2>&1; }
rs() { docker restart -t 0 "$1" >/dev/null 2>&1; }
await() {
	# shellcheck disable=SC2086 # pids
	wait $pids
	pids=
}

# --- 10 containers at once -------------------------------------------------------------------
for i in 1 2 3; do
	bg start "env-$i" -e AGENTGATE_POLICY=pa
	bg start "sel-$i"
done
for i in 1 2; do bg start "par-$i" --cgroup-parent "/$CGP/parent" -e AGENTGATE_POLICY=pc; done
await
# Then two through plain runc below the on-exec parent, after the others: once, on 6.1 with
# ten starting at once beside another VM, one was not running afterwards, for no reason the
# log showed; the check below now prints its state and refusals should it happen again.
for i in 1 2; do
	# shellcheck disable=SC2086 # DOCKER_UNCONFINED is two words
	bg docker run -d --name "oe-$i" $DOCKER_UNCONFINED --network none --cgroup-parent "/$CGP/onexec" \
		"$IMG" sleep 600 >/dev/null 2>"$WORK/oe-$i.err"
done
await
bad=
for n in env-1 env-2 env-3 sel-1 sel-2 sel-3 par-1 par-2 oe-1 oe-2; do
	case $n in env-*) p=a ;; sel-*) p=b ;; par-*) p=c ;; oe-*) p=d ;; esac
	st=$(docker inspect -f '{{.State.Running}}' "$n" 2>&1)
	if [ "$st" != true ]; then
		bad="$bad $n(not running: $(head -c 200 "$WORK/$n.err" | tr '\n' ' ') $(docker inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}' "$n" 2>&1) $(docker logs "$n" 2>&1 | tail -n 3 | tr '\n' ' '))"
		_id=$(docker inspect -f '{{.Id}}' "$n" 2>/dev/null)
		[ -n "$_id" ] && grep -F "$_id" "$AUDIT" | grep -v '"decision":"ALLOW"' | head -n 3 | cut -c 1-600
		continue
	fi
	judged_by "$n" "$p" || bad="$bad $n(wrong judge)"
	case $n in oe-*) continue ;; esac # the on_exec assignment binds the parent, not each
	nb=$(bindings "$n")
	[ "$nb" = 1 ] || bad="$bad $n($nb bindings)"
done
[ -z "$bad" ] && pass "10 at once: each runs, judged by its own policy, bound once" ||
	fail "10 at once: each runs, judged by its own policy, bound once" "$bad"
for n in env-3 sel-3; do
	case $n in env-*) p=a ;; sel-*) p=b ;; esac
	wait_audit "10 at once: $n's denied read names it" "\"path\":\"/deny/$p\"" '"decision":"DENY"' \
		"\"reason\":\"p$p: not $p\"" "\"container_name\":\"$n\""
done
id=$(docker inspect -f '{{.Id}}' par-2)
wait_audit "10 at once: par-2's denied read names its cgroup" '"path":"/deny/c"' '"decision":"DENY"' \
	"\"agent\":\"/$CGP/parent/$id\"" '"container_name":"par-2"'
id=$(docker inspect -f '{{.Id}}' oe-2)
wait_audit "10 at once: on_exec: oe-2's denied read, its entrypoint judged" '"path":"/deny/d"' \
	'"decision":"DENY"' "\"agent\":\"/$CGP/onexec/$id\""
wait_audit "10 at once: on_exec: the entrypoint's exec recorded, not runc's own" \
	'"action":"shell_exec"' ' 600"' "\"agent\":\"/$CGP/onexec/$id\""
grep -F "\"agent\":\"/$CGP/onexec/" "$AUDIT" | grep -qF '"command":"/memfd:' &&
	fail "on_exec: runc's memfd re-exec not judged" "$(grep -F '"command":"/memfd:' "$AUDIT" | head -n 1)" ||
	pass "on_exec: runc's memfd re-exec not judged"
n=$(ctl status --json | tr '{' '\n' | grep -c '"engine":"docker"')
[ "$n" = 8 ] && pass "10 at once: 8 bindings (and the on_exec parent)" || fail "10 at once: 8 bindings (and the on_exec parent)" "$n"
o=$(other_policies)
[ "$o" = 0 ] && pass "10 at once: no policy but the daemon's" || fail "10 at once: no policy but the daemon's" "other_policies=$o"

# --- docker restart ---------------------------------------------------------------------------
bad=
for k in 1 2 3; do
	docker restart -t 0 env-1 >/dev/null 2>"$WORK/restart.err" || bad="$bad restart $k: $(head -c 200 "$WORK/restart.err")"
	judged_by env-1 a || bad="$bad $k:judged"
	nb=$(bindings env-1)
	[ "$nb" = 1 ] || bad="$bad $k:$nb bindings"
done
[ -z "$bad" ] && pass "docker restart x3: bound again, judged by its policy" || fail "docker restart x3: bound again, judged by its policy" "$bad"
# The daemon busy (stopped) while the container goes and comes back: the new create's bind
# is served before the daemon's once-a-second check can see the old cgroup gone.
p=$(daemon_pid)
kill -STOP "$p"
bg rs env-1
sleep 5
kill -CONT "$p"
await >/dev/null
judged_by env-1 a && pass "docker restart, the daemon busy: judged by its policy" ||
	fail "docker restart, the daemon busy: judged by its policy" "see above"
nb=$(bindings env-1)
[ "$nb" = 1 ] && pass "docker restart, the daemon busy: bound once" ||
	fail "docker restart, the daemon busy: bound once" "$nb bindings"
sleep 1.5 # the daemon's gc, every second
o=$(other_policies)
[ "$o" = 0 ] && pass "docker restart: no policy of an old cgroup stays in the kernel" ||
	fail "docker restart: no policy of an old cgroup stays in the kernel" "other_policies=$o"
for n in env-2 env-3 sel-2 sel-3 par-1 par-2 oe-1 oe-2; do
	bg rmq "$n"
done
await

# --- docker pause ---------------------------------------------------------------------------
# shellcheck disable=SC2086 # DOCKER_UNCONFINED is two words
docker run -d --name idle $DOCKER_UNCONFINED --network none "$IMG" sleep 600 >/dev/null 2>"$WORK/idle.err" ||
	fail "a plain container" "$(head -c 200 "$WORK/idle.err")"
docker pause idle >/dev/null
idle_cg=$(sed -n 's/^0:://p' "/proc/$(docker inspect -f '{{.State.Pid}}' idle)/cgroup")
check "assign --container of a paused container" ctl assign --container idle "$S/policies/pa.yaml"
fr=$(grep frozen "$CGROOT$idle_cg/cgroup.events")
[ "$fr" = "frozen 1" ] && pass "a paused container stays paused once bound" ||
	fail "a paused container stays paused once bound" "$idle_cg: $fr"
docker unpause idle >/dev/null
judged_by idle a && pass "the paused container, bound, judged after unpause" ||
	fail "the paused container, bound, judged after unpause" "see above"

verify_open "the audit log verifies"
