#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Atomic policy swap: a process in the cgroup opens one file in a tight loop while the
# daemon swaps the cgroup's policy between one that allows the open and one that denies
# it. Every open must succeed or fail with EPERM, both must be seen, and every audit
# record must name one of the two policies with the decision that policy takes.
CGP=e2e-d53
. "$(dirname "$0")/daemon.sh"
trap daemon_cleanup EXIT

OPENLOOP=$(command -v openloop)
mkdir -p /srv/d53
echo x >/srv/d53/target
common() {
	cat <<EOR
version: "1.0"
default: deny
rules:
  - action: shell_exec
    command: "$OPENLOOP *"
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
allow=$(policy d53-allow <<EOP
$(common)
  - action: file_read
    path: "/srv/d53/target"
    decision: allow
EOP
)
deny=$(policy d53-deny <<EOP
$(common)
  - action: file_read
    path: "/srv/d53/target"
    decision: deny
EOP
)

daemon_config </dev/null
start_daemon || fail "daemon starts" "$(cat "$D/daemon.err")"
ctl assign "/$CGP/loop" "$allow" || fail "assign the allowing policy" "see above"
sha_allow=$(policy_sha "/$CGP/loop")
ctl assign "/$CGP/loop" "$deny" || fail "assign the denying policy" "see above"
sha_deny=$(policy_sha "/$CGP/loop")
[ -n "$sha_allow" ] && [ -n "$sha_deny" ] && [ "$sha_allow" != "$sha_deny" ] &&
	pass "two policies with distinct sha256" || fail "two policies with distinct sha256" "'$sha_allow' '$sha_deny'"

stop=$WORK/d53.stop
rm -f "$stop"
in_cgroup "$CGP/loop" "$OPENLOOP" /srv/d53/target "$stop" 2000000 >"$WORK/d53.out" 2>&1 &
loop=$!
swaps=0
t0=$(cut -d' ' -f1 /proc/uptime)
while [ $swaps -lt 10 ]; do
	ctl assign "/$CGP/loop" "$allow" || break
	sleep 0.05
	ctl assign "/$CGP/loop" "$deny" || break
	sleep 0.05
	swaps=$((swaps + 1))
done
touch "$stop"
wait "$loop"
rc=$?
res=$(cat "$WORK/d53.out")
echo "# swap: $swaps swaps from ${t0}s to $(cut -d' ' -f1 /proc/uptime)s, $res"
[ "$swaps" -eq 10 ] && pass "10 swaps each way under load" || fail "10 swaps each way under load" "only $swaps"
[ "$rc" -eq 0 ] && pass "every open during swaps succeeded or got EPERM" || fail "every open during swaps succeeded or got EPERM" "$res"
case $res in
*ok=0\ *) fail "allowed opens observed" "$res" ;;
*) pass "allowed opens observed" ;;
esac
case $res in
*eperm=0\ *) fail "denied opens observed" "$res" ;;
*) pass "denied opens observed" ;;
esac
case $res in
*switches=[0-9]\ * | *switches=[0-9]) fail "outcome followed the swaps (10+ switches)" "$res" ;;
*) pass "outcome followed the swaps (10+ switches)" ;;
esac

# Give the daemon time to drain, then check each record against the policy it names
# (one pass: the log holds some 100k records).
sleep 2
ctl status >/dev/null
counts=$(awk -v a="\"policy_sha256\":\"$sha_allow\"" -v d="\"policy_sha256\":\"$sha_deny\"" '
	/"type":"gap"/ { match($0, /"lost":[0-9]+/); lost += substr($0, RSTART + 7, RLENGTH - 7) }
	index($0, "\"path\":\"/srv/d53/target\"") {
		n++
		# A record of folded decisions (docs/audit.md) stands for its count.
		if (match($0, /"count":[0-9]+/)) dec += substr($0, RSTART + 8, RLENGTH - 8); else dec++
		if (index($0, a)) { na++; if (!index($0, "\"decision\":\"ALLOW\"")) bada++ }
		else if (index($0, d)) { nd++; if (!index($0, "\"decision\":\"DENY\"")) badd++ }
	}
	END { printf "%d %d %d %d %d %d %d\n", n, na, nd, bada, badd, lost, dec }' "$AUDIT")
set -- $counts
n=$1 na=$2 nd=$3 bada=$4 badd=$5 lost=$6 dec=$7
echo "# swap audit: $n records, $na under the allowing policy, $nd under the denying one, $lost lost (gap records)"
[ "$n" -gt 0 ] && [ $((na + nd)) -eq "$n" ] && pass "every record names one of the two policies" || fail "every record names one of the two policies" "$n records, $na + $nd"
[ "$bada" -eq 0 ] && pass "records under the allowing policy are ALLOW" || fail "records under the allowing policy are ALLOW" "$bada are not"
[ "$badd" -eq 0 ] && pass "records under the denying policy are DENY" || fail "records under the denying policy are DENY" "$badd are not"
opens=$(($(printf '%s' "$res" | sed -n 's/^ok=\([0-9]*\) eperm=\([0-9]*\).*/\1 + \2/p')))
[ $((dec + lost)) -ge "$opens" ] && pass "every open is a record, in a record's count or counted in a gap" || fail "every open is a record, in a record's count or counted in a gap" "$opens opens, $n records standing for $dec, $lost lost"
stop_daemon TERM
