#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# A policy that does not load is reported before anything runs: CMD never starts.
. "$(dirname "$0")/kernel.sh"

marker=$WORK/started
check_rejected() {
	local name=$1 pol=$2 out rc
	rm -f "$marker"
	out=$("$AGENTGATE" exec --policy "$pol" -- "$PROBE" open-write "$marker" 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ] && [ ! -e "$marker" ] && printf '%s' "$out" | grep -q "agentgate: exec: "; then
		pass "$name"
	else
		fail "$name" "exit $rc, marker $([ -e "$marker" ] && echo created || echo absent), output: $out"
	fi
}

printf 'version: "1.0"\ndefault: deny\nrules:\n  - action: file_read\n    path: [unclosed\n' >"$WORK/syntax.yaml"
check_rejected "YAML syntax error rejected before CMD runs" "$WORK/syntax.yaml"
printf 'version: "1.0"\ndefault: deny\nrules:\n  - action: teleport\n    path: "/x"\n    decision: allow\n' >"$WORK/action.yaml"
check_rejected "unknown action rejected before CMD runs" "$WORK/action.yaml"
printf 'version: "1.0"\ndefault: deny\nrules:\n  - action: file_read\n    path: "/x"\n    decision: maybe\n' >"$WORK/decision.yaml"
check_rejected "bad decision rejected before CMD runs" "$WORK/decision.yaml"
check_rejected "missing policy file rejected before CMD runs" "$WORK/does-not-exist.yaml"
out=$("$AGENTGATE" exec --policy "$WORK/syntax.yaml" -- true 2>&1)
printf '%s' "$out" | grep -q 'syntax.yaml:[0-9]*:[0-9]*' && pass "error names file:line:col" || fail "error names file:line:col" "$out"
out=$("$AGENTGATE" exec --mode sometimes --policy "$WORK/syntax.yaml" -- "$PROBE" open-write "$marker" 2>&1)
[ $? -eq 2 ] && [ ! -e "$marker" ] && pass "bad --mode rejected" || fail "bad --mode rejected" "$out"
