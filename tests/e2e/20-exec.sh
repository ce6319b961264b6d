#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# shell_exec decided on "<executable the kernel opened> argv1 argv2 ...", never on argv[0].
. "$(dirname "$0")/kernel.sh"

BB=/bin/busybox # busybox sh resolves "busybox" to its own applet, not a path
mkdir -p /srv/scripts /usr/bin /opt/agent/scripts
# A stand-in python3; moved aside first: where the VM carries CPython (# e2e-needs: python)
# the name is a symlink, and writing through it would destroy the real interpreter. Put
# back at the end: later tests (56-ask, 62-learn) run the real one by this name.
real_py=
if [ -e /usr/bin/python3 ] || [ -L /usr/bin/python3 ]; then
	real_py=$WORK/python3.real
	mv /usr/bin/python3 "$real_py"
fi
trap 'rm -f /usr/bin/python3; [ -n "$real_py" ] && mv "$real_py" /usr/bin/python3' EXIT
printf '#!%s sh\necho python3-ran "$@"\n' "$BB" >/usr/bin/python3
printf '#!%s sh\necho job-ran "$@"\n' "$BB" >/srv/scripts/job.sh
printf '#!%s sh\necho other-ran\n' "$BB" >/srv/scripts/other.sh
chmod +x /usr/bin/python3 /srv/scripts/job.sh /srv/scripts/other.sh
cp "$BB" /usr/bin/sudo
cp /usr/bin/python3 /tmp/python3-copy
ln -sf /usr/bin/python3 /tmp/py-link

pol=$(policy exec <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
  - action: shell_exec
    command: "$BB hello*"
    decision: allow
  - action: shell_exec
    command: "/usr/bin/python3 /opt/agent/scripts/process.py*"
    decision: allow
  - action: shell_exec
    command: "/usr/bin/sudo*"
    decision: deny
    reason: "no sudo"
  - action: shell_exec
    command: "/srv/scripts/job.sh*"
    decision: allow
  - action: file_read
    path: "/srv/scripts/**"
    decision: allow
  - action: file_read
    path: "/usr/bin/python3"
    decision: allow
EOP
)
log=$WORK/exec.log

expect "shell_exec allowed" ok run "$pol" "$log" "$PROBE" exec "$BB" echo hello world
audit "shell_exec allowed: audit" "$log" '"action":"shell_exec"' '"decision":"ALLOW"' "\"command\":\"$BB hello world\""
expect "shell_exec denied" EPERM run "$pol" "$log" "$PROBE" exec "$BB" echo goodbye
audit "shell_exec denied: audit" "$log" '"action":"shell_exec"' '"decision":"DENY"' "\"command\":\"$BB goodbye\"" '"rule":"default"'
expect "argv[0] lie: sudo calling itself python3 denied" EPERM run "$pol" "$log" "$PROBE" exec /usr/bin/sudo python3 /opt/agent/scripts/process.py
audit "argv[0] lie: audit names the real binary" "$log" '"decision":"DENY"' '"command":"/usr/bin/sudo /opt/agent/scripts/process.py"' '"reason":"no sudo"'
expect "allowed command runs" ok run "$pol" "$log" "$PROBE" exec /usr/bin/python3 python3 /opt/agent/scripts/process.py --day 1
expect "copied binary denied" EPERM run "$pol" "$log" "$PROBE" exec /tmp/python3-copy python3 /opt/agent/scripts/process.py
audit "copied binary: audit" "$log" '"decision":"DENY"' '"command":"/tmp/python3-copy /opt/agent/scripts/process.py"'
expect "symlink to an allowed binary judged as its target" ok run "$pol" "$log" "$PROBE" exec /tmp/py-link python3 /opt/agent/scripts/process.py
out=$(run "$pol" "$log" "$PROBE" exec /srv/scripts/job.sh job.sh a1 a2 2>&1)
printf '%s\n' "$out" | grep -qx "job-ran a1 a2" && pass "shebang script allowed, interpreter not judged apart" || fail "shebang script allowed, interpreter not judged apart" "got '$out'"
audit "shebang script: judged as the script" "$log" '"action":"shell_exec"' '"decision":"ALLOW"' '"command":"/srv/scripts/job.sh a1 a2"'
no_audit "shebang script: no argv race reported" "$log" '"flags":"argv_race"'
expect "shebang script not allowed" EPERM run "$pol" "$log" "$PROBE" exec /srv/scripts/other.sh other.sh
expect "its interpreter run directly denied" EPERM run "$pol" "$log" "$PROBE" exec "$BB" sh /srv/scripts/other.sh
big=$(head -c 5000 /dev/zero | tr '\0' a)
# Run by agentgate exec itself: through the probe, the probe's own command line is too long.
expect_errno "command line longer than the limit denied" EPERM run "$pol" "$log" "$BB" echo hello "$big"
audit "oversized: audit" "$log" '"decision":"DENY"' '"rule":"oversized"' '"flags":"truncated"'
expect "unconfined process unaffected" ok "$PROBE" exec "$BB" echo goodbye

# deny_env: an allowed command is refused when its environment carries a forbidden variable.
envpol=$(policy env <<EOP
version: "1.0"
default: deny
deny_env: [LD_PRELOAD, LD_AUDIT, "DYLD_*"]
rules:
$(probe_rules)
  - action: shell_exec
    command: "$BB hi"
    decision: allow
EOP
)
elog=$WORK/env.log
expect "deny_env: allowed command with a clean environment runs" ok run "$envpol" "$elog" "$PROBE" exec-env LANG=C "$BB" echo hi
expect "deny_env: LD_PRELOAD refused" EPERM run "$envpol" "$elog" "$PROBE" exec-env LD_PRELOAD=/tmp/evil.so "$BB" echo hi
audit "deny_env: audit names the variable" "$elog" '"action":"shell_exec"' '"decision":"DENY"' '"rule":"env"' '"reason":"the environment has LD_PRELOAD (deny_env)"'
expect "deny_env: a prefix entry refused" EPERM run "$envpol" "$elog" "$PROBE" exec-env DYLD_INSERT_LIBRARIES=x "$BB" echo hi
expect "deny_env: a long value still refused" EPERM run "$envpol" "$elog" "$PROBE" exec-env "LD_AUDIT={6000}" "$BB" echo hi
expect "deny_env: a similar name allowed" ok run "$envpol" "$elog" "$PROBE" exec-env LD_PRELOADED=1 "$BB" echo hi
