#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# agentgate learn (docs/learn.md): the demo agent (real CPython, tests/demo/agent.py) runs in
# simulate mode under a near-empty policy; learn proposes a policy from its log; the proposal
# passes lint, replayed through check allows every recorded action, and enforced it lets the
# agent's run complete with no denial. With the seed's policy as --policy, the seed's explicit
# denies stay and the agent's config write, sudo and pastebin lookup show as conflicts.
# Bad logs (tampered, empty, garbage, another key) and a missing policy are refused clearly.
# e2e-needs: python
. "$(dirname "$0")/kernel.sh"
. "$E2E_DIR/dns.sh"
POLDIR=$(cd "$E2E_DIR/../../policies" && pwd)
CLIENTS=$(cd "$E2E_DIR/../.." && pwd)/clients
AGENT_PY=$E2E_DIR/../demo/agent.py

# The demo's world (tests/demo/guest.sh): the seed's files, names, a listener, a sudo.
mkdir -p /opt/agent/input /opt/agent/output /opt/agent/config /opt/agent/scripts
echo "date,metric,value" >/opt/agent/input/daily-report-2026-02-13.csv
cp "$AGENT_PY" /opt/agent/scripts/process.py
cp "$CLIENTS/python/agentgate_client.py" /opt/agent/scripts/
[ -e /usr/bin/sudo ] || { printf '#!/bin/sh\necho "sudo: ran $*"\n' >/usr/bin/sudo && chmod 755 /usr/bin/sudo; }
dns_start hooks.slack.com=127.0.0.30 api.openai.com=127.0.0.31 pastebin.com=127.0.0.32 ||
	fail "learn: DNS server" "dnsmasq did not start"
busybox nc -ll -p 443 -e /bin/true >/dev/null 2>&1 &
listener=$!
trap 'kill $listener 2>/dev/null; dns_stop' EXIT

# agent MODE POLICY LOG: the demo agent's run under agentgate exec; its output in $WORK/out.
agent() {
	echo "model: gpt-4" >/opt/agent/config/agent.yaml
	PATH=/usr/local/bin:/usr/bin:/bin PYTHONDONTWRITEBYTECODE=1 \
		"$AGENTGATE" exec --mode "$1" --policy "$2" --audit-log "$3" \
		-- python3 /opt/agent/scripts/process.py >"$WORK/out" 2>&1
}

# decisions LOG: the decision records a policy decides (no self-protection, no oversized).
decisions() {
	grep '"type":"decision"' "$1" | grep -E '"rule":("default"|[0-9]+)'
}

near=$(policy near-empty <<EOP
version: "1.0"
default: deny
EOP
)
sim=$WORK/sim.log
# Simulate allows everything (the ask socket still answers what enforcement would decide).
if agent simulate "$near" "$sim" && [ "$(grep -c 'kernel: ALLOW' "$WORK/out")" -eq 6 ]; then
	pass "learn: the demo agent completes in simulate mode under a near-empty policy"
else
	fail "learn: the demo agent completes in simulate mode under a near-empty policy" \
		"$(tail -c 400 "$WORK/out" | tr '\n' ' ')"
fi
n=$(grep -c '"mode":"simulate"' "$sim")
[ "$n" -gt 20 ] && pass "learn: the simulate log holds the agent's $n decisions" ||
	fail "learn: the simulate log holds the agent's decisions" "$n simulate records"

learned=$WORK/learned.yaml
if "$AGENTGATE" learn --audit-log "$sim" >"$learned" 2>"$WORK/summary"; then
	pass "learn: a policy is proposed from the verified simulate log"
else
	fail "learn: a policy is proposed from the verified simulate log" "$(head -c 400 "$WORK/summary")"
fi
# The summary and the YAML's start in the VM's log, for whoever reads a failure.
sed 's/^/#   /' "$WORK/summary" | head -n 60
sed 's/^/#   /' "$learned" | head -n 80
grep -q 'shell_exec "/usr/bin/sudo apt-get install netcat" ALLOW  RISK: privilege,package-manager' \
	"$WORK/summary" && grep -q '/opt/agent/config/agent.yaml" ALLOW  RISK: config-write' "$WORK/summary" &&
	grep -q '# RISK: privilege,package-manager' "$learned" &&
	pass "learn: sudo and the config write are flagged as risky, in the summary and the YAML" ||
	fail "learn: sudo and the config write are flagged as risky" "$(head -c 600 "$WORK/summary")"
grep -q 'path: "/usr/lib/python3[^"]*/\*\*"' "$learned" && grep -q '# [0-9]* files read under /usr/lib/python3' "$learned" &&
	pass "learn: the standard library is folded into one glob, with its count" ||
	fail "learn: the standard library is folded into one glob" "$(grep -m3 python3 "$learned" | tr '\n' ' ')"
grep -q 'domain: "pastebin.com"' "$learned" && ! grep -q 'domain: "\*' "$learned" &&
	pass "learn: domains are kept as looked up, no wildcard" ||
	fail "learn: domains are kept as looked up" "$(grep domain "$learned" | tr '\n' ' ')"
check "learn: the proposal passes agentgate lint" "$AGENTGATE" lint "$learned"

decisions "$sim" >"$WORK/replay.jsonl"
"$AGENTGATE" check --json "$learned" "$WORK/replay.jsonl" >"$WORK/replay.out" 2>"$WORK/replay.err"
rc=$?
all=$(wc -l <"$WORK/replay.jsonl")
allowed=$(grep -c '"decision":"ALLOW"' "$WORK/replay.out")
if [ "$rc" -eq 0 ] && [ "$all" -gt 0 ] && [ "$allowed" -eq "$all" ]; then
	pass "learn: replayed through check, all $all recorded actions are ALLOW"
else
	fail "learn: replayed through check, every recorded action is ALLOW" \
		"rc $rc, $allowed of $all: $(grep -m2 DENY "$WORK/replay.out" | tr '\n' ' ') $(head -c 200 "$WORK/replay.err")"
fi

enf=$WORK/enforce.log
if agent enforce "$learned" "$enf" && grep -q 'decided as agentgate answered for 6 of 6' "$WORK/out" &&
	[ "$(grep -c 'kernel: ALLOW' "$WORK/out")" -eq 6 ]; then
	pass "learn: enforcing the proposal, the agent's run completes with its six actions allowed"
else
	fail "learn: enforcing the proposal, the agent's run completes" "$(tail -c 600 "$WORK/out" | tr '\n' ' ')"
fi
denied=$(grep '"type":"decision"' "$enf" | grep '"decision":"DENY"')
[ -z "$denied" ] && grep -q '"mode":"enforce"' "$enf" &&
	pass "learn: the enforced run has no deny record" ||
	fail "learn: the enforced run has no deny record" "$(printf '%s' "$denied" | head -c 400)"

# The seed's policy as CURRENT: its explicit denies stay, and show as conflicts.
seed=$POLDIR/openai-agent-sandbox.yaml
merged=$WORK/merged.yaml
if "$AGENTGATE" learn --audit-log "$sim" --policy "$seed" >"$merged" 2>"$WORK/msum"; then
	pass "learn --policy: a diff against the seed's policy is proposed"
else
	fail "learn --policy: a diff against the seed's policy is proposed" "$(head -c 400 "$WORK/msum")"
fi
grep -q '! CONFLICT: file_write "/opt/agent/config/agent.yaml" was done, but rule 4 ' "$WORK/msum" &&
	grep -q '! CONFLICT: shell_exec "/usr/bin/sudo apt-get install netcat" was done, but rule 7 ' "$WORK/msum" &&
	grep -q '! CONFLICT: network "pastebin.com".* was done, but rule 12 ' "$WORK/msum" &&
	grep -q '# CONFLICT: the agent did shell_exec "/usr/bin/sudo' "$merged" &&
	pass "learn --policy: the config write, sudo and pastebin.com are conflicts with the seed's denies" ||
	fail "learn --policy: the seed's denies show as conflicts" "$(grep -i conflict "$WORK/msum" | head -c 600)"
grep -q '^- unused' "$WORK/msum" && grep -q 'api.openai.com' "$WORK/msum" &&
	pass "learn --policy: the seed's rules that never matched are listed (api.openai.com)" ||
	fail "learn --policy: unused rules are listed" "$(grep unused "$WORK/msum" | head -c 400)"
check "learn --policy: the merged proposal passes lint" "$AGENTGATE" lint "$merged"
expect "learn --policy: the seed's config deny remains" DENY sh -c \
	"'$AGENTGATE' check --json '$merged' --action file_write --path /opt/agent/config/agent.yaml | sed 's/.*\"decision\":\"\\([A-Z]*\\)\".*/\\1/'"
expect "learn --policy: the seed's sudo deny remains" DENY sh -c \
	"'$AGENTGATE' check --json '$merged' --action shell_exec --command 'sudo apt-get install netcat' | sed 's/.*\"decision\":\"\\([A-Z]*\\)\".*/\\1/'"
expect "learn --policy: the agent's output write is added" ALLOW sh -c \
	"'$AGENTGATE' check --json '$merged' --action file_write --path /opt/agent/output/summary-2026-02-13.json | sed 's/.*\"decision\":\"\\([A-Z]*\\)\".*/\\1/'"

# Filters: the agent's own cgroup, and one that recorded nothing.
cg=$(grep -m1 '"type":"decision"' "$sim" | sed 's/.*"agent":"\([^"]*\)".*/\1/')
check "learn --agent: the agent's cgroup selects its decisions" \
	"$AGENTGATE" learn --audit-log "$sim" --agent "$cg" -o "$WORK/agent.yaml"
"$AGENTGATE" learn --audit-log "$sim" --agent /no-such-agent >/dev/null 2>"$WORK/err"
rc=$?
[ "$rc" -eq 1 ] && grep -q 'no decisions to learn from' "$WORK/err" &&
	pass "learn --agent: another agent's cgroup selects nothing: a clear error" ||
	fail "learn --agent: another agent's cgroup" "rc $rc: $(cat "$WORK/err")"

# refused NAME WANT ARGS...: learn exits 1 and says WANT on stderr.
refused() {
	_n=$1 _w=$2
	shift 2
	"$AGENTGATE" learn "$@" >/dev/null 2>"$WORK/err"
	_rc=$?
	if [ "$_rc" -eq 1 ] && grep -q -- "$_w" "$WORK/err"; then
		pass "$_n"
	else
		fail "$_n" "rc $_rc, want 1 and '$_w': $(head -c 300 "$WORK/err")"
	fi
}
sed 's|/opt/agent/input/daily|/opt/agent/input/DAILY|' "$sim" >"$WORK/tampered.log"
refused "learn: a tampered log is refused" "does not verify (edited" --audit-log "$WORK/tampered.log"
refused "learn: a tampered log is refused, naming --unverified" "--unverified" --audit-log "$WORK/tampered.log"
if "$AGENTGATE" learn --unverified --audit-log "$WORK/tampered.log" >/dev/null 2>"$WORK/err" &&
	grep -q '^note: UNVERIFIED' "$WORK/err"; then
	pass "learn --unverified: learns from it, and says so"
else
	fail "learn --unverified: learns from it, and says so" "$(head -c 300 "$WORK/err")"
fi
: >"$WORK/empty.log"
refused "learn: an empty log is refused" "does not verify" --audit-log "$WORK/empty.log"
head -c 3000 /bin/busybox >"$WORK/garbage.log"
refused "learn: garbage is refused" "does not verify" --audit-log "$WORK/garbage.log"
"$AGENTGATE" audit keygen --key-dir "$WORK/otherkeys" >/dev/null
refused "learn: a log checked against another host's key is refused" "bad signature" \
	--audit-log "$sim" --pubkey "$WORK/otherkeys/audit.pub"
refused "learn: a current policy no longer on disk is refused" "/no/such/policy.yaml" \
	--audit-log "$sim" --policy /no/such/policy.yaml
refused "learn: a log that is not there is refused" "No such file" --audit-log "$WORK/none.log"
