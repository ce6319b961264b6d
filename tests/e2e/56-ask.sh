#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The ask socket (docs/ask.md): an agent asks about each of seed 1's actions and gets the
# seed's decisions; asking about a path then opening it gives the same decision; an agent
# learns only its own policy and reaches no other daemon command; a flood of questions is
# throttled while another agent is still answered; questions are audit records; exec serves
# its own agent; the Python client's tests pass where the VM has python3; a bare program
# name is looked up in the asker's own root (a chrooted agent's), never the daemon's.
# e2e-needs: python
CGP=e2e-d56
. "$(dirname "$0")/daemon.sh"
# A root of an agent's own (tests below), into which the host's ask directory is bind-mounted.
R=$WORK/root
trap 'umount "$R/run/agentgate-ask" 2>/dev/null; daemon_cleanup' EXIT
ASKC=$(command -v askc)
ASK=/run/agentgate-ask/daemon.sock
POLDIR=$(cd "$E2E_DIR/../../policies" && pwd)
CLIENTS=$(cd "$E2E_DIR/../.." && pwd)/clients

mkdir -p /srv/d56 /opt/agent/input /opt/agent/output /opt/agent/config
echo data >/opt/agent/input/daily-report-2026-02-13.csv
echo secret >/srv/d56/b-only
chmod 644 /srv/d56/b-only
# A command is judged as the program it resolves to: the VM has no sudo of its own.
[ -e /usr/bin/sudo ] || { printf '#!/bin/sh\necho "sudo: ran $*"\n' >/usr/bin/sudo && chmod 755 /usr/bin/sudo; }

# The seed's rules, as policies/openai-agent-sandbox.yaml has them, plus what the helpers need.
seed_rules=$(sed -n '/^  rules:/,$p' "$POLDIR/openai-agent-sandbox.yaml" | sed 1d | sed 's/^  //')
helper_rules() {
	probe_rules
	cat <<EOR
  - action: shell_exec
    command: "$ASKC *"
    decision: allow
EOR
}
a_pol=$(policy d56-a <<EOP
version: "1.0"
default: deny
include: [$POLDIR/include/agentgate-ask.yaml]
rules:
$(helper_rules)
$seed_rules
EOP
)
b_pol=$(policy d56-b <<EOP
version: "1.0"
default: deny
include: [$POLDIR/include/agentgate-ask.yaml]
rules:
$(helper_rules)
  - action: file_read
    path: "/srv/d56/b-only"
    decision: allow
    reason: "b's secret rule"
EOP
)
# No ask include: connecting to the ask socket is a file_write its policy does not allow.
c_pol=$(policy d56-c <<EOP
version: "1.0"
default: deny
rules:
$(helper_rules)
EOP
)
daemon_config <<EOC
  - cgroup: /$CGP/a
    policy: $a_pol
  - cgroup: /$CGP/b
    policy: $b_pol
  - cgroup: /$CGP/c
    policy: $c_pol
EOC
start_daemon || fail "daemon starts" "$(cat "$D/daemon.err")"
[ -S "$ASK" ] && pass "the daemon serves the ask socket" || fail "the daemon serves the ask socket" "no $ASK"
ctl status | grep -qF "ask        $ASK" && pass "status names the ask socket" || fail "status names the ask socket" "$(ctl status)"

# ask CGROUP BODY: the answer ("STATUS {json}") to BODY asked from CGROUP.
ask() {
	in_cgroup "$CGP/$1" "$ASKC" "$ASK" "$2"
}
# carries NAME ANSWER FRAGMENT...: the answer carries every fragment.
carries() {
	_n=$1 _a=$2
	shift 2
	for _f in "$@"; do
		case $_a in
		*"$_f"*) ;;
		*) fail "$_n" "answer '$(printf '%s' "$_a" | head -c 300)' lacks '$_f'"; return ;;
		esac
	done
	pass "$_n"
}
# asked NAME CGROUP BODY FRAGMENT...: the answer to BODY asked from CGROUP carries every fragment.
asked() {
	_n=$1 _c=$2 _b=$3
	shift 3
	carries "$_n" "$(ask "$_c" "$_b" 2>&1)" "$@"
}

# Seed 1's six example actions, as the seed writes them, with the seed's decisions.
asked "seed 1: read the input CSV: ALLOW" a '{"action":"file_read","path":"/opt/agent/input/daily-report-2026-02-13.csv","agent":"openai-gpt4-agent","timestamp":"2026-02-13T06:00:01Z"}' '200 ' '"result":"ALLOW"'
asked "seed 1: write the summary: ALLOW" a '{"action":"file_write","path":"/opt/agent/output/summary-2026-02-13.json","content":"{}","agent":"openai-gpt4-agent"}' '"result":"ALLOW"'
asked "seed 1: overwrite its config: DENY" a '{"action":"file_write","path":"/opt/agent/config/agent.yaml","agent":"openai-gpt4-agent"}' '"result":"DENY"' '"mode":"enforce"'
asked "seed 1: post to Slack: ALLOW" a '{"action":"network","domain":"hooks.slack.com","method":"POST","agent":"openai-gpt4-agent"}' '"result":"ALLOW"'
asked "seed 1: reach pastebin: DENY" a '{"action":"network","domain":"pastebin.com","method":"POST","agent":"openai-gpt4-agent"}' '"result":"DENY"'
asked "seed 1: sudo: DENY, with its rule" a '{"action":"shell_exec","command":"sudo apt-get install netcat","agent":"openai-gpt4-agent"}' '"result":"DENY"' '"rule":' 'sudo apt-get install netcat'
asked "an address and port" a '{"action":"network","ip":"192.0.2.1","port":443}' '"result":"DENY"' '"subject":"192.0.2.1:443"'
# The daemon is root in the host's mount namespace: it must not resolve an agent's paths there
# (an oracle of which host files exist, where /proc/PID/cwd of any process points).
asked "a program's path is judged as written, not resolved on the host" a '{"action":"shell_exec","command":"/proc/1/root/etc/hostname"}' '"subject":"/proc/1/root/etc/hostname"'
asked "nor another process's cwd" a "{\"action\":\"shell_exec\",\"command\":\"/proc/$(daemon_pid)/cwd/.\"}" "\"subject\":\"/proc/$(daemon_pid)/cwd\""
asked "a batch, answered in order" a '{"requests":[{"action":"file_read","path":"/opt/agent/input/x"},{"action":"file_read","path":"/etc/shadow"}]}' '"results":[{' '"result":"ALLOW"' '"result":"DENY"'
asked "a malformed question: 400 with why" a '{"action":"file_read"}' '400 ' 'expected a \"path\"'
asked "not JSON: 400 with why" a '{"action":' '400 ' 'expected a JSON body'

# The answer is the kernel's: ask, then do it.
for p in /opt/agent/input/daily-report-2026-02-13.csv /srv/d56/b-only; do
	a=$(ask a "{\"action\":\"file_read\",\"path\":\"$p\"}")
	k=$(in_cgroup "$CGP/a" "$PROBE" open-read "$p")
	case $a:$k in
	*'"result":"ALLOW"'*:ok | *'"result":"DENY"'*:EPERM) pass "asked about $p, then opened it: same decision" ;;
	*) fail "asked about $p, then opened it: same decision" "answer '$a', kernel '$k'" ;;
	esac
done

# Only the caller's own policy answers: b's rule is b's alone, whatever the request says.
asked "b asks about its file: its own rule" b '{"action":"file_read","path":"/srv/d56/b-only"}' '"result":"ALLOW"' "b's secret rule"
a=$(ask a '{"action":"file_read","path":"/srv/d56/b-only","agent":"/e2e-d56/b"}')
case $a in
*"secret"* | *'"result":"ALLOW"'*) fail "a cannot learn b's policy" "$a" ;;
*'"rule":"default"'*) pass "a cannot learn b's policy (naming b as agent changes nothing)" ;;
*) fail "a cannot learn b's policy" "$a" ;;
esac
# No other command exists on this socket.
asked "the control protocol's status is not a command here" a '{"cmd":"status"}' '400 '
asked "nor unassign" a "{\"cmd\":\"unassign\",\"cgroup\":\"/$CGP/a\"}" '400 '
a=$(in_cgroup "$CGP/a" "$ASKC" "$ASK" --raw 'GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n')
case $a in 404*) pass "other paths: 404" ;; *) fail "other paths: 404" "$a" ;; esac
a=$(in_cgroup "$CGP/a" "$ASKC" "$ASK" --raw 'POST /v1/evaluate HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')
case $a in 501*) pass "chunked bodies: 501" ;; *) fail "chunked bodies: 501" "$a" ;; esac
expect "still confined after all that" EPERM in_cgroup "$CGP/a" "$PROBE" open-read /srv/d56/b-only
expect "the control socket stays refused" EPERM in_cgroup "$CGP/a" "$PROBE" unix-connect "$SOCK"
expect "no ask include: the policy refuses the connect" EPERM in_cgroup "$CGP/c" "$PROBE" unix-connect "$ASK"
a=$("$ASKC" "$ASK" '{"action":"file_read","path":"/etc/shadow"}')
case $a in 403*"no agentgate policy"*) pass "an unconfined caller is told it has no policy" ;; *) fail "an unconfined caller is told it has no policy" "$a" ;; esac
# The socket itself stays agentgate's: an agent allowed to write every path cannot replace it.
open_pol=$(open_policy d56-open)
check "assign a policy that allows every path" ctl assign "/$CGP/open" "$open_pol"
expect "the ask socket cannot be opened for writing" EPERM in_cgroup "$CGP/open" "$PROBE" open-write "$ASK"
expect "nor a file created beside it" EPERM in_cgroup "$CGP/open" "$PROBE" open-write /run/agentgate-ask/fake.sock
expect "but connected to" ok in_cgroup "$CGP/open" "$PROBE" unix-connect "$ASK"

# A bare program name is looked up where the asker finds it: in its own root, here a chroot
# (a container's root, in little; askc is static) that has /usr/bin/agtool-d56, which the host
# lacks, with the host's ask directory bind-mounted as a container gets it. Never in the
# daemon's files: an agent on the host's root gets the first search directory, and a program
# only the host has is not found from the chroot. Symbolic links stay inside the root.
mkdir -p "$R/bin" "$R${ASKC%/*}" "$R/usr/bin" "$R/usr/local/sbin" "$R/usr/local/bin" \
	"$R/run/agentgate-ask"
cp /bin/busybox "$R/bin/busybox"
ln -s busybox "$R/bin/sh"
for p in "$R$ASKC" "$R/usr/bin/agtool-d56" "$R/usr/bin/agesc-d56" "$R/usr/bin/agup-d56" \
	"$WORK/hostonly"; do
	cp "$ASKC" "$p"
done
ln -s "$WORK/hostonly" "$R/usr/local/sbin/agesc-d56"
ln -s "../../../../../../../..$WORK/hostonly" "$R/usr/local/bin/agup-d56"
ln -s ../../bin/agtool-d56 "$R/usr/local/bin/agl-d56"
mount -o bind /run/agentgate-ask "$R/run/agentgate-ask"
r_pol=$(policy d56-r <<EOP
version: "1.0"
default: deny
include: [$POLDIR/include/agentgate-ask.yaml]
rules:
$(helper_rules)
  - action: shell_exec
    command: "/usr/bin/agtool-d56 *"
    decision: allow
    reason: "the root's own tool"
EOP
)
check "assign the chrooted agent's policy" ctl assign "/$CGP/r" "$r_pol"
# in_root CGROUP CMD...: CMD run by a shell chrooted into $R as a task of CGROUP, which it joins
# after the chroot (a confined task may not chroot) through cgroup.procs opened outside.
in_root() {
	_cg=$1
	shift
	chroot "$R" /bin/sh -c 'echo $$ >&3 && exec "$@" 3>&-' sh "$@" 3>"$CGROOT/$_cg/cgroup.procs"
}
# root_asked NAME BODY FRAGMENT...: the answer to BODY asked from the chroot carries each.
root_asked() {
	_n=$1 _b=$2
	shift 2
	carries "$_n" "$(in_root "$CGP/r" "$ASKC" "$ASK" "$_b" 2>&1)" "$@"
}
[ -e /usr/bin/agtool-d56 ] && fail "the host has no agtool-d56" "/usr/bin/agtool-d56 exists"
root_asked "chrooted: a bare name is found in the asker's root" '{"action":"shell_exec","command":"agtool-d56 x.js"}' \
	'200 ' '"result":"ALLOW"' '"subject":"/usr/bin/agtool-d56 x.js"' "the root's own tool"
asked "on the host's root, which lacks it: judged in the first search directory" r \
	'{"action":"shell_exec","command":"agtool-d56 x.js"}' '200 ' '"result":"DENY"' \
	'"subject":"/usr/local/sbin/agtool-d56 x.js"'
root_asked "chrooted: a program only the host has is not found" '{"action":"shell_exec","command":"sudo x"}' \
	'"subject":"/usr/local/sbin/sudo x"'
asked "the host's root has it" r '{"action":"shell_exec","command":"sudo x"}' '"subject":"/usr/bin/sudo x"'
root_asked "chrooted: an absolute link to a host program does not leave the root" \
	'{"action":"shell_exec","command":"agesc-d56"}' '"subject":"/usr/bin/agesc-d56"'
root_asked "nor one through .." '{"action":"shell_exec","command":"agup-d56"}' '"subject":"/usr/bin/agup-d56"'
root_asked "a link within the root: found, named as written" '{"action":"shell_exec","command":"agl-d56 y"}' \
	'"subject":"/usr/local/bin/agl-d56 y"'
# The answer is the kernel's: ask, then run it from the chroot (askc's copies print the
# variable with --where).
for p in agtool-d56 agesc-d56; do
	a=$(in_root "$CGP/r" "$ASKC" "$ASK" "{\"action\":\"shell_exec\",\"command\":\"$p - --where\"}" 2>&1)
	k=$(export AGENTGATE_SOCKET=ran-d56 && in_root "$CGP/r" "$p" - --where 2>&1)
	[ "$k" = ran-d56 ] && ran=ALLOW || ran=DENY
	case $a in
	*"\"result\":\"$ran\""*) pass "chrooted: asked about $p ($ran), then ran it: same decision" ;;
	*) fail "chrooted: asked about $p, then ran it: same decision" "answer '$a', run '$k'" ;;
	esac
done
wait_audit "the chrooted agent's question is recorded with its own program" '"type":"ask"' \
	"\"agent\":\"/$CGP/r\"" '"command":"/usr/bin/agtool-d56 x.js"' '"decision":"ALLOW"'
umount "$R/run/agentgate-ask"

# A flood from a is throttled; b is still answered meanwhile.
in_cgroup "$CGP/a" "$ASKC" "$ASK" --flood 1500 '{"action":"file_read","path":"/opt/agent/input/x"}' >"$WORK/flood" &
flood=$!
sleep 0.3
okb=0
for _ in 1 2 3 4 5; do
	case $(ask b '{"action":"file_read","path":"/srv/d56/b-only"}') in 200*) okb=$((okb + 1)) ;; esac
done
wait $flood
f=$(cat "$WORK/flood")
case $f in *" 429=0 "*|"") fail "a flood of questions is throttled" "$f" ;; *) pass "a flood of questions is throttled ($f)" ;; esac
[ $okb -eq 5 ] && pass "another agent is answered during the flood" || fail "another agent is answered during the flood" "$okb of 5 answered; flood: $f"

# Every answered question is a record.
wait_audit "a question is an ask record" '"type":"ask"' "\"agent\":\"/$CGP/a\"" '"asked_as":"openai-gpt4-agent"' '"action":"shell_exec"' '"decision":"DENY"'
wait_audit "b's question is b's record" '"type":"ask"' "\"agent\":\"/$CGP/b\"" '"path":"/srv/d56/b-only"' '"decision":"ALLOW"'
in_cgroup "$CGP/b" "$ASKC" "$ASK" --flood 4 '{"action":"file_read","path":"/srv/d56/again"}' >/dev/null
wait_audit "the same question asked again and again is one record with a count" '"type":"ask"' '"path":"/srv/d56/again"' '"count":4'
verify_open "the log with ask records verifies"

# agentgate exec serves its own agent on AGENTGATE_SOCKET, and only it.
out=$(run "$a_pol" "$WORK/exec.log" "$ASKC" - '{"action":"shell_exec","command":"sudo apt-get install netcat"}')
case $out in 200*'"result":"DENY"'*) pass "exec: its agent asks on AGENTGATE_SOCKET" ;; *) fail "exec: its agent asks on AGENTGATE_SOCKET" "$out" ;; esac
audit "exec: the question is in exec's log" "$WORK/exec.log" '"type":"ask"' '"action":"shell_exec"'
"$AGENTGATE" audit verify "$WORK/exec.log" >/dev/null 2>&1 && pass "exec: its log verifies" || fail "exec: its log verifies" "$("$AGENTGATE" audit verify "$WORK/exec.log" 2>&1 | tail -n 2)"
out=$(run "$a_pol" "$WORK/exec2.log" "$ASKC" "$ASK" '{"action":"file_read","path":"/etc/shadow"}')
case $out in 403*) pass "exec's agent is not served by the daemon's socket" ;; *) fail "exec's agent is not served by the daemon's socket" "$out" ;; esac
where=$(run "$a_pol" "$WORK/exec3.log" "$ASKC" - --where)
case $where in
/run/agentgate-ask/exec-*.sock) [ -e "$where" ] && fail "exec removes its socket" "$where is left" || pass "exec removes its socket" ;;
*) fail "exec removes its socket" "AGENTGATE_SOCKET was '$where'" ;;
esac

# The Python client's own tests, as a confined agent (where the VM carries python3).
# The interpreter by its versioned name: 20-exec.sh puts a stand-in at /usr/bin/python3.
PY=$(ls /usr/bin/python3.[0-9]* 2>/dev/null | head -n 1)
if [ -n "$PY" ] && [ -f "$CLIENTS/python/test_agentgate_client.py" ]; then
	py_pol=$(policy d56-py <<EOP
version: "1.0"
default: deny
include: [$POLDIR/include/python3.yaml, $POLDIR/include/agentgate-ask.yaml]
rules:
  - action: shell_exec
    command: "$PY $CLIENTS/python/test_agentgate_client.py"
    decision: allow
  - action: file_read
    path: "$CLIENTS/python"
    decision: allow
  - action: file_read
    path: "$CLIENTS/python/*.py"
    decision: allow
$seed_rules
EOP
)
	if out=$(PYTHONDONTWRITEBYTECODE=1 run "$py_pol" "$WORK/py.log" "$PY" "$CLIENTS/python/test_agentgate_client.py" 2>&1); then
		pass "python client: its tests pass against agentgate exec"
	else
		fail "python client: its tests pass against agentgate exec" "$(printf '%s' "$out" | tail -n 15 | tr '\n' ' ')"
	fi
fi

# An operator's umask does not narrow the ask directory (exec makes it when it is missing):
# under umask 077 an agent running as another user still reaches its socket.
stop_daemon || fail "the daemon stops" "pid $(daemon_pid)"
rm -rf /run/agentgate-ask
u_pol=$(policy d56-u <<EOP
version: "1.0"
default: deny
include: [$POLDIR/include/agentgate-ask.yaml]
rules:
  - action: shell_exec
    command: "/ag/bin/setpriv *"
    decision: allow
$(helper_rules)
$seed_rules
EOP
)
out=$(umask 077 && run "$u_pol" "$WORK/umask.log" /ag/bin/setpriv --reuid=1000 --regid=1000 --clear-groups \
	"$ASKC" - '{"action":"shell_exec","command":"sudo apt-get install netcat"}' 2>&1)
case $out in
200*'"result":"DENY"'*) pass "umask 077: an agent of another user asks on exec's socket" ;;
*) fail "umask 077: an agent of another user asks on exec's socket" "$out (the directory: $(stat -c %a /run/agentgate-ask 2>&1))" ;;
esac

# Nor exec's cgroups: an agent of another user reads its own cgroup's files, as libuv reads
# memory.max (policies/include/node.yaml), under umask 077 too.
cg_pol=$(policy d56-cg <<EOP
version: "1.0"
default: deny
rules:
  - action: shell_exec
    command: "/ag/bin/setpriv *"
    decision: allow
  - action: shell_exec
    command: "/bin/busybox *"
    decision: allow
  - action: file_read
    path: "/proc/[0-9]*/cgroup"
    decision: allow
  - action: file_read
    path: "/sys/fs/cgroup/agentgate/**"
    decision: allow
$(helper_rules)
EOP
)
out=$(umask 077 && run "$cg_pol" "$WORK/cg.log" /ag/bin/setpriv --reuid=1000 --regid=1000 --clear-groups \
	/bin/busybox sh -c '/bin/busybox cat "/sys/fs/cgroup$(/bin/busybox cut -d: -f3 /proc/self/cgroup)/cgroup.type"' 2>&1)
case $out in
domain) pass "umask 077: an agent of another user reads its own cgroup's files" ;;
*) fail "umask 077: an agent of another user reads its own cgroup's files" \
	"$out (/sys/fs/cgroup/agentgate: $(stat -c %a /sys/fs/cgroup/agentgate 2>&1))" ;;
esac
