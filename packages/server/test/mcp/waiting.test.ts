import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { injectedApi } from "../../src/mcp/api.js";
import { loopgateMcpServer } from "../../src/mcp/tools.js";
import { decideNext, ENGINES, startTestServer, type TestServer } from "../helpers/server.js";
import { call, email, MCP_POLICIES } from "./client.js";

/**
 * Long waits, with a one-second heartbeat so a test sees several slices: the tools over an in-memory
 * link to the SDK's Client, calling a real server's routes in-process exactly as /mcp does.
 */
describe.each(ENGINES)("MCP long waits (%s)", (engine) => {
  let s: TestServer;
  let agent: Client;

  beforeAll(async () => {
    s = await startTestServer(engine, { policyDir: MCP_POLICIES });
    const { key } = await s.newKey("automation", ["mcp.agent"]);
    const server = loopgateMcpServer(injectedApi(s.app, `Bearer ${key}`), { heartbeatSeconds: 1 });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    agent = new Client({ name: "loopgate-wait-test", version: "1.0.0" });
    await agent.connect(clientSide);
  });
  afterAll(async () => {
    await agent?.close();
    await s?.close();
    await s?.storage.cleanup();
  });

  it("sends rising progress on every slice until a person decides, then the decision", async () => {
    const progress: number[] = [];
    const pending = call(agent, "request_approval", email({ subject: "heartbeat", waitSeconds: 60 }), {
      onprogress: (p) => {
        progress.push(p.progress);
      },
      resetTimeoutOnProgress: true,
    });
    while (progress.length < 3) await new Promise((r) => setTimeout(r, 50));
    expect((await decideNext(s, { verdict: "approve" })).status).toBe(201);
    const res = await pending;
    expect(res.structuredContent).toMatchObject({ status: "decided", verdict: "approve" });
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(new Set(progress).size).toBe(progress.length);
  });

  it("answers pending after waitSeconds to a client that sent no progressToken", async () => {
    const res = await call(agent, "request_approval", email({ subject: "quiet", waitSeconds: 2 }));
    expect(res.structuredContent).toMatchObject({ status: "pending", verdict: null });
    await decideNext(s, { verdict: "reject", reasonCode: "too_risky" });
  });

  it("stops waiting when the client cancels, leaving the case for the next ask with the same key", async () => {
    const args = email({ subject: "cancelled", idempotencyKey: "mcp-cancel-1", waitSeconds: 60 });
    const abort = new AbortController();
    const seen: string[] = [];
    const cancelled = call(agent, "request_approval", args, {
      signal: abort.signal,
      onprogress: (p) => {
        seen.push(p.message ?? "");
      },
    });
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 50));
    abort.abort();
    await expect(cancelled).rejects.toThrow();
    const caseId = /case_[0-9a-f-]+/.exec(seen[0] ?? "")?.[0];
    expect((await s.store.cases.get(caseId ?? ""))?.status).toBe("queued");
    await decideNext(s, { verdict: "approve" });
    const again = await call(agent, "request_approval", args);
    expect(again.structuredContent).toMatchObject({ caseId, status: "decided", verdict: "approve" });
  });
});
