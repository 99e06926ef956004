import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSdkMcpServer, query, tool } from "@anthropic-ai/claude-agent-sdk";
import { Loopgate } from "@loopgate/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ADMIN_TOKEN, ENGINES, startTestServer, type TestServer } from "../../server/test/helpers/server.js";
import { loopgateCanUseTool } from "../src/index.js";
import { decideWhenQueued, lastToolResult, scriptedMessagesApi, type Turn } from "./scripted-messages-api.js";

/**
 * The Claude Agent SDK's real loop: `query()` runs the real `claude` binary, whose model is a scripted
 * stand-in for the Messages API on loopback; the gated tool is an in-process MCP tool that counts its
 * runs; the decisions come from a real Loopgate, decided by a reviewer through its API.
 */
// The binary starts in a few seconds, slower on a busy machine: a patient budget, not a timing assertion.
describe.each(ENGINES)("@loopgate/claude-agent-sdk canUseTool (%s)", { timeout: 90_000 }, (engine) => {
  let s: TestServer;
  let automation: string;
  let publicKeyPem: string;
  let home: string;
  beforeAll(async () => {
    s = await startTestServer(engine);
    automation = (await s.newKey("automation", ["test.payments"])).key;
    ({ publicKeyPem } = await (await s.call("GET", "/v1/decision-key", undefined, automation)).json());
    home = mkdtempSync(join(tmpdir(), "loopgate-claude-home-"));
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
    rmSync(home, { recursive: true, force: true });
  });

  const payCall: Turn = () => [
    { type: "tool_use", name: "mcp__bank__pay", input: { amount: 120, to: "Acme" } },
  ];
  /** The stand-in model after the tool result: asks again when invited (`retry: true`), else finishes. */
  const honoursRetry: Turn = (request) => {
    const result = lastToolResult(request);
    // Only a request for changes invites another try: a reject says retry:false, a respond is the answer.
    if (result?.isError && result.text.includes('"retry":true')) return payCall(request);
    return [{ type: "text", text: "done" }];
  };

  /** Runs one agent turn through Loopgate while `decision` (if any) is recorded by a reviewer. */
  async function run(opts: {
    decision?: Record<string, unknown>;
    /** A second decision, for the model's next call (a revision). */
    next?: Record<string, unknown>;
    turns?: Turn[];
    fetch?: typeof fetch;
  }) {
    const paid: unknown[] = [];
    // What the adapter asked Loopgate, to count the cases it submitted (and revisions).
    const submitted: { path: string; body: unknown }[] = [];
    const recording: typeof fetch = async (input, init) => {
      if (init?.method === "POST") {
        submitted.push({ path: new URL(String(input)).pathname, body: JSON.parse(String(init.body)) });
      }
      return (opts.fetch ?? fetch)(input, init);
    };
    const pay = tool("pay", "Pay a supplier", { amount: z.number(), to: z.string() }, async (args) => {
      paid.push(args);
      return { content: [{ type: "text", text: `paid ${args.amount} to ${args.to}` }] };
    });
    const model = await scriptedMessagesApi(opts.turns ?? [payCall, honoursRetry, honoursRetry]);
    const abortController = new AbortController();
    const loopgate = new Loopgate({ url: s.url, apiKey: automation, fetch: recording });
    const messages: unknown[] = [];
    const agent = (async () => {
      const q = query({
        prompt: "Pay Acme's invoice",
        options: {
          abortController,
          cwd: home,
          settingSources: [],
          tools: [],
          model: "claude-sonnet-4-5",
          mcpServers: { bank: createSdkMcpServer({ name: "bank", tools: [pay] }) },
          canUseTool: loopgateCanUseTool({
            loopgate,
            publicKeyPem,
            workflow: "test.payments",
            actions: { mcp__bank__pay: "pay" },
            timeoutMs: 8000,
          }),
          env: {
            PATH: process.env.PATH,
            HOME: home,
            ANTHROPIC_BASE_URL: model.url,
            ANTHROPIC_API_KEY: "sk-ant-test-not-a-key",
            CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
            DISABLE_TELEMETRY: "1",
            DISABLE_AUTOUPDATER: "1",
            DISABLE_ERROR_REPORTING: "1",
          },
        },
      });
      try {
        for await (const m of q) messages.push(m);
      } catch (err) {
        messages.push({ error: (err as Error).message });
      }
    })();
    let decided: Response | undefined;
    let decidedThen: Response | undefined;
    try {
      if (opts.decision) decided = await decideWhenQueued(s.url, ADMIN_TOKEN, opts.decision);
      if (opts.next && decided?.status === 201)
        decidedThen = await decideWhenQueued(s.url, ADMIN_TOKEN, opts.next);
    } finally {
      if ((decided && decided.status !== 201) || (decidedThen && decidedThen.status !== 201)) {
        abortController.abort();
      }
      await agent;
      await model.close();
    }
    return { paid, requests: model.requests, messages, decided, decidedThen, submitted };
  }

  it("an approved call runs once, with the arguments the model proposed", async () => {
    const r = await run({ decision: { verdict: "approve" } });
    expect(r.decided?.status).toBe(201);
    expect(r.paid).toEqual([{ amount: 120, to: "Acme" }]);
    expect(lastToolResult(r.requests[1] as never)).toEqual({ text: "paid 120 to Acme", isError: false });
  });

  it("an edited call runs with the reviewer's arguments", async () => {
    const r = await run({
      decision: { verdict: "edit", output: { amount: 80, to: "Acme" }, reasonCode: "wrong_amount" },
    });
    expect(r.decided?.status).toBe(201);
    expect(r.paid).toEqual([{ amount: 80, to: "Acme" }]);
  });

  it("a rejected call never runs, and the model reads reject with retry: false and stops", async () => {
    const r = await run({
      decision: { verdict: "reject", reasonCode: "wrong_payee", note: "not our supplier" },
    });
    expect(r.decided?.status).toBe(201);
    expect(r.paid).toEqual([]);
    const result = lastToolResult(r.requests[1] as never);
    expect(result?.isError).toBe(true);
    expect(JSON.parse(result?.text ?? "")).toMatchObject({
      verdict: "reject",
      reasonCode: "wrong_payee",
      note: "not our supplier",
      retry: false,
    });
    // Two model turns (the call, then the end), one case: nothing was asked again.
    expect(r.requests).toHaveLength(2);
    expect(r.submitted.map((x) => x.path)).toEqual(["/v1/cases"]);
  });

  it("a decision altered on the way (edited arguments) is refused: nothing runs, the run stops", async () => {
    // A proxy between the agent and Loopgate rewrites the edited amount in the decision it relays.
    const tampering: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!String(input).includes("/decision")) return res;
      const body = (await res.json()) as { output?: Record<string, unknown> };
      if (body.output) body.output = { ...body.output, amount: 9000 };
      return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
    };
    const r = await run({
      decision: { verdict: "edit", output: { amount: 80, to: "Acme" }, reasonCode: "wrong_amount" },
      fetch: tampering,
    });
    expect(r.decided?.status).toBe(201);
    expect(r.paid).toEqual([]);
  });

  it("a tool nobody mapped to an action never runs", async () => {
    const other: Turn = () => [{ type: "tool_use", name: "mcp__bank__refund", input: { amount: 5 } }];
    const r = await run({ turns: [other, () => [{ type: "text", text: "done" }]] });
    expect(r.paid).toEqual([]);
    expect(lastToolResult(r.requests[1] as never)?.isError).toBe(true);
  });

  // The contract's new verdicts: these pass once the server records respond and request_changes.
  it("respond: the person's answer is the tool's result, and the tool never runs", async () => {
    const r = await run({ decision: { verdict: "respond", output: "Acme was paid by phone this morning." } });
    expect(r.decided?.status).toBe(201);
    expect(r.paid).toEqual([]);
    expect(lastToolResult(r.requests[1] as never)?.text).toBe("Acme was paid by phone this morning.");
  });

  it("request_changes: nothing runs, the model reads the feedback and its next call is a revision", async () => {
    const revised: Turn = () => [
      { type: "tool_use", name: "mcp__bank__pay", input: { amount: 100, to: "Acme" } },
    ];
    const r = await run({
      decision: { verdict: "request_changes", note: "pay the net amount, 100" },
      next: { verdict: "approve" },
      turns: [payCall, revised, () => [{ type: "text", text: "done" }]],
    });
    expect(r.decided?.status).toBe(201);
    expect(JSON.parse(lastToolResult(r.requests[1] as never)?.text ?? "")).toMatchObject({
      verdict: "request_changes",
      feedback: "pay the net amount, 100",
      retry: true,
    });
    // The revised call went to Loopgate as a revision of the first case; approved, it ran as revised.
    const first = r.submitted[0];
    expect(first?.path).toBe("/v1/cases");
    expect(r.submitted[1]?.path).toMatch(/^\/v1\/cases\/[^/]+\/revisions$/);
    expect(r.submitted[1]?.body).toMatchObject({ proposal: { amount: 100, to: "Acme" } });
    expect(r.decidedThen?.status).toBe(201);
    expect(r.paid).toEqual([{ amount: 100, to: "Acme" }]);
  });
});
