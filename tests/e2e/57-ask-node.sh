#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The Node client of the ask socket (clients/node/agentgate_client.mjs) passes its own tests
# as a confined Node.js agent under seed 1's rules, asking its `agentgate exec` (docs/ask.md).
# Debian's nodejs is in the engines VM only.
# e2e-needs: engines
. "$(dirname "$0")/kernel.sh"
POLDIR=$(cd "$E2E_DIR/../../policies" && pwd)
CLIENTS=$(cd "$E2E_DIR/../.." && pwd)/clients
NODE=$(command -v node)
[ -e /usr/bin/sudo ] || { printf '#!/bin/sh\necho "sudo: ran $*"\n' >/usr/bin/sudo && chmod 755 /usr/bin/sudo; }
seed_rules=$(sed -n '/^  rules:/,$p' "$POLDIR/openai-agent-sandbox.yaml" | sed 1d | sed 's/^  //')
pol=$(policy node-ask <<EOP
version: "1.0"
default: deny
include: [$POLDIR/include/node.yaml, $POLDIR/include/agentgate-ask.yaml]
rules:
  - action: shell_exec
    command: "$NODE $CLIENTS/node/test_agentgate_client.mjs"
    decision: allow
  - action: file_read
    path: "$CLIENTS/node/**"
    decision: allow
  - action: file_read
    path: "$CLIENTS/**/package.json"
    decision: allow
  - action: file_read
    path: "/ag/package.json"
    decision: allow
  - action: file_read
    path: "/package.json"
    decision: allow
$seed_rules
EOP
)
if [ -z "$NODE" ]; then
	fail "node client: its tests pass against agentgate exec" "no node in this VM"
elif out=$(run "$pol" "$WORK/node.log" "$NODE" "$CLIENTS/node/test_agentgate_client.mjs" 2>&1); then
	pass "node client: its tests pass against agentgate exec ($(printf '%s\n' "$out" | grep -E '^# (pass|fail)' | tr '\n' ' '))"
else
	fail "node client: its tests pass against agentgate exec" "$(printf '%s' "$out" | tail -n 25 | tr '\n' ' ')"
	grep '"decision":"DENY"' "$WORK/node.log" | head -n 5
fi
audit "node client: its questions are ask records" "$WORK/node.log" '"type":"ask"' '"asked_as":"openai-gpt4-agent"'
