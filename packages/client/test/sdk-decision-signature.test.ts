import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decideNext,
  ENGINES,
  payment,
  startTestServer,
  type TestServer,
} from "../../server/test/helpers/server.js";
import { type Decision, Loopgate, outputHashOf, verifyDecision } from "../src/index.js";

/** verifyDecision against decisions a real server signed, as an automation checks them before acting. */
describe.each(ENGINES)("@loopgate/client verifyDecision (%s)", (engine) => {
  let s: TestServer;
  let loopgate: Loopgate;
  let publicKeyPem: string;
  beforeAll(async () => {
    s = await startTestServer(engine);
    const automation = (await s.newKey("automation")).key;
    loopgate = new Loopgate({ url: s.url, apiKey: automation });
    ({ publicKeyPem } = await (await s.call("GET", "/v1/decision-key", undefined, automation)).json());
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  /** A case for a person, decided with `decision`, as waitForDecision hands it to the automation. */
  async function decided(decision: Record<string, unknown>): Promise<Decision> {
    const { id } = await loopgate.submit(payment({ confidence: 0.2 }));
    expect((await decideNext(s, decision)).status).toBe(201);
    return loopgate.waitForDecision(id, { timeoutMs: 5000 });
  }

  const expected = (d: Decision) => ({ publicKeyPem, caseId: d.caseId, action: "pay", output: d.output });

  it("a genuine approve verifies, whatever the key order of the output the caller holds", async () => {
    const d = await decided({ verdict: "approve" });
    expect(verifyDecision(d, expected(d))).toBe(true);
    expect(verifyDecision(d, { ...expected(d), output: { to: "Acme", pay: 120 } })).toBe(true);
  });

  it("a reject presented as an approve fails", async () => {
    const d = await decided({ verdict: "reject", reasonCode: "wrong_payee" });
    expect(verifyDecision(d, expected(d))).toBe(true);
    expect(verifyDecision({ ...d, verdict: "approve" }, expected(d))).toBe(false);
  });

  it("an output edited after signing fails", async () => {
    const d = await decided({ verdict: "edit", output: { pay: 80, to: "Acme" }, reasonCode: "wrong_amount" });
    const edited = { pay: 8000, to: "Acme" };
    expect(verifyDecision(d, { ...expected(d), output: edited })).toBe(false);
    expect(
      verifyDecision(
        { ...d, output: edited, outputHash: outputHashOf(edited) },
        { ...expected(d), output: edited },
      ),
    ).toBe(false);
  });

  it("another case's decision, or another action, fails", async () => {
    const a = await decided({ verdict: "approve" });
    const b = await decided({ verdict: "approve" });
    expect(verifyDecision(a, { ...expected(a), caseId: b.caseId })).toBe(false);
    expect(verifyDecision({ ...a, caseId: b.caseId }, { ...expected(a), caseId: b.caseId })).toBe(false);
    expect(verifyDecision(a, { ...expected(a), action: "refund" })).toBe(false);
    expect(verifyDecision({ ...a, action: "refund" }, { ...expected(a), action: "refund" })).toBe(false);
  });

  it("another key fails", async () => {
    const d = await decided({ verdict: "approve" });
    const other = generateKeyPairSync("ed25519").publicKey.export({ format: "pem", type: "spki" }).toString();
    expect(verifyDecision(d, { ...expected(d), publicKeyPem: other })).toBe(false);
    expect(verifyDecision(d, { ...expected(d), publicKeyPem: "not a key" })).toBe(false);
  });
});
