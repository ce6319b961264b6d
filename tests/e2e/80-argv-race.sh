#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The argv race: the kernel copies "denied...", the LSM reads "allowd..." from the
# caller's memory (probe argv-race serves the two reads different pages through
# userfaultfd). The re-check at bprm_committed_creds must kill it and record it.
. "$(dirname "$0")/kernel.sh"

BB=/bin/busybox # busybox sh resolves "busybox" to its own applet, not a path
pol=$(policy race <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
  - action: shell_exec
    command: "$BB allowd*"
    decision: allow
EOP
)
log=$WORK/race.log

out=$(run "$pol" "$log" "$PROBE" argv-race "$BB" 40 2>&1)
echo "# $out"
case "$out" in
*ran-denied=0*other=0*) pass "argv race: a denied argument never ran" ;;
*) fail "argv race: a denied argument never ran" "$out" ;;
esac
case "$out" in
*killed=0*) fail "argv race: detected and killed" "$out" ;;
*killed=*) pass "argv race: detected and killed" ;;
*) fail "argv race: detected and killed" "$out" ;;
esac
audit "argv race: audit record" "$log" '"action":"shell_exec"' '"decision":"DENY"' '"flags":"argv_race"' "\"command\":\"$BB denied"
expect "normal exec not reported as a race" ok run "$pol" "$log" "$PROBE" exec "$BB" echo allowd-plain
no_audit "argv race: no false report" "$log" '"flags":"argv_race"' '"command":"'"$BB"' allowd-plain'
