// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
// Tests of agentgate_client.mjs against a real agentgate: run as an agent confined by a
// policy with seed 1's rules (policies/openai-agent-sandbox.yaml) and the agentgate-ask
// include, e.g. under `agentgate exec` (tests/e2e/57-ask-node.sh does so in the VM):
//   node --test test_agentgate_client.mjs
import test from "node:test";
import assert from "node:assert/strict";
import { AgentgateError, evaluate, evaluateBatch, isAllowed } from "./agentgate_client.mjs";

const agent = "openai-gpt4-agent";
// The seed's six example actions and the decisions the seed gives.
const seed = [
  [{ action: "file_read", path: "/opt/agent/input/daily-report-2026-02-13.csv" }, "ALLOW"],
  [{ action: "file_write", path: "/opt/agent/output/summary-2026-02-13.json" }, "ALLOW"],
  [{ action: "file_write", path: "/opt/agent/config/agent.yaml" }, "DENY"],
  [{ action: "network", domain: "hooks.slack.com" }, "ALLOW"],
  [{ action: "network", domain: "pastebin.com" }, "DENY"],
  [{ action: "shell_exec", command: "sudo apt-get install netcat" }, "DENY"],
];

test("seed actions get the seed's decisions", async () => {
  for (const [req, want] of seed) {
    const a = await evaluate({ ...req, agent });
    assert.equal(a.result, want, JSON.stringify(req));
    assert.ok(["enforce", "simulate"].includes(a.mode));
    assert.ok("rule" in a && "reason" in a);
  }
});

test("the seed's integration snippet", async () => {
  const decision = await evaluate({ action: "shell_exec", command: "sudo apt-get install netcat", agent });
  assert.equal(decision.result, "DENY");
  assert.equal(typeof decision.rule, "number");
});

test("batch answers in order, past a bad question", async () => {
  const answers = await evaluateBatch([{ action: "teleport" }, ...seed.map(([r]) => r)]);
  assert.match(answers[0].error, /expected/);
  assert.deepEqual(answers.slice(1).map((a) => a.result), seed.map(([, w]) => w));
});

test("network address question", async () => {
  assert.equal((await evaluate({ action: "network", ip: "192.0.2.1", port: 443 })).result, "DENY");
});

test("malformed request is a 400 with a reason", async () => {
  await assert.rejects(evaluate({ action: "file_read" }), (e) => {
    assert.ok(e instanceof AgentgateError);
    assert.equal(e.status, 400);
    assert.match(e.detail, /path/);
    return true;
  });
});

test("isAllowed", async () => {
  assert.equal(await isAllowed(seed[0][0]), true);
  assert.equal(await isAllowed(seed[2][0]), false);
  assert.equal(await isAllowed({ action: "bogus" }), false);
});

test("no socket", async () => {
  await assert.rejects(evaluate(seed[0][0], { path: "/nonexistent/ask.sock" }), (e) => e.status === 0);
});
