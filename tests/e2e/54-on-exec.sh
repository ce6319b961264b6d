#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Policies judged from the execve (docs/containers.md), as a container runtime meets them:
# a task that comes into an on_exec cgroup is not judged until its first execve there
# (the runtime's setup), that execve is judged, then the task and its children are; tasks
# already running when the policy is assigned are judged at once, every thread of them; a child cgroup (a
# container below --cgroup-parent) inherits the rule; the runtime wrapper binds through
# the daemon only containers that ask, refuses those whose policy is missing, and every one
# when it runs as a user who may not reach the daemon (a rootless engine).
# e2e-needs: python
CGP=e2e-d54
. "$(dirname "$0")/daemon.sh"
trap daemon_cleanup EXIT

S=/srv/d54
ATTACK=$(command -v attack)
ESCAPE=$(command -v escape)
mkdir -p "$S/data" "$S/secret" "$S/bundle" "$S/policies"
echo data >"$S/data/a.txt"
echo secret >"$S/secret/key"
pol=$(policy d54 <<EOP
version: "1.0"
default: deny
rules:
$(probe_rules)
  - action: shell_exec
    command: "$ATTACK *"
    decision: allow
  - action: shell_exec
    command: "$ESCAPE *"
    decision: allow
  - action: shell_exec
    command: "/bin/busybox 0.1"
    decision: allow
  - action: shell_exec
    command: "/bin/busybox 30"
    decision: allow
  - action: file_read
    path: "$S/data/**"
    decision: allow
  - action: file_read
    path: "$S/secret/**"
    decision: deny
    reason: "not for agents"
EOP
)
cp "$pol" "$S/policies/d54.yaml"
# d54_config [CONTAINERS-KEYS]: the on_exec assignment, the policies directory, and more.
d54_config() {
	daemon_config <<EOC
  - cgroup: /$CGP/parent
    policy: $pol
    on_exec: true
containers:
  policies_dir: $S/policies
${1:-}
EOC
}
d54_config
start_daemon && pass "daemon starts with an on_exec assignment" || fail "daemon starts with an on_exec assignment" "$(cat "$D/daemon.err")"
mkdir -p "$CGROOT/$CGP/parent/c1"

# The runtime's part: enters, reads what the policy denies (unjudged), then execs the agent.
runtime() { # CGROUP: a shell joins it, reads the secret, execs the probe reading it too
	sh -c 'echo $$ >"$1/cgroup.procs" || exit 9
		read -r x <"$2/secret/key" && echo "setup=read" || echo "setup=denied"
		exec "$3" open-read "$2/secret/key"' sh "$CGROOT/$1" "$S" "$PROBE"
}
out=$(runtime "$CGP/parent/c1" 2>&1 | tr '\n' ' ')
case $out in
"setup=read EPERM"*) pass "runtime setup unjudged, the entrypoint's open judged (child cgroup)" ;;
*) fail "runtime setup unjudged, the entrypoint's open judged (child cgroup)" "got '$out'" ;;
esac
wait_audit "the entrypoint's exec is recorded" "\"command\":\"$PROBE open-read" '"decision":"ALLOW"'
wait_audit "the entrypoint's denied read is recorded with its reason" "\"path\":\"$S/secret/key\"" \
	'"decision":"DENY"' '"reason":"not for agents"'

# A judged task's children are judged from birth, without an exec of their own.
out=$(sh -c 'echo $$ >"$1/cgroup.procs"; exec "$2" fork-read "$3"' sh "$CGROOT/$CGP/parent/c1" \
	"$ATTACK" "$S/secret/key" 2>/dev/null | head -n 1)
if [ "$out" = EPERM ]; then pass "a judged task's forked child is judged"; else fail "a judged task's forked child is judged" "got '$out'"; fi

# A task of the cgroup that has not run its execve there is the runtime's (`docker exec`, a
# health check): the agent may not trace it, which would let it run code there unjudged,
# nor signal it; a judged task of its own it may.
rm -f "$S/stop-setup"
sh -c 'echo $$ >"$1/cgroup.procs"; while [ ! -e "$2/stop-setup" ]; do sleep 0.1; done' sh \
	"$CGROOT/$CGP/parent/c1" "$S" &
setup=$!
sh -c 'echo $$ >"$1/cgroup.procs"; exec sleep 30' sh "$CGROOT/$CGP/parent/c1" &
judged=$!
wait_for grep -qxs "$judged" "$CGROOT/$CGP/parent/c1/cgroup.procs"
# The sleeper's execve done: its name, then (a moment later, the same execve) its arming.
i=0
while [ "$(cat "/proc/$judged/comm" 2>/dev/null)" != sleep ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.2
agent() { sh -c 'echo $$ >"$1/cgroup.procs"; shift; exec "$@"' sh "$CGROOT/$CGP/parent/c1" "$ESCAPE" "$@"; }
expect "on_exec: ptrace of a task not yet judged in the cgroup refused" EPERM agent ptrace "$setup"
expect "on_exec: a signal to it refused" EPERM agent kill "$setup" 0
expect "on_exec: ptrace of a judged task of the cgroup allowed" ok agent ptrace "$judged"
wait_audit "the refusal is recorded" '"op":"ptrace"' "\"command\":\"pid $setup\"" '"decision":"DENY"'
touch "$S/stop-setup"
kill "$judged" 2>/dev/null
wait "$setup" "$judged" 2>/dev/null

# Tasks already running when an on_exec policy is assigned are judged at once.
mkdir -p "$CGROOT/$CGP/live"
rm -f "$S/go"
sh -c 'echo $$ >"$1/cgroup.procs"
	while [ ! -e "$2/go" ]; do sleep 0.1; done
	read -r x <"$2/secret/key" && echo read || echo denied' sh "$CGROOT/$CGP/live" "$S" >"$WORK/live.out" 2>/dev/null &
wait_for grep -qxs "$!" "$CGROOT/$CGP/live/cgroup.procs"
check "assign --on-exec a cgroup with a running task" ctl assign --on-exec "/$CGP/live" "$pol"
touch "$S/go"
wait
if [ "$(cat "$WORK/live.out")" = denied ]; then pass "a task running before the on_exec assign is judged"; else fail "a task running before the on_exec assign is judged" "got '$(cat "$WORK/live.out")'"; fi

# Every thread of a running process too, not only the one userspace can name (a pidfd
# names a thread group's leader): CPython with a thread started before the assign.
mkdir -p "$CGROOT/$CGP/threads"
rm -f "$S/go2"
cat >"$WORK/threads.py" <<'EOPY'
import os, sys, threading, time
cg, s = sys.argv[1], sys.argv[2]
with open(cg + "/cgroup.procs", "w") as f:
    f.write(str(os.getpid()))
res = {}
def reader(tag):
    while not os.path.exists(s + "/go2"):
        time.sleep(0.1)
    try:
        with open(s + "/secret/key") as f:
            f.read()
        res[tag] = "read"
    except PermissionError:
        res[tag] = "denied"
t = threading.Thread(target=reader, args=("thread",))
t.start()
reader("main")
t.join()
print("main=" + res["main"], "thread=" + res["thread"])
EOPY
timeout 120 python3 "$WORK/threads.py" "$CGROOT/$CGP/threads" "$S" >"$WORK/threads.out" 2>&1 &
tpid=$!
i=0
while [ "$(wc -l <"$CGROOT/$CGP/threads/cgroup.threads")" -lt 2 ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ "$(wc -l <"$CGROOT/$CGP/threads/cgroup.threads")" -ge 2 ] ||
	fail "CPython's two threads in the cgroup before the assign" "$(cat "$CGROOT/$CGP/threads/cgroup.threads" "$WORK/threads.out" | tr '\n' ' ')"
check "assign --on-exec a cgroup with a running two-threaded CPython" ctl assign --on-exec "/$CGP/threads" "$pol"
touch "$S/go2"
wait "$tpid"
out=$(cat "$WORK/threads.out")
if [ "$out" = "main=denied thread=denied" ]; then pass "every thread running before the on_exec assign is judged"; else fail "every thread running before the on_exec assign is judged" "got '$(printf '%s' "$out" | tail -n 3)'"; fi

# The runtime wrapper (agentgate-runc) against a stand-in runtime that does what runc's
# create does for the wrapper: a pid file, an init waiting in the container's cgroup.
ln -sf "$AGENTGATE" "$WORK/agentgate-fakerun"
cat >"$WORK/fakerun" <<EOR
#!/bin/sh
# create --bundle B --pid-file P ID: an init in $CGROOT/$CGP/ctr-ID that waits for start.
cmd=
pf=
while [ \$# -gt 0 ]; do
	case \$1 in
	--bundle) b=\$2; shift 2 ;;
	--pid-file) pf=\$2; shift 2 ;;
	create|start|delete|state) cmd=\$1; shift ;;
	--*) shift ;;
	*) id=\$1; shift ;;
	esac
done
case \$cmd in
create)
	mkdir -p "$CGROOT/$CGP/ctr-\$id"
	sh -c 'echo \$\$ >"\$1/cgroup.procs"; while [ ! -e "\$2/start-\$3" ]; do sleep 0.1; done
		exec "\$4" open-read "\$5"' sh "$CGROOT/$CGP/ctr-\$id" "$WORK" "\$id" "$PROBE" "$S/secret/key" >"$WORK/ctr-\$id.out" 2>&1 &
	echo \$! >"$WORK/ctr-\$id.pid"
	[ -n "\$pf" ] && echo \$! >"\$pf"
	# As runc: create returns once the init is in the container's cgroup.
	until grep -qx "\$!" "$CGROOT/$CGP/ctr-\$id/cgroup.procs"; do sleep 0.05; done
	;;
state) [ -z "\$FAKE_NOSTATE" ] && echo "{\"id\":\"\$id\",\"pid\":\$(cat "$WORK/ctr-\$id.pid"),\"status\":\"created\"}" ;;
start) touch "$WORK/start-\$id" ;;
delete) echo 1 >"$CGROOT/$CGP/ctr-\$id/cgroup.kill"; sleep 0.2; rmdir "$CGROOT/$CGP/ctr-\$id" ;;
esac
EOR
chmod +x "$WORK/fakerun"
bundle() { # ID POLICY-ANNOTATION
	mkdir -p "$S/bundle/$1"
	if [ -n "$2" ]; then
		echo "{\"annotations\":{\"agentgate.policy\":\"$2\"},\"process\":{\"args\":[\"$PROBE\"]}}"
	else
		echo "{\"process\":{\"args\":[\"$PROBE\"]}}"
	fi >"$S/bundle/$1/config.json"
}
wrap() { AGENTGATE_CONTROL_SOCKET=$SOCK AGENTGATE_RUNTIME=$WORK/fakerun "$WORK/agentgate-fakerun" "$@"; }

bundle c1 d54
check "wrapper: create with agentgate.policy binds" wrap --log "$WORK/c1.log" --log-format json create --bundle "$S/bundle/c1" --pid-file "$WORK/c1.pid" c1
ctl status >"$WORK/status" 2>&1
if grep -q "container .* c1" "$WORK/status"; then pass "status lists the bound container"; else fail "status lists the bound container" "$(head -c 400 "$WORK/status")"; fi
wrap start c1
wait_for test -s "$WORK/ctr-c1.out"
if [ "$(head -n 1 "$WORK/ctr-c1.out")" = EPERM ]; then pass "bound container's entrypoint judged"; else fail "bound container's entrypoint judged" "got '$(cat "$WORK/ctr-c1.out")'"; fi
wait_audit "records name the container" "\"container\":\"c1\"" "\"path\":\"$S/secret/key\"" '"decision":"DENY"'
wrap delete c1
i=0
while ctl status 2>&1 | grep -q "container .* c1" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if ctl status 2>&1 | grep -q "container .* c1"; then fail "a deleted container's binding goes" "still in status"; else pass "a deleted container's binding goes"; fi
wait_audit "its removal is recorded" '"what":"policy_unload"' "ctr-c1"

# run and restore start a container no create bound (a restored one never execs): refused.
bundle c9 d54
for c in run restore; do
	if out=$(wrap "$c" --bundle "$S/bundle/c9" --image-path "$WORK/ckpt" c9 2>&1); then
		fail "wrapper: $c refused" "status 0: $out"
	else
		case $out in *"'$c' is not supported under agentgate"*) pass "wrapper: $c refused" ;;
		*) fail "wrapper: $c refused" "$out" ;; esac
	fi
done
[ ! -d "$CGROOT/$CGP/ctr-c9" ] && pass "wrapper: nothing ran for them" || fail "wrapper: nothing ran for them" "ctr-c9 exists"

bundle c2 ""
check "wrapper: create without a request leaves the container alone" wrap create --bundle "$S/bundle/c2" --pid-file "$WORK/c2.pid" c2
wrap start c2
wait_for test -s "$WORK/ctr-c2.out"
if [ "$(head -n 1 "$WORK/ctr-c2.out")" = ok ]; then pass "unbound container unjudged"; else fail "unbound container unjudged" "got '$(cat "$WORK/ctr-c2.out")'"; fi
wrap delete c2

bundle c3 no-such-policy
if wrap --log "$WORK/c3.log" --log-format json create --bundle "$S/bundle/c3" --pid-file "$WORK/c3.pid" c3 2>"$WORK/c3.err"; then
	fail "wrapper: a missing policy refuses the container" "create succeeded"
else
	pass "wrapper: a missing policy refuses the container"
fi
if grep -q "no policy 'no-such-policy'" "$WORK/c3.log" && grep -q '"level":"error"' "$WORK/c3.log"; then
	pass "the refusal is in the runtime's JSON log"
else
	fail "the refusal is in the runtime's JSON log" "$(head -c 300 "$WORK/c3.log")"
fi
[ -d "$CGROOT/$CGP/ctr-c3" ] && fail "a refused container is deleted" "its cgroup is still there" || pass "a refused container is deleted"

# A rootless engine's runtime, and so the wrapper, runs as its user, who may not use the
# daemon's control socket: each container it creates is refused, whether it asked for a
# policy or not (docs/containers.md), and deleted. Its stand-in runtime needs no cgroup.
U=/tmp/d54-user
rm -rf "$U"
mkdir -p "$U/bundle/u1"
echo "{\"process\":{\"args\":[\"$PROBE\"]}}" >"$U/bundle/u1/config.json"
cat >"$U/run" <<'EOR'
#!/bin/sh
cmd= pf=
while [ $# -gt 0 ]; do
	case $1 in
	--pid-file) pf=$2; shift 2 ;;
	--bundle) shift 2 ;;
	create | delete) cmd=$1; shift ;;
	*) shift ;;
	esac
done
case $cmd in
create) sleep 120 >/dev/null 2>&1 & echo $! >"$pf" ;;
delete) kill "$(cat "${0%/*}/u1.pid")" && touch "${0%/*}/deleted" ;;
esac
EOR
ln -sf "$AGENTGATE" "$U/agentgate-userrun"
chmod 755 "$U/run"
chown -R agent "$U"
# As under systemd (RuntimeDirectory= is 0755), only the socket's own mode (0600) refuses.
modes=$(stat -c '%a %n' "$WORK" "$D" "$D/run")
chmod 755 "$WORK" "$D" "$D/run"
if su -s /bin/sh agent -c "AGENTGATE_CONTROL_SOCKET=$SOCK AGENTGATE_RUNTIME=$U/run $U/agentgate-userrun create --bundle $U/bundle/u1 --pid-file $U/u1.pid u1" 2>"$U/err"; then
	fail "rootless runtime: a container asking for no policy is refused" "create succeeded"
else
	pass "rootless runtime: a container asking for no policy is refused"
fi
grep -q "root-only" "$U/err" && pass "rootless runtime: the error says the socket is root-only" ||
	fail "rootless runtime: the error says the socket is root-only" "$(head -c 300 "$U/err")"
[ -e "$U/deleted" ] && pass "rootless runtime: the refused container is deleted" ||
	fail "rootless runtime: the refused container is deleted" "no delete"
echo "$modes" | while read -r m f; do chmod "$m" "$f"; done
rm -rf "$U"

# An operator who does not let containers choose: named: false ignores the policy a
# container names (its annotations and environment are its starter's and its image's),
# default_policy binds a container no selector matches.
stop_daemon
d54_config "  named: false
  default_policy: d54"
start_daemon || fail "daemon starts with named: false and a default policy" "$(tail -n 3 "$D/daemon.err")"
for c in c5 c6; do
	if [ $c = c5 ]; then bundle c5 nope; else bundle c6 ""; fi
	check "named: false, default_policy: $c is bound" wrap create --bundle "$S/bundle/$c" --pid-file "$WORK/$c.pid" $c
	wrap start $c
	wait_for test -s "$WORK/ctr-$c.out"
	[ "$(head -n 1 "$WORK/ctr-$c.out")" = EPERM ] && pass "named: false, default_policy: $c judged by the default" ||
		fail "named: false, default_policy: $c judged by the default" "got '$(cat "$WORK/ctr-$c.out")'"
	wrap delete $c
done
# Without --pid-file the wrapper asks the runtime's state for the init's pid; when that
# fails too the selectors cannot be asked, and the container does not start.
bundle c7 ""
check "no --pid-file: the pid from the runtime's state, the default bound" wrap create --bundle "$S/bundle/c7" c7
wrap start c7
wait_for test -s "$WORK/ctr-c7.out"
[ "$(head -n 1 "$WORK/ctr-c7.out")" = EPERM ] && pass "no --pid-file: judged by the default" ||
	fail "no --pid-file: judged by the default" "got '$(cat "$WORK/ctr-c7.out")'"
wrap delete c7
bundle c8 ""
if out=$(FAKE_NOSTATE=1 wrap create --bundle "$S/bundle/c8" c8 2>&1); then
	fail "no pid at all: the container is refused" "status 0: $out"
else
	case $out in *"not started"*"the runtime's state"*) pass "no pid at all: the container is refused" ;;
	*) fail "no pid at all: the container is refused" "$out" ;; esac
fi
[ ! -d "$CGROOT/$CGP/ctr-c8" ] && pass "no pid at all: the container is deleted" ||
	fail "no pid at all: the container is deleted" "ctr-c8 exists"

# The directory policies are named from is the daemon's: a file planted there would be
# assigned to the next container that names it.
open_pol=$(open_policy d54-open)
check "assign a policy that allows every path" ctl assign "/$CGP/open" "$open_pol"
expect "a policy cannot be planted in policies_dir" EPERM in_cgroup "$CGP/open" "$PROBE" open-write "$S/policies/planted.yaml"
expect "other directories follow the policy" ok in_cgroup "$CGP/open" "$PROBE" open-write "$S/data/planted"
check "unassign the open policy" ctl unassign "/$CGP/open"

stop_daemon
bundle c4 d54
if wrap --log "$WORK/c4.log" --log-format json create --bundle "$S/bundle/c4" --pid-file "$WORK/c4.pid" c4 2>/dev/null; then
	fail "no daemon: a container asking for a policy is refused" "create succeeded"
else
	pass "no daemon: a container asking for a policy is refused"
fi
