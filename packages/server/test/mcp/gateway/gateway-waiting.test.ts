import {
  type CallToolResult,
  CallToolResultSchema,
  ElicitationCompleteNotificationSchema,
  ElicitRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { decideNext, startTestServer, type TestServer } from "../../helpers/server.js";
import { call, MCP_POLICIES } from "../client.js";
import { claimNext, type Harness, startGateway } from "./harness.js";

/**
 * The gating proxy while a person takes their time (gateway.test.ts has the verdicts and the forged,
 * tampered and replayed decisions): a clean timeout that the same call resumes, progress naming the
 * case, URL elicitation of its link, and calls made as MCP tasks, waited for past the plain wait or
 * cancelled. Same set-up as gateway.test.ts: one engine, since the gateway keeps no storage.
 */
const EMAIL = { to: "ada@example.com", body: "Your refund was sent today." };

describe("MCP gateway, long waits", () => {
  let s: TestServer;
  let key: string;
  let g: Harness;

  beforeAll(async () => {
    s = await startTestServer("sqlite", { policyDir: MCP_POLICIES });
    key = (await s.newKey("automation", ["mcp.gateway"])).key;
  });
  afterEach(async () => {
    await g?.close();
  });
  afterAll(async () => {
    await s?.close();
    await s?.storage.cleanup();
  });

  it("times out cleanly with the case id, and the same call asked again resumes the same case", async () => {
    g = await startGateway(s, key, { waitSeconds: 1 });
    const args = { ...EMAIL, body: "slow reviewer" };
    const first = await call(g.host, "send_email", args);
    expect(first.isError).toBe(true);
    expect(first.structuredContent).toMatchObject({
      status: "pending",
      route: "review",
      retry: true,
      link: `${s.url}/cases/${first.structuredContent?.caseId}`,
    });
    const caseId = first.structuredContent?.caseId as string;
    expect(JSON.stringify(first.content)).toContain(caseId);
    const second = await call(g.host, "send_email", args);
    expect(second.structuredContent).toMatchObject({ status: "pending", caseId });
    expect(g.calls).toEqual([]);

    expect((await decideNext(s, { verdict: "approve" })).status).toBe(201);
    const third = await call(g.host, "send_email", args);
    expect(third.isError).toBeFalsy();
    expect(g.calls).toEqual([{ tool: "send_email", args }]);
    // Three asks, one case: every submission carried the same idempotency key.
    const keys = new Set(g.sent.map((x) => x.body.idempotencyKey));
    expect(keys.size).toBe(1);
    expect((await s.store.cases.get(caseId))?.status).toBe("decided");

    // Once it ran, the same call again is a new action: a new case, not the old approval replayed.
    const fourth = await call(g.host, "send_email", args);
    expect(fourth.structuredContent).toMatchObject({ status: "pending" });
    expect(fourth.structuredContent?.caseId).not.toBe(caseId);
    expect(g.calls).toHaveLength(1);
    await decideNext(s, { verdict: "reject", reasonCode: "too_risky" });
  });

  it("sends progress naming the case and its link to a host that sent a progressToken", async () => {
    g = await startGateway(s, key, { waitSeconds: 1 });
    const messages: string[] = [];
    const res = await call(
      g.host,
      "send_email",
      { ...EMAIL, body: "progress" },
      {
        onprogress: (p) => {
          messages.push(p.message ?? "");
        },
      },
    );
    const caseId = res.structuredContent?.caseId as string;
    expect(messages[0]).toContain(caseId);
    expect(messages[0]).toContain(`${s.url}/cases/${caseId}`);
    await decideNext(s, { verdict: "reject", reasonCode: "too_risky" });
  });

  it("elicits the case's workspace link from a host that supports URL elicitation, then says it is complete", async () => {
    const elicited: Record<string, unknown>[] = [];
    const completed: string[] = [];
    g = await startGateway(s, key, { hostOptions: { capabilities: { elicitation: { url: {} } } } });
    g.host.setRequestHandler(ElicitRequestSchema, async (request) => {
      elicited.push(request.params);
      return { action: "accept" };
    });
    g.host.setNotificationHandler(ElicitationCompleteNotificationSchema, async (n) => {
      completed.push(n.params.elicitationId);
    });
    const pending = call(g.host, "send_email", { ...EMAIL, body: "elicit" });
    await decideNext(s, { verdict: "approve" });
    const res = await pending;
    expect(res.isError).toBeFalsy();
    expect(elicited).toHaveLength(1);
    const caseId = elicited[0]?.elicitationId as string;
    expect(elicited[0]).toMatchObject({ mode: "url", url: `${s.url}/cases/${caseId}` });
    expect(completed).toEqual([caseId]);
    expect(g.calls).toHaveLength(1);
  });

  it("a call made as a task gets its task at once and its result once decided, past the plain wait", async () => {
    g = await startGateway(s, key, { waitSeconds: 1 });
    const args = { ...EMAIL, body: "as a task" };
    const progress: string[] = [];
    const stream = g.host.experimental.tasks.callToolStream(
      { name: "send_email", arguments: args },
      CallToolResultSchema,
      { task: { ttl: 60_000 }, onprogress: (p) => void progress.push(p.message ?? "") },
    );
    const kinds: string[] = [];
    let result: CallToolResult | undefined;
    const reading = (async () => {
      for await (const m of stream) {
        kinds.push(m.type);
        if (m.type === "result") result = m.result as CallToolResult;
      }
    })();
    const caseId = await claimNext(s);
    // Two heartbeats: the wait has outlasted the 1 s a plain call would have waited.
    while (progress.filter((m) => m.includes("still waiting")).length < 2)
      await new Promise((r) => setTimeout(r, 50));
    expect(g.calls).toEqual([]);
    expect((await s.call("POST", `/v1/cases/${caseId}/decisions`, { verdict: "approve" })).status).toBe(201);
    await reading;
    expect(kinds[0]).toBe("taskCreated");
    expect(kinds.at(-1)).toBe("result");
    expect(result?.isError).toBeFalsy();
    expect(g.calls).toEqual([{ tool: "send_email", args }]);
  });

  it("a cancelled task stops waiting and never calls the upstream; the same call resumes the case", async () => {
    g = await startGateway(s, key);
    const args = { ...EMAIL, body: "cancelled task" };
    const stream = g.host.experimental.tasks.callToolStream(
      { name: "send_email", arguments: args },
      CallToolResultSchema,
      { task: { ttl: 60_000 } },
    );
    const first = await stream.next();
    expect(first.value?.type).toBe("taskCreated");
    const taskId = (first.value as { task: { taskId: string } }).task.taskId;
    const caseId = await claimNext(s);
    expect((await g.host.experimental.tasks.cancelTask(taskId)).status).toBe("cancelled");
    void stream.return(undefined);
    await g.idle();
    expect((await s.call("POST", `/v1/cases/${caseId}/decisions`, { verdict: "approve" })).status).toBe(201);
    expect(g.calls).toEqual([]);
    const again = await call(g.host, "send_email", args);
    expect(again.isError).toBeFalsy();
    expect(g.calls).toEqual([{ tool: "send_email", args }]);
    expect(new Set(g.sent.map((x) => x.body.idempotencyKey)).size).toBe(1);
  });
});
