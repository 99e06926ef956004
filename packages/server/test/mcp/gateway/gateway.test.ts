import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadDecisionSigner } from "../../../src/decision-signature.js";
import { decideNext, startTestServer, type TestServer } from "../../helpers/server.js";
import { call, MCP_POLICIES } from "../client.js";
import {
  claimNext,
  decidedAs,
  forger,
  HAS_NEW_VERDICTS,
  type Harness,
  startGateway,
  TAKES_TOOL_SCHEMA,
  tamperer,
} from "./harness.js";
import { countingUpstream } from "./upstream.js";

/**
 * The gating proxy end to end: the MCP SDK's Client as the host, the gateway, a real Loopgate (its
 * routes in-process, the same ones `loopgate mcp-gateway` reaches over HTTP), and an upstream MCP
 * server that counts the calls it receives. The gateway keeps no storage, so one engine covers it
 * (the routes it calls are tested on both in the cases and MCP suites). Long waits (timeouts, progress,
 * elicitation, tasks) are in gateway-waiting.test.ts.
 */
const EMAIL = { to: "ada@example.com", body: "Your refund was sent today." };

describe("MCP gateway", () => {
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

  it("lists the upstream's tools unchanged (annotations, schemas), gated ones also callable as tasks", async () => {
    g = await startGateway(s, key);
    const direct = countingUpstream();
    const [a, b] = InMemoryTransport.createLinkedPair();
    await direct.server.connect(b);
    const plain = new Client({ name: "direct", version: "1.0.0" });
    await plain.connect(a);
    const upstreamTools = (await plain.listTools()).tools;
    await plain.close();
    const listed = (await g.host.listTools()).tools;
    expect(listed.map((t) => t.name)).toEqual(upstreamTools.map((t) => t.name));
    for (const t of upstreamTools) {
      const gated = t.name !== "search_docs";
      expect(listed.find((x) => x.name === t.name)).toEqual(
        gated ? { ...t, execution: { ...t.execution, taskSupport: "optional" } } : t,
      );
    }
    expect(listed.find((t) => t.name === "delete_file")?.annotations).toMatchObject({
      destructiveHint: true,
    });
  });

  it("approve: the upstream runs once, with the proposal, after the reviewer approved", async () => {
    g = await startGateway(s, key);
    const pending = call(g.host, "send_email", EMAIL);
    const claimed = await decideNext(s, { verdict: "approve" });
    expect(claimed.status).toBe(201);
    const res = await pending;
    expect(res.isError).toBeFalsy();
    expect(g.calls).toEqual([{ tool: "send_email", args: EMAIL }]);
    expect(JSON.stringify(res.content)).toContain("send_email ran with");

    const submitted = g.sent.find((x) => x.path === "/v1/cases")?.body;
    expect(submitted).toMatchObject({
      workflow: "mcp.gateway",
      action: "send_email",
      proposal: EMAIL,
      riskClass: "medium",
      confidence: 0,
      input: { tool: "send_email", server: "counting-upstream", description: "Sends an e-mail" },
    });
    // The tool's own JSON Schema goes with the case (the contract's toolInputSchema).
    const listed = (await g.host.listTools()).tools.find((t) => t.name === "send_email");
    expect(submitted?.toolInputSchema).toEqual(listed?.inputSchema);
  });

  it("edit: the upstream runs with the person's arguments, and the model is told", async () => {
    g = await startGateway(s, key);
    const edited = { to: "ada@example.com", body: "Your refund of 120 EUR was sent on Monday." };
    const pending = call(g.host, "send_email", EMAIL);
    const decided = await decideNext(s, { verdict: "edit", output: edited, reasonCode: "wrong_content" });
    expect(decided.status).toBe(201);
    const res = await pending;
    expect(res.isError).toBeFalsy();
    expect(g.calls).toEqual([{ tool: "send_email", args: edited }]);
    expect(JSON.stringify(res.content)).toContain("a person changed the arguments");
  });

  it("reject: the upstream is never called; the reason comes back with retry false", async () => {
    g = await startGateway(s, key);
    const pending = call(g.host, "send_email", { ...EMAIL, to: "eve@example.com" });
    await decideNext(s, { verdict: "reject", reasonCode: "wrong_recipient", note: "Not our customer" });
    const res = await pending;
    expect(res.isError).toBe(true);
    expect(res.structuredContent).toMatchObject({
      verdict: "reject",
      reasonCode: "wrong_recipient",
      note: "Not our customer",
      retry: false,
    });
    expect(g.calls).toEqual([]);
  });

  it("override: the person's own decision stands instead of the call, which never runs", async () => {
    g = await startGateway(s, key);
    const pending = call(g.host, "send_email", { ...EMAIL, to: "olga@example.com" });
    const own = { to: "olga@example.com", subject: "Called her instead", body: "-" };
    await decideNext(s, { verdict: "override", output: own, reasonCode: "wrong_content", note: "phoned" });
    const res = await pending;
    expect(res.isError).toBe(true);
    expect(res.structuredContent).toMatchObject({
      verdict: "reject",
      reasonCode: "wrong_content",
      retry: false,
    });
    expect(g.calls).toEqual([]);
  });

  it("a forged approval (a stand-in Loopgate signing with its own key) never reaches the upstream", async () => {
    g = await startGateway(s, key, { wrap: forger });
    const res = await call(g.host, "send_email", { ...EMAIL, body: "forged" });
    expect(res.isError).toBe(true);
    expect(res.structuredContent).toMatchObject({ status: "unverified", retry: false });
    expect(JSON.stringify(res.content)).toContain("signature does not verify");
    expect(g.calls).toEqual([]);
    // The real case is still waiting for a person: the forged answer decided nothing.
    const caseId = res.structuredContent?.caseId as string;
    expect((await s.store.cases.get(caseId))?.status).toBe("queued");
    await decideNext(s, { verdict: "reject", reasonCode: "too_risky" });
  });

  it("a decision whose output was changed on the way never reaches the upstream", async () => {
    for (const rehash of [false, true]) {
      g = await startGateway(s, key, { wrap: tamperer({ to: "eve@example.com", body: "tampered" }, rehash) });
      const pending = call(g.host, "send_email", { ...EMAIL, body: `tamper ${rehash}` });
      await decideNext(s, { verdict: "approve" });
      const res = await pending;
      expect(res.isError).toBe(true);
      expect(res.structuredContent).toMatchObject({ status: "unverified" });
      expect(g.calls).toEqual([]);
      await g.close();
    }
  });

  it("one approval runs once: an old, validly signed decision handed to a new call is refused", async () => {
    // A stand-in that answers every later submission with the first case's id: the same arguments
    // and a real signature, and still the approval must not run a second time.
    let firstId: string | undefined;
    g = await startGateway(s, key, {
      wrap: (api) => async (method, path, body, signal) => {
        const res = await api(method, path, body, signal);
        if (method !== "POST" || path !== "/v1/cases") return res;
        firstId ??= (res.body as { id: string }).id;
        return { ...res, body: { ...(res.body as object), id: firstId } };
      },
    });
    const args = { ...EMAIL, body: "exactly once" };
    const first = call(g.host, "send_email", args);
    await decideNext(s, { verdict: "approve" });
    expect((await first).isError).toBeFalsy();
    expect(g.calls).toHaveLength(1);

    const replayed = await call(g.host, "send_email", args);
    expect(replayed.isError).toBe(true);
    expect(JSON.stringify(replayed.content)).toContain("already acted on");
    expect(g.calls).toHaveLength(1);
    // The second call did open its own case (a new idempotency key), left for a person.
    const keys = new Set(g.sent.map((x) => x.body.idempotencyKey));
    expect(keys.size).toBe(2);
    await decideNext(s, { verdict: "reject", reasonCode: "too_risky" });
  });

  it("a pass-through tool reaches the upstream at once, with no case", async () => {
    g = await startGateway(s, key);
    const res = await call(g.host, "search_docs", { query: "refund policy" });
    expect(res.isError).toBeFalsy();
    expect(g.calls).toEqual([{ tool: "search_docs", args: { query: "refund policy" } }]);
    expect(g.sent).toEqual([]);
  });

  it("takes the risk class from the annotations: read-only is low (auto here), destructive high (a person)", async () => {
    g = await startGateway(s, key);
    const read = await call(g.host, "lookup_order", { id: "o-1" });
    expect(read.isError).toBeFalsy();
    expect(g.calls).toEqual([{ tool: "lookup_order", args: { id: "o-1" } }]);
    expect(g.sent[0]?.body).toMatchObject({ action: "lookup_order", riskClass: "low", confidence: 1 });

    const del = call(g.host, "delete_file", { path: "/tmp/report.pdf" });
    const claimed = await decideNext(s, { verdict: "reject", reasonCode: "too_risky" });
    expect(claimed.status).toBe(201);
    expect((await del).structuredContent).toMatchObject({ verdict: "reject", retry: false });
    expect(g.sent[1]?.body).toMatchObject({ action: "remove_file", riskClass: "high" });
    const stored = await s.store.cases.get((await del).structuredContent?.caseId as string);
    expect(stored).toMatchObject({ riskClass: "high", route: "review", action: "remove_file" });
    expect(g.calls).toHaveLength(1);
  });

  it("a key outside the workflow's scope gets an error result, and the upstream is not called", async () => {
    const outsider = (await s.newKey("automation", ["mcp.agent"])).key;
    g = await startGateway(s, outsider);
    const res = await call(g.host, "send_email", EMAIL);
    expect(res.isError).toBe(true);
    expect(res.structuredContent).toMatchObject({ status: "refused", retry: false });
    expect(JSON.stringify(res.content)).toContain("403");
    expect(g.calls).toEqual([]);
  });

  it("respond answers for the tool and request_changes returns the feedback (contract shapes, signed); neither runs it", async () => {
    const signer = await loadDecisionSigner(s.store);
    const answer = { sent: false, reason: "I called her instead" };
    g = await startGateway(s, key, { wrap: decidedAs(signer, "respond", answer, null) });
    const answered = await call(g.host, "send_email", { ...EMAIL, body: "respond stand-in" });
    expect(answered.isError).toBeFalsy();
    expect(answered.structuredContent).toEqual(answer);
    expect(JSON.stringify(answered.content)).toContain("I called her instead");
    expect(g.calls).toEqual([]);
    await g.close();

    g = await startGateway(s, key, { wrap: decidedAs(signer, "request_changes", null, "Mention the order") });
    const changes = await call(g.host, "send_email", { ...EMAIL, body: "changes stand-in" });
    expect(changes.isError).toBe(true);
    expect(changes.structuredContent).toMatchObject({
      verdict: "request_changes",
      note: "Mention the order",
      retry: true,
    });
    expect(g.calls).toEqual([]);
    // Both real cases are still waiting; a person rejects them so the queue is empty for the next test.
    await decideNext(s, { verdict: "reject", reasonCode: "too_risky" });
    await decideNext(s, { verdict: "reject", reasonCode: "too_risky" });
  });

  it.runIf(TAKES_TOOL_SCHEMA)(
    "an edit that breaks the tool's input schema is refused and never runs",
    async () => {
      g = await startGateway(s, key);
      const pending = call(g.host, "send_email", { ...EMAIL, body: "schema" });
      const caseId = await claimNext(s);
      const bad = await s.call("POST", `/v1/cases/${caseId}/decisions`, {
        verdict: "edit",
        output: { to: "not an address" },
        reasonCode: "wrong_content",
      });
      expect(bad.status).toBe(422);
      expect(g.calls).toEqual([]);
      expect((await s.call("POST", `/v1/cases/${caseId}/decisions`, { verdict: "approve" })).status).toBe(
        201,
      );
      expect((await pending).isError).toBeFalsy();
      expect(g.calls).toEqual([{ tool: "send_email", args: { ...EMAIL, body: "schema" } }]);
    },
  );

  it.runIf(HAS_NEW_VERDICTS)(
    "respond answers for the tool, request_changes returns the feedback; neither runs it",
    async () => {
      g = await startGateway(s, key);
      const answered = call(g.host, "send_email", { ...EMAIL, body: "respond" });
      await decideNext(s, { verdict: "respond", output: { sent: false, reason: "I called her instead" } });
      const res = await answered;
      expect(res.isError).toBeFalsy();
      expect(res.structuredContent).toEqual({ sent: false, reason: "I called her instead" });

      const revise = call(g.host, "send_email", { ...EMAIL, body: "changes" });
      await decideNext(s, { verdict: "request_changes", note: "Mention the order number" });
      const changes = await revise;
      expect(changes.isError).toBe(true);
      expect(changes.structuredContent).toMatchObject({
        verdict: "request_changes",
        note: "Mention the order number",
      });
      expect(g.calls).toEqual([]);
    },
  );
});
