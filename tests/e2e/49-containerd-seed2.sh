#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Seed 2 with containerd's ctr (1.6): `ctr run --runc-binary agentgate-runc --env
# AGENTGATE_POLICY=docker-sandbox`, the same agent and answers as 46-docker-seed2.sh, records
# that name the engine and the container, a missing policy refused with ctr saying why, no
# policy asked: untouched, no binding left behind; containerd killed and restarted while a
# bound container runs: the shim keeps it running, its policy holds while containerd is down
# and after (runc exec, then ctr task exec, into it are judged), its records name it.
#
# ctr 1.6 sends --no-pivot (like --uidmap/--gidmap) as task options, and containerd 1.6 then
# gives the runc shim those options instead of the container's runtime options, so
# --runc-binary is dropped and plain runc runs (checked below). The VM's root is rootfs,
# where runc must not pivot_root: here ctr runs without --no-pivot and agentgate-runc's real
# runtime (AGENTGATE_RUNTIME, inherited from containerd through the shim) is runc with
# --no-pivot added to create. On a host with a real root filesystem no such stand-in is needed.
# e2e-needs: engines
# e2e-timeout: 900
CGP=e2e-d49
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/engines.sh"
. "$(dirname "$0")/seed2.sh"
trap 'containerd_stop; daemon_cleanup' EXIT

seed2_setup
# runc, never pivoting; it keeps the shim's command lines for the record.
RUNC_NP=$WORK/runc-nopivot
cat >"$RUNC_NP" <<EOF
#!/bin/sh
echo "\$*" >>$WORK/runc.argv
added=
for a do
	shift
	set -- "\$@" "\$a"
	case \$a in create | run) [ -n "\$added" ] || { set -- "\$@" --no-pivot; added=1; } ;; esac
done
exec $(command -v runc) "\$@"
EOF
chmod 755 "$RUNC_NP"
export AGENTGATE_RUNTIME="$RUNC_NP"
containerd_start || fail "containerd" "see $ENGINES_LOGS/containerd.log"
unset AGENTGATE_RUNTIME
# The seed's user: ctr 1.6 has no --user, the image's config says it (as its Dockerfile does).
check "ctr: agent image imported (user 1000:1000)" ctr_image agent "$WORK/agent.tar" 1000:1000
IMG=$(ctr_ref agent)
WRAP=/ag/bin/agentgate-runc

# ctr_agent [ctr options...] IMAGE ID CMD...: ctr run with the seed's mounts.
ctr_agent() {
	ctr run --rm --snapshotter "$CONTAINERD_SNAPSHOTTER" \
		--mount "type=bind,src=$S/data,dst=/app/data,options=rbind:ro" \
		--mount "type=bind,src=$S/output,dst=/app/output,options=rbind:rw" "$@"
}

# The cause of the untouched container: with --no-pivot, the wrapper is never run.
: >"$WORK/runc.argv"
out=$(ctr run --rm --no-pivot --snapshotter "$CONTAINERD_SNAPSHOTTER" --runc-binary "$WRAP" \
	--env AGENTGATE_POLICY=nope "$IMG" e49-np node -e 'console.log("ran")' 2>&1)
if [ "$out" = ran ] && [ ! -s "$WORK/runc.argv" ]; then
	pass "ctr 1.6: --no-pivot drops --runc-binary (plain runc, no wrapper)"
else
	fail "ctr 1.6: --no-pivot drops --runc-binary (plain runc, no wrapper)" "got '$(printf '%s' "$out" | head -c 200)', wrapper ran: $(head -c 200 "$WORK/runc.argv")"
fi

want="read_input=ALLOW write_output=ALLOW write_src=DENY rm_data=DENY curl_exfil=DENY"
got=$(ctr_agent --runc-binary "$WRAP" --env AGENTGATE_POLICY=docker-sandbox \
	"$IMG" e49-seed node /app/src/process.js 2>"$WORK/ctr.err")
if [ "$got" = "$want" ]; then pass "ctr: the kernel's answers to the agent"; else fail "ctr: the kernel's answers to the agent" "got '$got' ($(head -c 300 "$WORK/ctr.err"))"; fi
echo "# the shim's create: $(grep -m 1 ' create ' "$WORK/runc.argv")"
[ -s "$S/data/input.csv" ] && pass "ctr: data intact" || fail "ctr: data intact" "input.csv gone"
seed2_records containerd
wait_audit "ctr: records name the container" '"container":"e49-seed"' '"engine":"containerd"' \
	'"reason":"No curl even within sandbox"'
n=$("$AGENTGATE" audit tail --json --container e49-seed "$AUDIT" | grep -c '"container":"e49-seed"')
all=$("$AGENTGATE" audit tail --json --container e49-seed "$AUDIT" | wc -l)
if [ "$n" -gt 0 ] && [ "$n" = "$all" ]; then pass "ctr: audit tail --container shows its records, only them"; else fail "ctr: audit tail --container shows its records, only them" "$n of $all"; fi

if out=$(ctr_agent --runc-binary "$WRAP" --env AGENTGATE_POLICY=nope "$IMG" e49-nope \
	node -e 'console.log("ran")' 2>&1); then
	fail "ctr: a missing policy refuses the container" "it ran: $out"
else
	case $out in
	*"no policy 'nope'"*) pass "ctr: a missing policy refuses the container, ctr says why" ;;
	*) fail "ctr: a missing policy refuses the container, ctr says why" "$(printf '%s' "$out" | head -c 300)" ;;
	esac
fi
out=$(ctr_agent --runc-binary "$WRAP" "$IMG" e49-none \
	node -e 'console.log(process.getuid(), require("fs").readFileSync("/etc/passwd","utf8").length > 0)' 2>&1)
if [ "$out" = "1000 true" ]; then pass "ctr: no policy asked, the container runs untouched (as 1000)"; else fail "ctr: no policy asked, the container runs untouched (as 1000)" "$(printf '%s' "$out" | head -c 300)"; fi
no_audit "ctr: nothing recorded for the untouched container" "$AUDIT" '"container":"e49-none"'

i=0
while ctl status 2>/dev/null | grep -q ' container ' && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
ctl status 2>/dev/null | grep -q ' container ' && fail "ctr: exited containers leave no binding" "$(ctl status 2>&1 | grep container)" || pass "ctr: exited containers leave no binding"

# --- containerd killed (-9) and restarted while a bound container runs ----------------------
seed2_faults_policy
ctr run -d --snapshotter "$CONTAINERD_SNAPSHOTTER" --runc-binary "$WRAP" \
	--mount "type=bind,src=$S/data,dst=/app/data,options=rbind:ro" \
	--env AGENTGATE_POLICY=faults "$IMG" e49-live node -e 'setInterval(() => {}, 1000)' \
	>"$WORK/live.out" 2>&1 || fail "ctr: a long-running agent starts" "$(head -c 300 "$WORK/live.out")"
judged "ctr: the running agent is judged" live-up ctr task exec --exec-id p1 e49-live
kill -9 "$(cat /run/agvm-containerd.pid)"
i=0
while ctr version >/dev/null 2>&1 && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
st=$(ctr task ls 2>&1)
case $st in *e49-live*) fail "containerd killed" "ctr still answers: $st" ;; *) pass "containerd killed" ;; esac
ctl status 2>/dev/null | grep -q ' container containerd e49-live' &&
	pass "containerd down: e49-live stays bound" ||
	fail "containerd down: e49-live stays bound" "$(ctl status 2>&1 | tail -n 5)"
# containerd's runc shim keeps a runtime's state in STATE/runc/NAMESPACE.
judged "containerd down: runc exec into e49-live is judged" live-down \
	runc --root /run/containerd/runc/agvm exec --user 1000:1000 e49-live
export AGENTGATE_RUNTIME="$RUNC_NP"
containerd_start || fail "containerd back" "see $ENGINES_LOGS/containerd.log"
unset AGENTGATE_RUNTIME
st=$(ctr task ls 2>&1 | grep e49-live)
case $st in *RUNNING*) pass "containerd back: e49-live still runs" ;; *) fail "containerd back: e49-live still runs" "$st" ;; esac
judged "containerd back: ctr task exec into e49-live is judged" live-back ctr task exec --exec-id p2 e49-live
for t in live-up live-down live-back; do
	wait_audit "ctr: the denied write $t is recorded, naming e49-live" "\"path\":\"/app/src/$t\"" \
		'"decision":"DENY"' '"engine":"containerd"' '"container":"e49-live"'
done
ctr task kill -s KILL e49-live >/dev/null 2>&1
i=0
while ctr task ls 2>/dev/null | grep -q e49-live && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
ctr task delete e49-live >/dev/null 2>&1
ctr container delete e49-live >/dev/null 2>&1
i=0
while ctl status 2>/dev/null | grep -q ' e49-live' && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
ctl status 2>/dev/null | grep -q ' e49-live' && fail "ctr: e49-live gone, no binding stays" "$(ctl status 2>&1 | grep container)" || pass "ctr: e49-live gone, no binding stays"
verify_open "the audit log verifies (open: the daemon still writes it)"
