# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Tests of agentgate_client against a real agentgate: run as an agent confined by a
policy with seed 1's rules (policies/openai-agent-sandbox.yaml) and the agentgate-ask
include, e.g. under `agentgate exec` (tests/e2e/56-ask.sh does so in the VM)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agentgate_client as ag  # noqa: E402

AGENT = "openai-gpt4-agent"
# The seed's six example actions and the decisions the seed gives.
SEED = [
    ({"action": "file_read", "path": "/opt/agent/input/daily-report-2026-02-13.csv"}, "ALLOW"),
    ({"action": "file_write", "path": "/opt/agent/output/summary-2026-02-13.json"}, "ALLOW"),
    ({"action": "file_write", "path": "/opt/agent/config/agent.yaml"}, "DENY"),
    ({"action": "network", "domain": "hooks.slack.com"}, "ALLOW"),
    ({"action": "network", "domain": "pastebin.com"}, "DENY"),
    ({"action": "shell_exec", "command": "sudo apt-get install netcat"}, "DENY"),
]


class ClientTest(unittest.TestCase):
    def test_seed_actions(self):
        for req, want in SEED:
            with self.subTest(req=req):
                a = ag.evaluate(dict(req, agent=AGENT))
                self.assertEqual(a["result"], want)
                self.assertIn(a["mode"], ("enforce", "simulate"))
                self.assertIn("rule", a)
                self.assertIn("reason", a)

    def test_sudo_names_its_rule(self):
        a = ag.evaluate({"action": "shell_exec", "command": "sudo apt-get install netcat",
                         "agent": AGENT})
        self.assertIsInstance(a["rule"], int)
        self.assertTrue(a["subject"].endswith("sudo apt-get install netcat"))

    def test_batch_in_order(self):
        answers = ag.evaluate_batch(dict(r, agent=AGENT) for r, _ in SEED)
        self.assertEqual([a["result"] for a in answers], [w for _, w in SEED])

    def test_batch_keeps_going_past_a_bad_question(self):
        answers = ag.evaluate_batch([{"action": "teleport"}, SEED[0][0]])
        self.assertIn("expected", answers[0]["error"])
        self.assertEqual(answers[1]["result"], "ALLOW")

    def test_network_address(self):
        a = ag.evaluate({"action": "network", "ip": "192.0.2.1", "port": 443})
        self.assertEqual(a["result"], "DENY")

    def test_malformed_is_an_error(self):
        with self.assertRaises(ag.AgentgateError) as cm:
            ag.evaluate({"action": "file_read"})
        self.assertEqual(cm.exception.status, 400)
        self.assertIn("path", cm.exception.message)

    def test_is_allowed(self):
        self.assertTrue(ag.is_allowed(SEED[0][0]))
        self.assertFalse(ag.is_allowed(SEED[2][0]))
        self.assertFalse(ag.is_allowed({"action": "bogus"}))

    def test_no_socket(self):
        with self.assertRaises(ag.AgentgateError) as cm:
            ag.evaluate(SEED[0][0], path="/nonexistent/ask.sock")
        self.assertEqual(cm.exception.status, 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
