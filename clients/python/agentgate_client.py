# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Ask agentgate first: would this action be allowed, and why? (docs/ask.md)

Standard library only. The agent's own policy answers, from the image the kernel
enforces; agentgate enforces in the kernel whether or not the agent asks.

    from agentgate_client import evaluate
    decision = evaluate({"action": "shell_exec", "command": "sudo apt-get install netcat",
                         "agent": "openai-gpt4-agent"})
    if decision["result"] == "ALLOW":
        ...
    else:
        print(decision["reason"])

The socket is $AGENTGATE_SOCKET (set by `agentgate exec`), else the daemon's
/run/agentgate-ask/daemon.sock.
"""
import http.client
import json
import os
import socket

DEFAULT_SOCKET = "/run/agentgate-ask/daemon.sock"
__all__ = ["AgentgateError", "evaluate", "evaluate_batch", "is_allowed", "socket_path"]


class AgentgateError(Exception):
    """agentgate could not answer: status is the HTTP status (0: no connection)."""

    def __init__(self, status, message):
        super().__init__("agentgate: %s%s" % ("%d: " % status if status else "", message))
        self.status = status
        self.message = message


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        try:
            s.connect(self._path)
        except OSError:
            s.close()
            raise
        self.sock = s


def socket_path():
    """Where this agent asks: $AGENTGATE_SOCKET, else the daemon's socket."""
    return os.environ.get("AGENTGATE_SOCKET") or DEFAULT_SOCKET


def _post(body, path, timeout):
    conn = _UnixConnection(path or socket_path(), timeout)
    try:
        conn.request("POST", "/v1/evaluate", body=json.dumps(body).encode(),
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        status, payload = resp.status, resp.read()
    except OSError as e:
        raise AgentgateError(0, "%s: %s" % (path or socket_path(), e.strerror or e)) from e
    finally:
        conn.close()
    try:
        answer = json.loads(payload)
    except ValueError:
        raise AgentgateError(status, payload.decode("utf-8", "replace")) from None
    if status != 200:
        raise AgentgateError(status, answer.get("error", "") if isinstance(answer, dict) else "")
    return answer


def evaluate(request, path=None, timeout=5.0):
    """One question, the seeds' shape: {"action": "file_read"|"file_write"|"shell_exec"|
    "network", "path"|"command"|"domain"|"ip"+"port": ..., "agent": ...}. Returns
    {"result": "ALLOW"|"DENY", "rule": ..., "reason": ..., "mode": "enforce"|"simulate", ...};
    raises AgentgateError when agentgate cannot answer (malformed, throttled, no socket)."""
    return _post(request, path, timeout)


def evaluate_batch(requests, path=None, timeout=5.0):
    """Several questions at once (at most 64): a list of answers in order; a malformed
    question gets {"error": ...} in its place."""
    return _post({"requests": list(requests)}, path, timeout)["results"]


def is_allowed(request, path=None, timeout=5.0):
    """True only when agentgate answers ALLOW (errors count as no)."""
    try:
        return evaluate(request, path, timeout).get("result") == "ALLOW"
    except AgentgateError:
        return False
