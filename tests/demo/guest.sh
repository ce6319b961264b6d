#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The demo itself, run as root where BPF-LSM works (the VM, or a host that has it):
# a real CPython agent under policies/openai-agent-demo.yaml (seed 1 plus what CPython
# needs to start) asks agentgate about each of the seed's six example actions, prints the
# answer and its reason, then performs the action anyway; the kernel allows or denies each,
# as answered; then the audit records of those actions and the
# verification of the hash-chained log.
# In the VM (/agvm exists), a throw-away system, it also sets up the seed's world: a DNS
# server (dnsmasq, tests/e2e/dns.sh) with the seed's domains, which the agent's lookups reach
# through agentgate's DNS proxy, a listener on :443, a stand-in sudo.
# AGDEMO_DIR: where policies/ and demo/agent.py are (default: the VM's layout, /ag).
set -u
dir=${AGDEMO_DIR:-/ag}
ag=${AGENTGATE:-$(command -v agentgate)}
log=/var/log/agentgate/demo.log
rm -f "$log"
mkdir -p /var/log/agentgate /opt/agent/input /opt/agent/output /opt/agent/config \
	/opt/agent/scripts /opt/agent/logs
echo "date,metric,value" >/opt/agent/input/daily-report-2026-02-13.csv
echo "model: gpt-4" >/opt/agent/config/agent.yaml
cp "$dir/demo/agent.py" /opt/agent/scripts/process.py
cp "$dir/clients/python/agentgate_client.py" /opt/agent/scripts/

if [ -e /agvm/guest.sh ]; then
	. "$dir/e2e/dns.sh"
	dns_start hooks.slack.com=127.0.0.30 api.openai.com=127.0.0.31 pastebin.com=127.0.0.32 ||
		echo "demo: no DNS server; the connects will fail to resolve"
	# Something to talk to: every address of 127/8 answers on :443.
	busybox nc -ll -p 443 -e /bin/true >/dev/null 2>&1 &
	listener=$!
	printf '#!/bin/sh\necho "sudo: ran $*"\n' >/usr/bin/sudo
	chmod 755 /usr/bin/sudo
fi

echo "== agentgate exec --policy policies/openai-agent-demo.yaml -- python3 /opt/agent/scripts/process.py"
echo "   (CPython $(python3 -c 'import sys; print(sys.version.split()[0])'), kernel $(uname -r))"
echo
PATH=/usr/local/bin:/usr/bin:/bin PYTHONDONTWRITEBYTECODE=1 \
	"$ag" exec --policy "$dir/policies/openai-agent-demo.yaml" --audit-log "$log" \
	-- python3 /opt/agent/scripts/process.py
rc=$?
echo
echo "== the agent exited with status $rc; what the config file holds now:"
sed 's/^/   /' /opt/agent/config/agent.yaml
echo
echo "== the agent's questions, in the same log (\"type\":\"ask\")"
"$ag" audit tail --json "$log" | grep '"type":"ask"' | sed 's/.*"action":"\([a-z_]*\)".*"decision":"\([A-Z]*\)".*/   asked \1: \2/'
echo
echo "== audit records of the six actions (agentgate audit tail --text $log)"
NO_COLOR=1 "$ag" audit tail --text "$log" |
	grep -E 'daily-report|summary-2026|config/agent.yaml|hooks\.slack\.com|pastebin\.com|127\.0\.0\.3[0-2]|[ /]sudo' |
	grep -v '/bin/sh'
echo
n=$("$ag" audit tail --json "$log" | grep -c '"type":"decision"')
d=$("$ag" audit tail --json --decision deny "$log" | grep -c '"type":"decision"')
echo "== $n decisions in all, the kernel's and the DNS proxy's ($d denied; the rest is CPython starting up)"
echo
echo "== agentgate audit verify $log"
"$ag" audit verify "$log"
vrc=$?
[ -n "${listener:-}" ] && kill "$listener" 2>/dev/null
[ "$rc" -eq 0 ] && [ "$vrc" -eq 0 ]
