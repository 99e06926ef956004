// The Claude Agent SDK's real loop (the `claude` binary) with Loopgate's canUseTool:
// `node examples/agent-adapters/claude-agent-sdk.mjs` (after `npm run build`). The model is a scripted
// stand-in for the Anthropic Messages API on loopback (no provider, no network); the reviewer is a
// scripted stand-in too (./sandbox.mjs).
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSdkMcpServer, query, tool } from "@anthropic-ai/claude-agent-sdk";
import { loopgateCanUseTool } from "@loopgate/claude-agent-sdk";
import { Loopgate } from "@loopgate/client";
import { z } from "zod";
import { startSandbox } from "./sandbox.mjs";

const sandbox = await startSandbox();
const pay = tool("pay", "Pay a supplier", { amount: z.number(), to: z.string() }, async ({ amount, to }) => ({
  content: [{ type: "text", text: `paid ${amount} EUR to ${to}` }],
}));
const canUseTool = loopgateCanUseTool({
  loopgate: new Loopgate({ url: sandbox.url, apiKey: sandbox.agentKey }),
  publicKeyPem: sandbox.publicKeyPem,
  workflow: "supplier.payments",
  actions: { mcp__bank__pay: "pay" },
});
const home = mkdtempSync(join(tmpdir(), "loopgate-claude-example-"));

for (const [invoice, decision] of [
  ["INV-1042", { verdict: "edit", output: { amount: 1150, to: "Acme GmbH" }, reasonCode: "wrong_amount" }],
  ["INV-1043", { verdict: "reject", reasonCode: "duplicate", note: "INV-1042 again" }],
]) {
  console.log(`\n${invoice}: the agent proposes to pay 1200 EUR to Acme GmbH`);
  const model = await scriptedModel();
  const run = async () => {
    for await (const m of query({
      prompt: `Pay ${invoice}`,
      options: {
        cwd: home,
        settingSources: [],
        tools: [],
        model: "claude-sonnet-4-5",
        mcpServers: { bank: createSdkMcpServer({ name: "bank", tools: [pay] }) },
        canUseTool,
        env: {
          PATH: process.env.PATH,
          HOME: home,
          ANTHROPIC_BASE_URL: model.url,
          ANTHROPIC_API_KEY: "sk-ant-example-not-a-key",
          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
          DISABLE_TELEMETRY: "1",
        },
      },
    })) {
      if (m.type === "result") console.log(`  [agent] ${m.result}`);
    }
  };
  await Promise.all([run(), sandbox.review(decision)]);
  model.close();
}
rmSync(home, { recursive: true, force: true });
await sandbox.close();

/**
 * The stand-in model: first a `pay` tool call, then a final text quoting the tool's result. It speaks
 * the Messages API's event stream, which the binary asks for.
 */
async function scriptedModel() {
  let turn = 0;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const request = JSON.parse(body);
      const results = request.messages.flatMap((m) => (Array.isArray(m.content) ? m.content : []));
      const said = results.filter((b) => b.type === "tool_result").at(-1);
      const text =
        said &&
        []
          .concat(said.content)
          .map((p) => (typeof p === "string" ? p : p.text))
          .join("");
      const block =
        turn++ === 0
          ? {
              type: "tool_use",
              id: `toolu_${randomUUID()}`,
              name: "mcp__bank__pay",
              input: { amount: 1200, to: "Acme GmbH" },
            }
          : {
              type: "text",
              text: `${said?.is_error ? "Not paid" : "Done"}: ${text?.replace(/<system-reminder>[\s\S]*/, "").trim()}`,
            };
      res.writeHead(200, { "content-type": "text/event-stream" });
      const send = (type, data) =>
        res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
      const stop = block.type === "tool_use" ? "tool_use" : "end_turn";
      send("message_start", {
        message: {
          id: `msg_${randomUUID()}`,
          type: "message",
          role: "assistant",
          model: request.model,
          content: [],
          stop_reason: null,
          usage: { input_tokens: 1, output_tokens: 1 },
        },
      });
      send("content_block_start", {
        index: 0,
        content_block: block.type === "text" ? { type: "text", text: "" } : { ...block, input: {} },
      });
      send("content_block_delta", {
        index: 0,
        delta:
          block.type === "text"
            ? { type: "text_delta", text: block.text }
            : { type: "input_json_delta", partial_json: JSON.stringify(block.input) },
      });
      send("content_block_stop", { index: 0 });
      send("message_delta", {
        delta: { stop_reason: stop, stop_sequence: null },
        usage: { output_tokens: 1 },
      });
      send("message_stop", {});
      res.end();
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}
