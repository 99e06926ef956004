import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, decideNext, ENGINES, startTestServer, type TestServer } from "../helpers/server.js";
import { call, email, httpClient, MCP_POLICIES } from "./client.js";

/**
 * The MCP tools over Streamable HTTP at /mcp, driven by the MCP SDK's own Client against a real server:
 * the decision an agent receives is the one a reviewer records through the API.
 */
describe.each(ENGINES)("MCP over Streamable HTTP (%s)", (engine) => {
  let s: TestServer;
  let agent: Client;
  let agentKey: string;

  beforeAll(async () => {
    s = await startTestServer(engine, { policyDir: MCP_POLICIES });
    agentKey = (await s.newKey("automation", ["mcp.agent", "mcp.held"])).key;
    agent = await httpClient(s.url, agentKey);
  });
  afterAll(async () => {
    await agent?.close();
    await s?.close();
    await s?.storage.cleanup();
  });

  it("lists request_approval, ask_human, revise_request and recent_corrections with their schemas", async () => {
    const { tools } = await agent.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(Object.keys(byName).sort()).toEqual([
      "ask_human",
      "recent_corrections",
      "request_approval",
      "revise_request",
    ]);
    const approval = byName.request_approval;
    expect(approval?.inputSchema.required?.sort()).toEqual(
      ["action", "confidence", "input", "proposal", "workflow"].sort(),
    );
    expect(Object.keys(approval?.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining([
        "rationale",
        "context",
        "evidence",
        "subject",
        "idempotencyKey",
        "waitSeconds",
      ]),
    );
    expect(Object.keys(approval?.outputSchema?.properties ?? {})).toEqual(
      expect.arrayContaining(["caseId", "route", "verdict", "output", "reasonCode", "note", "status"]),
    );
    expect(byName.ask_human?.inputSchema.required?.sort()).toEqual(["question", "workflow"]);
    expect(Object.keys(byName.ask_human?.outputSchema?.properties ?? {})).toEqual(
      expect.arrayContaining(["caseId", "status", "answer"]),
    );
  });

  it("answers an auto-approved request at once with the proposal as the output", async () => {
    const proposal = { query: "order 1234" };
    const res = await call(agent, "request_approval", email({ action: "lookup", proposal }));
    expect(res.isError).toBeFalsy();
    expect(res.structuredContent).toMatchObject({
      status: "decided",
      route: "auto",
      verdict: "approve",
      output: proposal,
      reasonCode: null,
      note: null,
    });
    const stored = await s.store.cases.get(res.structuredContent?.caseId as string);
    expect(stored).toMatchObject({ workflow: "mcp.agent", action: "lookup", status: "decided" });
  });

  it("does not hand over an auto approval still inside its release window", async () => {
    const res = await call(
      agent,
      "request_approval",
      email({ workflow: "mcp.held", action: "lookup", waitSeconds: 0 }),
    );
    expect(res.isError).toBeFalsy();
    expect(res.structuredContent).toMatchObject({
      status: "pending",
      route: "auto",
      verdict: null,
      output: null,
    });
    expect(JSON.stringify(res.content)).toContain("held until");
  });

  it("waits for a reviewer's approval recorded through the API", async () => {
    const pending = call(agent, "request_approval", email({ subject: "approve-me" }));
    const decided = await decideNext(s, { verdict: "approve" });
    expect(decided.status).toBe(201);
    const res = await pending;
    expect(res.structuredContent).toMatchObject({
      status: "decided",
      route: "review",
      verdict: "approve",
      output: email().proposal,
    });
  });

  it("hands over the reviewer's edited output, not the proposal", async () => {
    const edited = { to: "ada@example.com", body: "Your refund of 120 EUR was sent today." };
    const pending = call(agent, "request_approval", email({ subject: "edit-me" }));
    expect(
      (await decideNext(s, { verdict: "edit", output: edited, reasonCode: "wrong_recipient" })).status,
    ).toBe(201);
    const res = await pending;
    expect(res.structuredContent).toMatchObject({ status: "decided", verdict: "edit", output: edited });
  });

  it("says why on a reject, with no output to run", async () => {
    const pending = call(agent, "request_approval", email({ subject: "reject-me" }));
    const rejected = await decideNext(s, {
      verdict: "reject",
      reasonCode: "wrong_recipient",
      note: "Not Ada",
    });
    expect(rejected.status).toBe(201);
    const res = await pending;
    expect(res.isError).toBeFalsy();
    expect(res.structuredContent).toMatchObject({
      status: "decided",
      verdict: "reject",
      output: null,
      reasonCode: "wrong_recipient",
      note: "Not Ada",
    });
  });

  it("ask_human returns the person's answer (edited, approved or in the note) and a declined question", async () => {
    const question = "May I offer this customer a 10% discount?";
    const asking = call(agent, "ask_human", { workflow: "mcp.agent", question, suggestedAnswer: "No" });
    const claimed = await decideNext(s, {
      verdict: "edit",
      output: { answer: "Yes, once" },
      reasonCode: "answered",
    });
    expect(claimed.status).toBe(201);
    const res = await asking;
    expect(res.structuredContent).toMatchObject({ status: "answered", verdict: "edit", answer: "Yes, once" });
    const stored = await s.store.cases.get(res.structuredContent?.caseId as string);
    expect(stored).toMatchObject({ action: "ask_human", input: { question } });

    const approving = call(agent, "ask_human", { workflow: "mcp.agent", question, suggestedAnswer: "No" });
    await decideNext(s, { verdict: "approve" });
    expect((await approving).structuredContent).toMatchObject({ status: "answered", answer: "No" });

    // No suggestion to approve: the person approves and writes the answer in the note.
    const noted = call(agent, "ask_human", { workflow: "mcp.agent", question: "Which warehouse ships?" });
    await decideNext(s, { verdict: "approve", note: "Rotterdam" });
    expect((await noted).structuredContent).toMatchObject({ status: "answered", answer: "Rotterdam" });

    const declining = call(agent, "ask_human", {
      workflow: "mcp.agent",
      question: "What is the admin password?",
    });
    await decideNext(s, { verdict: "reject", reasonCode: "not_mine_to_answer" });
    expect((await declining).structuredContent).toMatchObject({
      status: "declined",
      answer: null,
      reasonCode: "not_mine_to_answer",
    });
  });

  it("answers pending when nobody decides in time, and the same idempotencyKey finds the same case", async () => {
    const args = email({ subject: "slow-reviewer", idempotencyKey: "mcp-slow-1", waitSeconds: 1 });
    const first = await call(agent, "request_approval", args);
    expect(first.isError).toBeFalsy();
    expect(first.structuredContent).toMatchObject({
      status: "pending",
      route: "review",
      verdict: null,
      idempotencyKey: "mcp-slow-1",
    });
    const caseId = first.structuredContent?.caseId;
    expect((await decideNext(s, { verdict: "approve" })).status).toBe(201);
    const again = await call(agent, "request_approval", args);
    expect(again.structuredContent).toMatchObject({ caseId, status: "decided", verdict: "approve" });
  });

  it("returns a made-up idempotencyKey that resumes the wait when the call sent none", async () => {
    const args = email({ subject: "no-key", waitSeconds: 0 });
    const first = await call(agent, "request_approval", args);
    const key = first.structuredContent?.idempotencyKey;
    expect(first.structuredContent).toMatchObject({ status: "pending", idempotencyKey: expect.any(String) });
    await decideNext(s, { verdict: "approve" });
    const again = await call(agent, "request_approval", { ...args, idempotencyKey: key });
    expect(again.structuredContent).toMatchObject({
      caseId: first.structuredContent?.caseId,
      status: "decided",
    });
  });

  it("sends progress notifications while waiting to a client that asked for them", async () => {
    const messages: string[] = [];
    const res = await call(agent, "request_approval", email({ subject: "progress", waitSeconds: 1 }), {
      onprogress: (p) => {
        messages.push(p.message ?? "");
      },
    });
    const caseId = res.structuredContent?.caseId as string;
    expect(res.structuredContent?.status).toBe("pending");
    expect(messages.length).toBeGreaterThan(0);
    expect(messages[0]).toContain(caseId);
    await decideNext(s, { verdict: "approve" });
  });

  it("refuses a workflow outside the key's scope with an error result and no case", async () => {
    const other = await httpClient(s.url, (await s.newKey("automation", ["mcp.other"])).key);
    try {
      const res = await call(other, "request_approval", email({ subject: "scope-attack" }));
      expect(res.isError).toBe(true);
      expect(res.structuredContent).toBeUndefined();
      expect(JSON.stringify(res.content)).toContain("not scoped to workflow mcp.agent");
      const asked = await call(other, "ask_human", { workflow: "mcp.agent", question: "Anyone?" });
      expect(asked.isError).toBe(true);
    } finally {
      await other.close();
    }
    const history = await s.store.cases.subjectHistory({
      subject: "scope-attack",
      excludeCaseId: "",
      before: Date.now() + 60_000,
      limit: 10,
    });
    expect(history).toEqual([]);
  });

  it("names the field of a submission the server refuses", async () => {
    const outOfRange = await call(agent, "request_approval", email({ confidence: 1.5 }));
    expect(outOfRange.isError).toBe(true);
    expect(JSON.stringify(outOfRange.content)).toContain("confidence");
    const res = await call(agent, "request_approval", email({ action: "wire_money" }));
    expect(res.isError).toBe(true);
    expect(JSON.stringify(res.content)).toContain('unknown action \\"wire_money\\"');
    const noKeyForQuestions = await call(agent, "ask_human", {
      workflow: "mcp.agent",
      question: "?",
      action: "no_such_action",
    });
    expect(noKeyForQuestions.isError).toBe(true);
  });

  it("answers 401 without a key or with a wrong one, and 403 to a reviewer key", async () => {
    const initialize = {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } },
    };
    const post = (headers: Record<string, string>) =>
      fetch(`${s.url}/mcp`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...headers,
        },
        body: JSON.stringify(initialize),
      });
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: "Bearer lg_not_a_key" })).status).toBe(401);
    const reviewer = (await s.newKey("reviewer", ["mcp.agent"])).key;
    expect((await post({ authorization: `Bearer ${reviewer}` })).status).toBe(403);
    expect((await post({ authorization: `Bearer ${agentKey}` })).status).toBe(200);
    await expect(httpClient(s.url, "lg_not_a_key")).rejects.toThrow();
    expect((await fetch(`${s.url}/mcp`, { headers: { authorization: `Bearer ${agentKey}` } })).status).toBe(
      405,
    );
  });

  it("refuses the workspace's session cookie, even an admin's with its CSRF token", async () => {
    const signIn = await fetch(`${s.url}/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ apiKey: ADMIN_TOKEN }),
    });
    expect(signIn.status).toBe(200);
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const { csrfToken } = (await signIn.json()) as { csrfToken: string };
    const res = await fetch(`${s.url}/mcp`, {
      method: "POST",
      headers: {
        cookie,
        "x-csrf-token": csrfToken,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
  });
});
