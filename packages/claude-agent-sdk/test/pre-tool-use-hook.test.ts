import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSdkMcpServer, query, tool } from "@anthropic-ai/claude-agent-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ADMIN_TOKEN, ENGINES, startTestServer, type TestServer } from "../../server/test/helpers/server.js";
import { decideWhenQueued, lastToolResult, scriptedMessagesApi, type Turn } from "./scripted-messages-api.js";

/**
 * Claude Code's own http PreToolUse hook (configured through the SDK's `settings`, as in
 * .claude/settings.json) calling Loopgate's endpoint from the real `claude` binary, with no canUseTool:
 * the hook's answer alone lets the call run, with the decided input, or stops it.
 */
// The binary starts in a few seconds, slower on a busy machine: a patient budget, not a timing assertion.
describe.each(ENGINES)("Claude Code http PreToolUse hook → Loopgate (%s)", { timeout: 90_000 }, (engine) => {
  let s: TestServer;
  let automation: string;
  let home: string;
  beforeAll(async () => {
    s = await startTestServer(engine);
    automation = (await s.newKey("automation", ["test.payments"])).key;
    home = mkdtempSync(join(tmpdir(), "loopgate-claude-hook-"));
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
    rmSync(home, { recursive: true, force: true });
  });

  const payCall: Turn = () => [
    { type: "tool_use", name: "mcp__bank__pay", input: { amount: 120, to: "Acme" } },
  ];
  const finish: Turn = () => [{ type: "text", text: "done" }];

  async function run(decision: Record<string, unknown>) {
    const paid: unknown[] = [];
    const pay = tool("pay", "Pay a supplier", { amount: z.number(), to: z.string() }, async (args) => {
      paid.push(args);
      return { content: [{ type: "text", text: `paid ${args.amount} to ${args.to}` }] };
    });
    const model = await scriptedMessagesApi([payCall, finish]);
    const hookUrl = `${s.url}/v1/hooks/claude-code/pre-tool-use?workflow=test.payments&action=pay&waitSeconds=10`;
    const agent = (async () => {
      for await (const _ of query({
        prompt: "Pay Acme's invoice",
        options: {
          cwd: home,
          settingSources: [],
          tools: [],
          model: "claude-sonnet-4-5",
          mcpServers: { bank: createSdkMcpServer({ name: "bank", tools: [pay] }) },
          settings: {
            hooks: {
              PreToolUse: [
                {
                  matcher: "mcp__bank__pay",
                  hooks: [
                    {
                      type: "http",
                      url: hookUrl,
                      headers: { Authorization: "Bearer $LOOPGATE_KEY" },
                      allowedEnvVars: ["LOOPGATE_KEY"],
                      timeout: 30,
                      onFailure: "block",
                    },
                  ],
                },
              ],
            },
          },
          env: {
            PATH: process.env.PATH,
            HOME: home,
            LOOPGATE_KEY: automation,
            ANTHROPIC_BASE_URL: model.url,
            ANTHROPIC_API_KEY: "sk-ant-test-not-a-key",
            CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
            DISABLE_TELEMETRY: "1",
            DISABLE_ERROR_REPORTING: "1",
          },
        },
      })) {
        // the run's messages are not what this test reads: the tool's runs and the model's inputs are
      }
    })();
    const decided = await decideWhenQueued(s.url, ADMIN_TOKEN, decision);
    await agent;
    await model.close();
    return { paid, decided, requests: model.requests };
  }

  it("an edit reaches the tool as the hook's updatedInput", async () => {
    const r = await run({ verdict: "edit", output: { amount: 80, to: "Acme" }, reasonCode: "wrong_amount" });
    expect(r.decided.status).toBe(201);
    expect(r.paid).toEqual([{ amount: 80, to: "Acme" }]);
  });

  it("a reject stops the call, and the model reads the reason", async () => {
    const r = await run({ verdict: "reject", reasonCode: "wrong_payee", note: "not our supplier" });
    expect(r.paid).toEqual([]);
    const result = lastToolResult(r.requests[1] as never);
    expect(result?.text).toContain('"retry":false');
    expect(result?.text).toContain("wrong_payee");
  });
});
