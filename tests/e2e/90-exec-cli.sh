#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# `agentgate exec` as a command: exit status, cleanup, a command that cannot start.
. "$(dirname "$0")/kernel.sh"

pol=$(policy cli <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
EOP
)
log=$WORK/cli.log

run "$pol" "$log" "$PROBE" exit 7
rc=$?
[ "$rc" -eq 7 ] && pass "exit status of CMD" || fail "exit status of CMD" "got $rc"
run "$pol" "$log" "$PROBE" kill-self 15
rc=$?
[ "$rc" -eq 143 ] && pass "128+signal when CMD is killed" || fail "128+signal when CMD is killed" "got $rc"
run "$pol" "$log" /nonexistent/cmd 2>/dev/null
rc=$?
[ "$rc" -eq 127 ] && pass "127 when CMD does not exist" || fail "127 when CMD does not exist" "got $rc"
ls -d /sys/fs/cgroup/agentgate/exec-* >/dev/null 2>&1 && fail "no cgroup left behind" "$(ls -d /sys/fs/cgroup/agentgate/exec-*)" || pass "no cgroup left behind"
[ -d /sys/fs/bpf/agentgate ] && [ -e /sys/fs/bpf/agentgate/link_file_open ] && pass "programs stay pinned after exec" || fail "programs stay pinned after exec" "$(ls /sys/fs/bpf/agentgate 2>&1)"

# Two execs at once share the pinned programs; each keeps its own records.
mkdir -p /srv
echo a >/srv/nothing-a
echo b >/srv/nothing-b
run "$pol" "$WORK/a.log" "$PROBE" open-read /srv/nothing-a >/dev/null 2>&1 &
run "$pol" "$WORK/b.log" "$PROBE" open-read /srv/nothing-b >/dev/null 2>&1
wait
audit "concurrent execs: first has its record" "$WORK/a.log" '"path":"/srv/nothing-a"'
audit "concurrent execs: second has its record" "$WORK/b.log" '"path":"/srv/nothing-b"'
no_audit "concurrent execs: records not mixed" "$WORK/a.log" '"path":"/srv/nothing-b"'

# Bad arguments are usage errors that name what is wrong; --help is usage on stdout, status 0.
cli() { # NAME STATUS TEXT CMD...: CMD exits STATUS and its stderr holds TEXT
	name=$1 want=$2 text=$3
	shift 3
	"$@" >"$WORK/out" 2>"$WORK/err" </dev/null
	rc=$?
	[ "$rc" -eq "$want" ] && grep -qF -- "$text" "$WORK/err" && pass "$name" ||
		fail "$name" "rc $rc: $(cat "$WORK/err")"
}
cli "check: request options need --action" 2 "--path needs --action" \
	"$AGENTGATE" check "$pol" --path /etc/shadow
cli "check: an option another action uses is refused" 2 \
	"--command does not belong to --action file_read" \
	"$AGENTGATE" check "$pol" --action file_read --path /x --command ls
cli "audit tail: an unknown --action is refused with the valid ones" 2 \
	"--action is one of file_read, file_write, shell_exec, network, listen, protect, not 'fly'" \
	"$AGENTGATE" audit tail --action fly "$log"
cli "audit tail: --agent must be a cgroup path" 2 "--agent is a cgroup path" \
	"$AGENTGATE" audit tail --agent agents "$log"
cli "audit verify: a missing file is named" 2 "verify: /nonexistent/a.log: No such file" \
	"$AGENTGATE" audit verify "$log" /nonexistent/a.log
cli "audit verify: a directory is named" 2 "verify: $WORK: Is a directory" \
	"$AGENTGATE" audit verify "$WORK"
cli "audit export: a missing file is named" 1 "export: /nonexistent/a.log: No such file" \
	"$AGENTGATE" audit export --format csv /nonexistent/a.log
cli "audit export: one file given twice is refused" 2 "given twice" \
	"$AGENTGATE" audit export --format jsonl "$log" "$log"
cli "audit forward: --replay-ms 0 is refused" 2 "--replay-ms wants 1..3600000" \
	"$AGENTGATE" audit forward --log "$log" --to 127.0.0.1:1 --replay-ms 0
cli "audit forward: a directory as --log is refused" 2 "the log $WORK is a directory" \
	"$AGENTGATE" audit forward --log "$WORK" --to 127.0.0.1:1
cli "audit forward: an unreadable --ca is a startup error naming it" 2 \
	"the CA file /nonexistent/ca.pem: No such file" \
	"$AGENTGATE" audit forward --log "$log" --to 127.0.0.1:1 --tls --ca /nonexistent/ca.pem
cli "audit verify: one file given twice is a usage error naming it" 2 \
	"usage: the same file as $log, given twice" \
	"$AGENTGATE" audit verify "$log" "$log"
cli "audit tail --live: a log file is said not to be a socket" 1 "not a socket" \
	"$AGENTGATE" audit tail --live "$log"
cli "audit tail: --live with a FILE says why it is refused" 2 "not a FILE too" \
	"$AGENTGATE" audit tail --live "$WORK/none.sock" "$log"
cli "audit forward: --ca without --tls says why it is refused" 2 "--ca goes with --tls" \
	"$AGENTGATE" audit forward --log "$log" --to 127.0.0.1:1 --ca /nonexistent/ca.pem
cli "lint: - says a policy is a file" 2 "lint reads a POLICY file, not standard input" \
	"$AGENTGATE" lint -
cli "check: a directory as FILE is named" 2 "check: $WORK: Is a directory" \
	"$AGENTGATE" check "$pol" "$WORK"
cli "exec: --key-dir without --audit-log is a usage error" 2 "--key-dir signs the --audit-log" \
	"$AGENTGATE" exec --policy "$pol" --key-dir "$WORK/unused-keys" -- "$PROBE" exit 0
cli "dashboard: --port with --unix is a usage error" 2 "--port and --unix are alternatives" \
	"$AGENTGATE" dashboard --audit-log "$log" --port 0 --unix "$WORK/dash.sock"
[ ! -e "$WORK/dash.sock" ] && pass "dashboard: a refused start binds nothing" ||
	fail "dashboard: a refused start binds nothing" "$WORK/dash.sock exists"
# Output that cannot be written is a failure, not a success: a full disk under
# `audit pubkey > audit.pub` must not leave an empty trust root and status 0.
full() { # NAME WANT CMD...: CMD with its standard output on /dev/full
	name=$1 want=$2
	shift 2
	"$@" >/dev/full 2>"$WORK/err" </dev/null
	rc=$?
	[ "$rc" -eq "$want" ] && grep -qF "standard output: No space left on device" "$WORK/err" &&
		pass "$name" || fail "$name" "rc $rc: $(cat "$WORK/err")"
}
"$AGENTGATE" audit keygen --key-dir "$WORK/keys" >/dev/null 2>&1
full "audit pubkey: a full disk is status 1" 1 "$AGENTGATE" audit pubkey --key-dir "$WORK/keys"
full "check: answers lost to a full disk are status 2" 2 \
	"$AGENTGATE" check "$pol" --action file_read --path /etc/shadow
full "audit tail: a full disk is status 1" 1 "$AGENTGATE" audit tail "$log"
full "audit verify: its report lost to a full disk is status 2" 2 "$AGENTGATE" audit verify "$log"
full "audit export: a full disk is status 1" 1 "$AGENTGATE" audit export --format csv "$log"
shadowed=$(policy cli-shadowed <<EOP
version: "1.0"
default: deny
rules:
  - action: file_read
    path: "/srv/**"
    decision: allow
  - action: file_read
    path: "/srv/a"
    decision: allow
EOP
)
full "lint: warnings lost to a full disk are status 2" 2 "$AGENTGATE" lint "$shadowed"
full "--help: a full disk is status 2" 2 "$AGENTGATE" --help
full "check --help: a full disk is status 2" 2 "$AGENTGATE" check --help
# A path is bytes: one that is not UTF-8 is answered, in base64.
out=$("$AGENTGATE" check "$pol" --action file_read --path "$(printf '/srv/\377')" 2>&1)
case $out in
*'"decision":"DENY"'*'"subject_b64":"L3Nydi//"'*) pass "check: a path that is not UTF-8 is answered (subject_b64)" ;;
*) fail "check: a path that is not UTF-8 is answered (subject_b64)" "$out" ;;
esac
for c in check lint exec audit "audit verify" "audit tail" "audit export" "audit keygen" \
	"audit forward" learn; do
	# shellcheck disable=SC2086 # "audit verify" is two words
	"$AGENTGATE" $c --help >"$WORK/out" 2>"$WORK/err"
	rc=$?
	[ "$rc" -eq 0 ] && grep -q '^usage:' "$WORK/out" && [ ! -s "$WORK/err" ] &&
		pass "$c --help: usage on stdout, status 0" ||
		fail "$c --help: usage on stdout, status 0" "rc $rc, stderr: $(cat "$WORK/err")"
done
