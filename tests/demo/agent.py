# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The demo agent: performs the six example actions of the OpenAI sandbox seed, the way an
# agent's tools would. Before each it asks agentgate (the seed's evaluate() call, through
# agentgate_client on $AGENTGATE_SOCKET) and prints the answer and its reason; then it
# attempts the action anyway, so the kernel's decision can be compared with the answer.
import errno
import socket
import subprocess

from agentgate_client import AgentgateError, evaluate

AGENT = "openai-gpt4-agent"
agreed = 0


def ask(request):
    try:
        a = evaluate(dict(request, agent=AGENT))
    except AgentgateError as e:
        return None, str(e)
    rule = a["rule"] if isinstance(a["rule"], str) else "rule %d at %s" % (a["rule"], a["at"])
    why = a["reason"] or "no reason given in the policy"
    return a["result"], "%s (%s: %s)" % (a["result"], rule, why)


def attempt(n, what, request, fn):
    global agreed
    answer, said = ask(request)
    try:
        fn()
        outcome = "ALLOW"
    except PermissionError:
        outcome = "DENY"
    except socket.gaierror as e:
        # agentgate's DNS proxy answers a name the policy denies with REFUSED
        outcome = "DENY (DNS: %s)" % e.strerror
    except OSError as e:
        outcome = "ERROR %s" % errno.errorcode.get(e.errno, e.errno)
    same = answer is not None and outcome.split()[0] == answer
    agreed += same
    print("  %d. %s\n     asked:  %s\n     kernel: %s %s" % (
        n, what, said, outcome, "(as answered)" if same else "(DIFFERS from the answer)"),
        flush=True)


def read_input():
    with open("/opt/agent/input/daily-report-2026-02-13.csv") as f:
        f.read()


def write_output():
    with open("/opt/agent/output/summary-2026-02-13.json", "w") as f:
        f.write('{"total": 1523, "anomalies": 3}\n')


def overwrite_config():
    with open("/opt/agent/config/agent.yaml", "w") as f:
        f.write("model: gpt-4\npermissions: admin\n")


def connect(host):
    def run():
        socket.create_connection((host, 443), timeout=5).close()
    return run


def sudo():
    subprocess.run(["sudo", "apt-get", "install", "netcat"], check=False)


attempt(1, "read  /opt/agent/input/daily-report-2026-02-13.csv",
        {"action": "file_read", "path": "/opt/agent/input/daily-report-2026-02-13.csv"},
        read_input)
attempt(2, "write /opt/agent/output/summary-2026-02-13.json",
        {"action": "file_write", "path": "/opt/agent/output/summary-2026-02-13.json"},
        write_output)
attempt(3, "write /opt/agent/config/agent.yaml",
        {"action": "file_write", "path": "/opt/agent/config/agent.yaml"}, overwrite_config)
attempt(4, "connect hooks.slack.com:443",
        {"action": "network", "domain": "hooks.slack.com", "port": 443},
        connect("hooks.slack.com"))
attempt(5, "connect pastebin.com:443",
        {"action": "network", "domain": "pastebin.com", "port": 443}, connect("pastebin.com"))
attempt(6, "exec  sudo apt-get install netcat",
        {"action": "shell_exec", "command": "sudo apt-get install netcat"}, sudo)
print("  the kernel decided as agentgate answered for %d of 6 actions" % agreed, flush=True)
