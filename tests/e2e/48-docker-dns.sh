#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Domain rules for a Node.js agent in a Docker container on Docker's default bridge (its own
# network namespace), bound through the agentgate runtime before its entrypoint: its
# lookups reach agentgate's DNS proxy inside the container's namespace, an allowed name is
# answered and its address reachable, a denied name is refused, an address never learned
# is denied; the records name the container. A --network none container gets no DNS at all.
# e2e-needs: engines
# e2e-timeout: 900
CGP=e2e-d48
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/engines.sh"
. "$(dirname "$0")/dns.sh"
trap 'kill "$listener" 2>/dev/null; docker_stop; daemon_cleanup' EXIT

P=/srv/dns48
mkdir -p "$P/policies"
cp -a /ag/policies/include "$P/policies/"
cat >"$P/policies/dns-agent.yaml" <<'EOP'
version: "1.0"
default: deny
include: [node, resolver]
rules:
  - action: shell_exec
    command: "/usr/bin/node *"
    decision: allow
  - action: network
    domain: "api.e2e.test"
    ports: [8443]
    decision: allow
    reason: "the model API"
  - action: network
    domain: "*"
    decision: deny
    reason: "only the model API"
EOP
SOCK=/run/agentgate/control.sock
daemon_config <<EOC
containers:
  policies_dir: $P/policies
EOC
start_daemon && pass "daemon" || fail "daemon" "$(cat "$D/daemon.err")"
ln -sf "$AGENTGATE" /ag/bin/agentgate-runc

# docker0 is 172.17.0.1: the allowed name points there, where a listener waits.
if dns_start api.e2e.test=172.17.0.1 other.e2e.test=172.17.0.1 2>"$WORK/dns.err"; then
	pass "dnsmasq answers on 127.0.0.53"
else
	fail "dnsmasq answers on 127.0.0.53" "$(cat "$WORK/dns.err")"
fi
"$PROBE" tcp-serve 8443 600 >/dev/null 2>&1 &
listener=$!

DOCKERD_ARGS="--add-runtime agentgate=/ag/bin/agentgate-runc" docker_start bridge ||
	fail "dockerd with its bridge and the agentgate runtime" "see $ENGINES_LOGS/dockerd.log"
engines_rootfs_node "$WORK/node.tar" && check "agent image imported" docker_image dnsagent "$WORK/node.tar"
IMG=$(docker_ref dnsagent)

# The agent: look the API up and connect to it, look another name up, connect to an
# address by number it never looked up. One line of results.
AGENT_JS='
const dns = require("dns"), net = require("net");
const out = [];
const lookup = (name) => new Promise((ok) => dns.lookup(name, { family: 4 },
	(e, a) => ok(e ? e.code : a)));
const connect = (addr) => new Promise((ok) => {
	const s = net.connect(8443, addr, () => { s.destroy(); ok("ok"); });
	s.on("error", (e) => ok(e.code));
});
(async () => {
	const a = await lookup("api.e2e.test");
	out.push("api=" + a);
	out.push("connect=" + (a.includes(".") ? await connect(a) : "none"));
	out.push("other=" + await lookup("other.e2e.test"));
	out.push("literal=" + await connect("172.17.0.9"));
	console.log(out.join(" "));
})();
'

# shellcheck disable=SC2086 # DOCKER_UNCONFINED is two words
got=$(docker run --rm --runtime agentgate --cidfile "$WORK/cid" $DOCKER_UNCONFINED --user 1000:1000 \
	-e AGENTGATE_POLICY=dns-agent "$IMG" /usr/bin/node -e "$AGENT_JS" 2>"$WORK/run.err")
want="api=172.17.0.1 connect=ok other=EAI_AGAIN literal=EPERM"
if [ "$got" = "$want" ]; then
	pass "bridge network: the kernel's and the proxy's answers to the agent"
else
	fail "bridge network: the kernel's and the proxy's answers to the agent" "got '$got' ($(head -c 300 "$WORK/run.err"))"
fi
# Docker 20.10 gives its runtime no container name: records carry the container's id.
cid=$(cat "$WORK/cid")
wait_audit "bridge network: the lookup recorded, naming the container" '"domain":"api.e2e.test"' \
	'"decision":"ALLOW"' "\"container\":\"$cid\"" '"engine":"docker"' '"comm":"node"'
wait_audit "bridge network: the connect recorded with its domain" '"domain":"api.e2e.test"' \
	'"ip":"172.17.0.1"' '"port":8443' '"decision":"ALLOW"' '"reason":"the model API"'
wait_audit "bridge network: the denied name recorded with its reason" '"domain":"other.e2e.test"' \
	'"decision":"DENY"' '"reason":"only the model API"' "\"container\":\"$cid\""
if dns_queried other.e2e.test; then
	fail "bridge network: the denied name is not forwarded" "$(grep -F other.e2e.test "$DNS_LOG" | head -n 1)"
else
	pass "bridge network: the denied name is not forwarded"
fi
if grep -F '"rule":"no_dns_proxy"' "$AUDIT" | grep -qF "\"container\":\"$cid\""; then
	fail "bridge network: no lookup of the container went unserved" "$(grep -F no_dns_proxy "$AUDIT" | head -n 1)"
else
	pass "bridge network: no lookup of the container went unserved"
fi

# --network none: no interface but loopback, so no DNS: refused in the kernel and recorded.
before=$(grep -c 'api.e2e.test' "$DNS_LOG" 2>/dev/null)
# shellcheck disable=SC2086 # DOCKER_UNCONFINED is two words
got=$(docker run --rm --runtime agentgate --cidfile "$WORK/cid.none" --network none $DOCKER_UNCONFINED \
	--user 1000:1000 -e AGENTGATE_POLICY=dns-agent "$IMG" /usr/bin/node -e \
	'require("dns").lookup("api.e2e.test", { family: 4 }, (e, a) => console.log(e ? e.code : a))' \
	2>"$WORK/none.err")
case $got in
EAI_AGAIN | ENOTFOUND | EPERM) pass "--network none: the lookup fails ($got)" ;;
*) fail "--network none: the lookup fails" "got '$got' ($(head -c 300 "$WORK/none.err"))" ;;
esac
wait_audit "--network none: the refused lookup is recorded" '"rule":"no_dns_proxy"' \
	"\"container\":\"$(cat "$WORK/cid.none")\"" '"port":53' '"decision":"DENY"'
after=$(grep -c 'api.e2e.test' "$DNS_LOG" 2>/dev/null)
if [ "$after" = "$before" ]; then
	pass "--network none: nothing forwarded"
else
	fail "--network none: nothing forwarded" "$before lines of dnsmasq's log for api.e2e.test, then $after"
fi
verify_open "the audit log verifies"
