# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The demo agent: performs the six example actions of the OpenAI sandbox seed, the way an
# agent's tools would, without asking anyone first. The kernel decides.
import errno
import socket
import subprocess


def attempt(n, what, fn):
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
    print("  %d. %-58s %s" % (n, what, outcome), flush=True)


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


attempt(1, "read  /opt/agent/input/daily-report-2026-02-13.csv", read_input)
attempt(2, "write /opt/agent/output/summary-2026-02-13.json", write_output)
attempt(3, "write /opt/agent/config/agent.yaml", overwrite_config)
attempt(4, "connect hooks.slack.com:443", connect("hooks.slack.com"))
attempt(5, "connect pastebin.com:443", connect("pastebin.com"))
attempt(6, "exec  sudo apt-get install netcat", sudo)
