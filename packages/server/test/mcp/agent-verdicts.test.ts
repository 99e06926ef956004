import { verifyDecision } from "@loopgate/client";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideNext, ENGINES, startTestServer, type TestServer } from "../helpers/server.js";
import { call, email, httpClient, MCP_POLICIES } from "./client.js";

/**
 * respond, request_changes and the tools around them (issue 14, item 4) as an agent meets them over
 * MCP: request_approval's structuredContent, revise_request (the revision, chosen over a `revisionOf`
 * argument so each tool's arguments are exactly one API call's), recent_corrections, and the tool
 * schema sent with a request.
 */
describe.each(ENGINES)("MCP agent verdicts (%s)", (engine) => {
  let s: TestServer;
  let agent: Client;
  let publicKeyPem: string;

  beforeAll(async () => {
    s = await startTestServer(engine, { policyDir: MCP_POLICIES });
    const key = (await s.newKey("automation", ["mcp.agent"])).key;
    agent = await httpClient(s.url, key);
    ({ publicKeyPem } = await (await s.call("GET", "/v1/decision-key", undefined, key)).json());
  });
  afterAll(async () => {
    await agent?.close();
    await s?.close();
    await s?.storage.cleanup();
  });

  it("respond: output is the person's answer, signed, and the text says not to run the tool", async () => {
    const pending = call(agent, "request_approval", email({ subject: "respond-me" }));
    const answer = { delivered: "2026-12-01", carrier: "DHL" };
    expect((await decideNext(s, { verdict: "respond", output: answer })).status).toBe(201);
    const res = await pending;
    expect(res.structuredContent).toMatchObject({ status: "decided", verdict: "respond", output: answer });
    expect(JSON.stringify(res.content)).toContain("do not run the tool");
    const d = res.structuredContent as Record<string, unknown>;
    expect(
      verifyDecision(d as never, {
        publicKeyPem,
        caseId: d.caseId as string,
        action: "send_email",
        output: answer,
      }),
    ).toBe(true);
  });

  it("request_changes: the feedback, then revise_request opens the next version and waits for it", async () => {
    const pending = call(agent, "request_approval", email({ subject: "revise-me" }));
    const feedback = "Say when the refund will arrive, not only that it was sent.";
    expect((await decideNext(s, { verdict: "request_changes", note: feedback })).status).toBe(201);
    const first = await pending;
    expect(first.structuredContent).toMatchObject({
      status: "decided",
      verdict: "request_changes",
      output: null,
      note: feedback,
    });
    expect(JSON.stringify(first.content)).toContain("revise_request");
    const caseId = first.structuredContent?.caseId as string;

    const proposal = { to: "ada@example.com", body: "Your refund was sent today; expect it within 3 days." };
    const revising = call(agent, "revise_request", { caseId, proposal, confidence: 0.9 });
    expect((await decideNext(s, { verdict: "approve" })).status).toBe(201);
    const revised = await revising;
    expect(revised.isError).toBeFalsy();
    expect(revised.structuredContent).toMatchObject({
      status: "decided",
      verdict: "approve",
      output: proposal,
      revisionOf: caseId,
      version: 2,
    });
    expect(revised.structuredContent?.caseId).not.toBe(caseId);

    // A revision of a case not asking for changes is a tool error the model can read.
    const again = await call(agent, "revise_request", {
      caseId: revised.structuredContent?.caseId,
      proposal,
      confidence: 0.9,
    });
    expect(again.isError).toBe(true);
    expect(JSON.stringify(again.content)).toContain("request_changes");
  });

  it("recent_corrections lists what people corrected, newest first", async () => {
    const res = await call(agent, "recent_corrections", {
      workflow: "mcp.agent",
      action: "send_email",
      limit: 5,
    });
    expect(res.isError).toBeFalsy();
    const list = (res.structuredContent?.corrections ?? []) as { verdict: string }[];
    const verdicts = list.map((c) => c.verdict);
    expect(verdicts).toEqual(["request_changes", "respond"]);
    const refused = await call(agent, "recent_corrections", { workflow: "mcp.other" });
    expect(refused.isError).toBe(true);
  });

  it("request_approval takes the tool's input schema: a proposal that breaks it is refused, naming the field", async () => {
    const toolInputSchema = {
      type: "object",
      properties: { to: { type: "string", format: "email", pattern: "@" }, body: { type: "string" } },
      required: ["to", "body"],
    };
    const res = await call(
      agent,
      "request_approval",
      email({ proposal: { to: "ada@example.com" }, toolInputSchema, waitSeconds: 0 }),
    );
    expect(res.isError).toBe(true);
    expect(JSON.stringify(res.content)).toContain("/proposal/body");
  });
});
