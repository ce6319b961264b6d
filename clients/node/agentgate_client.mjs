// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
// Ask agentgate first: would this action be allowed, and why? (docs/ask.md)
// Node's standard library only. The agent's own policy answers, from the image the kernel
// enforces; agentgate enforces in the kernel whether or not the agent asks.
//
//   import { evaluate } from "./agentgate_client.mjs";
//   const decision = await evaluate({ action: "shell_exec", command: "sudo apt-get install netcat",
//                                     agent: "openai-gpt4-agent" });
//   if (decision.result === "ALLOW") executeCommand(...); else console.log(decision.reason);
//
// The socket is $AGENTGATE_SOCKET (set by `agentgate exec`), else the daemon's
// /run/agentgate-ask/daemon.sock.
import http from "node:http";

export const DEFAULT_SOCKET = "/run/agentgate-ask/daemon.sock";

// agentgate could not answer: status is the HTTP status (0: no connection).
export class AgentgateError extends Error {
  constructor(status, message) {
    super(`agentgate: ${status ? `${status}: ` : ""}${message}`);
    this.name = "AgentgateError";
    this.status = status;
    this.detail = message;
  }
}

export function socketPath() {
  return process.env.AGENTGATE_SOCKET || DEFAULT_SOCKET;
}

function post(body, { path, timeout = 5000 } = {}) {
  const socket = path || socketPath();
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        socketPath: socket,
        path: "/v1/evaluate",
        method: "POST",
        headers: { "Content-Type": "application/json", "Content-Length": data.length },
        timeout,
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let answer;
          try {
            answer = JSON.parse(text);
          } catch {
            return reject(new AgentgateError(res.statusCode, text));
          }
          if (res.statusCode !== 200)
            return reject(new AgentgateError(res.statusCode, (answer && answer.error) || ""));
          resolve(answer);
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (e) => reject(new AgentgateError(0, `${socket}: ${e.message}`)));
    req.end(data);
  });
}

// One question, the seeds' shape: {action, command|path|domain|ip+port, agent}. Resolves to
// {result: "ALLOW"|"DENY", rule, reason, mode, ...}; rejects with AgentgateError when
// agentgate cannot answer (malformed, throttled, no socket).
export function evaluate(request, opts) {
  return post(request, opts);
}

// Several questions at once (at most 64): answers in order; a malformed question gets
// {error} in its place.
export async function evaluateBatch(requests, opts) {
  return (await post({ requests: [...requests] }, opts)).results;
}

// true only when agentgate answers ALLOW (errors count as no).
export async function isAllowed(request, opts) {
  try {
    return (await evaluate(request, opts)).result === "ALLOW";
  } catch (e) {
    if (e instanceof AgentgateError) return false;
    throw e;
  }
}
