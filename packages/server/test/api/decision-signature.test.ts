import { generateKeyPairSync, sign } from "node:crypto";
import { outputHashOf, verifyDecision } from "@loopgate/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver } from "../helpers/receiver.js";
import { decideNext, ENGINES, payment, startTestServer, type TestServer } from "../helpers/server.js";
import { call, email, httpClient, MCP_POLICIES } from "../mcp/client.js";

/**
 * Decisions bound to the action (issue 14, item 3): each test performs the attack on a real decision
 * and checks that verifyDecision (@loopgate/client) refuses it.
 */
describe.each(ENGINES)("signed decisions (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  let publicKeyPem: string;
  beforeAll(async () => {
    s = await startTestServer(engine);
    automation = (await s.newKey("automation")).key;
    const res = await s.call("GET", "/v1/decision-key", undefined, automation);
    expect(res.status).toBe(200);
    ({ publicKeyPem } = await res.json());
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  /** Submits a case for a person and records `decision` on it; returns the automation's long-poll answer. */
  async function decided(decision: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
    const submitted = await s.call(
      "POST",
      "/v1/cases",
      payment({ confidence: 0.2, ...overrides }),
      automation,
    );
    const { id } = await submitted.json();
    expect((await s.call("POST", "/v1/queue/claim", {})).status).toBe(200);
    expect((await s.call("POST", `/v1/cases/${id}/decisions`, decision)).status).toBe(201);
    const res = await s.call("GET", `/v1/cases/${id}/decision`, undefined, automation);
    expect(res.status).toBe(200);
    return res.json();
  }

  const check = (
    d: Record<string, unknown>,
    over: Partial<{ caseId: string; action: string; output: unknown }> = {},
  ) =>
    verifyDecision(d as never, {
      publicKeyPem,
      caseId: d.caseId as string,
      action: "pay",
      output: d.output,
      ...over,
    });

  it("names the key it signs with, to every role, and to nobody unauthenticated", async () => {
    const reviewer = (await s.newKey("reviewer")).key;
    const asReviewer = await (await s.call("GET", "/v1/decision-key", undefined, reviewer)).json();
    expect(asReviewer).toEqual({ keyId: expect.stringMatching(/^[0-9a-f]{16}$/), publicKeyPem });
    expect((await s.call("GET", "/v1/decision-key", undefined, null)).status).toBe(401);
  });

  it("a genuine approve verifies, and its fields say what was signed", async () => {
    const d = await decided({ verdict: "approve" });
    expect(d).toMatchObject({
      verdict: "approve",
      workflow: "test.payments",
      action: "pay",
      output: { pay: 120, to: "Acme" },
      decisionId: expect.stringMatching(/^dec_/),
      outputHash: outputHashOf({ to: "Acme", pay: 120 }),
    });
    const { keyId } = await (await s.call("GET", "/v1/decision-key", undefined, automation)).json();
    expect(d.signatureKeyId).toBe(keyId);
    expect(check(d)).toBe(true);
  });

  it("an auto-routed approve is signed too", async () => {
    const { id, route } = await (await s.call("POST", "/v1/cases", payment(), automation)).json();
    expect(route).toBe("auto");
    const d = await (await s.call("GET", `/v1/cases/${id}/decision`, undefined, automation)).json();
    expect(check(d)).toBe(true);
  });

  it("a reject turned into an approve fails", async () => {
    const d = await decided({ verdict: "reject", reasonCode: "wrong_payee" });
    expect(d.verdict).toBe("reject");
    expect(check(d)).toBe(true);
    // The attacker also puts the proposal back as the output, with its hash: still refused.
    const output = { pay: 120, to: "Acme" };
    const forged = { ...d, verdict: "approve", output, outputHash: outputHashOf(output) };
    expect(check(forged)).toBe(false);
    expect(check({ ...d, verdict: "approve" })).toBe(false);
  });

  it("an output edited after signing fails", async () => {
    const d = await decided({ verdict: "edit", output: { pay: 99, to: "Acme" }, reasonCode: "wrong_amount" });
    expect(check(d)).toBe(true);
    const edited = { pay: 9900, to: "Mallory" };
    // The output the automation is about to run is not the signed one...
    expect(check(d, { output: edited })).toBe(false);
    // ...nor does a recomputed hash help: the hash is signed.
    expect(check({ ...d, output: edited, outputHash: outputHashOf(edited) }, { output: edited })).toBe(false);
  });

  it("the decision of case A presented for case B fails", async () => {
    const a = await decided({ verdict: "approve" });
    const b = await decided({ verdict: "reject", reasonCode: "wrong_amount" });
    expect(check(a, { caseId: b.caseId })).toBe(false);
    expect(check({ ...a, caseId: b.caseId }, { caseId: b.caseId })).toBe(false);
  });

  it("the same case with another action fails", async () => {
    const d = await decided({ verdict: "approve" });
    expect(check(d, { action: "refund" })).toBe(false);
    expect(check({ ...d, action: "refund" }, { action: "refund" })).toBe(false);
  });

  it("a signature made with another key fails", async () => {
    const d = await decided({ verdict: "reject", reasonCode: "wrong_payee" });
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const output = { pay: 120, to: "Acme" };
    const outputHash = outputHashOf(output);
    const text = JSON.stringify([
      "loopgate decision 1",
      d.caseId,
      d.workflow,
      d.action,
      "approve",
      d.decisionId,
      outputHash,
      d.decidedAt,
    ]);
    const forged = {
      ...d,
      verdict: "approve",
      output,
      outputHash,
      signature: sign(null, Buffer.from(text), privateKey).toString("base64"),
    };
    expect(check(forged)).toBe(false);
    // The same forgery verifies with the forger's key: what fails it is the pinned key alone.
    const theirs = publicKey.export({ format: "pem", type: "spki" }).toString();
    expect(verifyDecision(forged, { publicKeyPem: theirs, caseId: d.caseId, action: "pay", output })).toBe(
      true,
    );
  });

  it("a human_only case's decision is signed over what the person did, never the proposal", async () => {
    const done = { closed: "acct-9", ticket: "OPS-7" };
    const proposal = { close: "acct-9" };
    const d = await decided(
      { verdict: "done", output: done, note: "closed by hand" },
      { action: "close_account", proposal, confidence: 1 },
    );
    expect(d).toMatchObject({ humanOwned: true, output: done });
    expect(check(d, { action: "close_account" })).toBe(true);
    expect(check(d, { action: "close_account", output: proposal })).toBe(false);
  });

  it("a decision without a signature fails", async () => {
    const d = await decided({ verdict: "approve" });
    const { signature: _, ...unsigned } = d;
    expect(check(unsigned)).toBe(false);
    expect(check({ ...d, signature: "not base64 at all!" })).toBe(false);
  });

  it("the decided webhook's body verifies with the SDK, and signs what the long-poll signs", async () => {
    const receiver = await startReceiver();
    try {
      const d = await decided(
        { verdict: "edit", output: { pay: 80, to: "Acme" }, reasonCode: "wrong_amount" },
        { callbackUrl: receiver.url },
      );
      await receiver.until((x) => x.length === 1);
      const body = JSON.parse(receiver.deliveries[0]?.body ?? "{}");
      expect(body).toMatchObject({ type: "case.decided", caseId: d.caseId, verdict: "edit" });
      expect(check(body)).toBe(true);
      expect(body.signature).toBe(d.signature);
      expect(check({ ...body, verdict: "reject" })).toBe(false);
    } finally {
      await receiver.close();
    }
  });
});

describe.each(ENGINES)("signed decisions over MCP (%s)", (engine) => {
  let s: TestServer;
  let agentKey: string;
  beforeAll(async () => {
    s = await startTestServer(engine, { policyDir: MCP_POLICIES });
    agentKey = (await s.newKey("automation", ["mcp.agent"])).key;
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  it("request_approval's result carries the signature, bound to the edited output", async () => {
    const agent = await httpClient(s.url, agentKey);
    try {
      const { publicKeyPem } = await (await s.call("GET", "/v1/decision-key", undefined, agentKey)).json();
      const edited = { to: "ada@example.com", body: "Your refund goes out on Monday." };
      const asked = call(agent, "request_approval", email({ confidence: 0.2, waitSeconds: 10 }));
      expect(
        (await decideNext(s, { verdict: "edit", output: edited, reasonCode: "wrong_recipient" })).status,
      ).toBe(201);
      const d = (await asked).structuredContent as Record<string, unknown>;
      expect(d).toMatchObject({ verdict: "edit", output: edited, action: "send_email" });
      const expected = { publicKeyPem, caseId: d.caseId as string, action: "send_email", output: edited };
      expect(verifyDecision(d as never, expected)).toBe(true);
      expect(verifyDecision(d as never, { ...expected, output: { ...edited, to: "eve@example.com" } })).toBe(
        false,
      );
      expect(verifyDecision(d as never, { ...expected, action: "lookup" })).toBe(false);
    } finally {
      await agent.close();
    }
  });
});
