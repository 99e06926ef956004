import { generateKeyPairSync, sign } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decideNext,
  ENGINES,
  payment,
  startTestServer,
  type TestServer,
} from "../../server/test/helpers/server.js";
import {
  type Decision,
  DecisionNotVerified,
  decideToolCall,
  Loopgate,
  outputHashOf,
  toolOutcomeOf,
  toolResult,
  toolResultText,
} from "../src/index.js";

/** The decision model the agent adapters share, against decisions a real server made and signed. */
describe.each(ENGINES)("@loopgate/client decideToolCall (%s)", (engine) => {
  let s: TestServer;
  let loopgate: Loopgate;
  let publicKeyPem: string;
  beforeAll(async () => {
    s = await startTestServer(engine);
    const automation = (await s.newKey("automation", ["test.payments"])).key;
    loopgate = new Loopgate({ url: s.url, apiKey: automation });
    ({ publicKeyPem } = await (await s.call("GET", "/v1/decision-key", undefined, automation)).json());
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  it("an auto-routed call runs at once, with the proposal", async () => {
    const outcome = await decideToolCall({ loopgate, publicKeyPem, case: payment({ confidence: 0.99 }) });
    expect(outcome).toMatchObject({ kind: "run", args: { pay: 120, to: "Acme" } });
  });

  it("a human_only action never runs, whatever the person records", async () => {
    const asking = decideToolCall({
      loopgate,
      publicKeyPem,
      case: payment({ action: "close_account", proposal: { account: "A-1" } }),
    });
    expect((await decideNext(s, { verdict: "done", output: { closedBy: "me" } })).status).toBe(201);
    const outcome = await asking;
    expect(outcome).toMatchObject({ kind: "reject", retry: false });
    if (outcome.kind !== "reject") throw new Error("unreachable");
    expect(JSON.parse(toolResultText(outcome))).toMatchObject({ verdict: "reject", retry: false });
  });

  it("a decision without its signature, or with another verdict, is refused", async () => {
    const { id } = await loopgate.submit(payment({ confidence: 0.2 }));
    expect((await decideNext(s, { verdict: "reject", reasonCode: "wrong_payee" })).status).toBe(201);
    const d = await loopgate.waitForDecision(id, { timeoutMs: 5000 });
    const expected = {
      publicKeyPem,
      caseId: id,
      workflow: "test.payments",
      action: "pay",
      proposal: payment().proposal,
    };
    expect(toolOutcomeOf(d, expected)).toMatchObject({ kind: "reject", reasonCode: "wrong_payee" });
    expect(() => toolOutcomeOf({ ...d, signature: undefined }, expected)).toThrow(DecisionNotVerified);
    expect(() => toolOutcomeOf({ ...d, verdict: "approve" }, expected)).toThrow(DecisionNotVerified);
    expect(() => toolOutcomeOf(d, { ...expected, workflow: "test.other" })).toThrow(DecisionNotVerified);
  });
});

/**
 * The contract's new verdicts (respond, request_changes) before the server records them: decisions
 * signed here exactly as the server signs (the text `verifyDecision` checks), with a key of the test's.
 */
describe("toolOutcomeOf with the contract's respond and request_changes", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const publicKeyPem = publicKey.export({ format: "pem", type: "spki" }).toString();
  const signed = (verdict: string, output: unknown, note: string | null = null): Decision => {
    const d = {
      caseId: "case_1",
      status: "decided" as const,
      route: "review" as const,
      humanOwned: false,
      workflow: "test.payments",
      action: "pay",
      verdict: verdict as Decision["verdict"],
      output,
      reasonCode: null,
      note,
      decidedBy: "key_reviewer",
      decidedAt: "2026-12-03T12:00:00.000Z",
      decisionId: "dec_1",
      outputHash: outputHashOf(output),
    };
    const text = JSON.stringify([
      "loopgate decision 1",
      d.caseId,
      d.workflow,
      d.action,
      d.verdict,
      d.decisionId,
      d.outputHash,
      d.decidedAt,
    ]);
    return { ...d, signature: sign(null, Buffer.from(text), privateKey).toString("base64") };
  };
  const proposal = { pay: 120, to: "Acme" };
  const expected = { publicKeyPem, caseId: "case_1", workflow: "test.payments", action: "pay", proposal };

  it("approve runs the proposal; an approve handing over other arguments than proposed is refused", () => {
    expect(toolOutcomeOf(signed("approve", proposal), expected)).toMatchObject({
      kind: "run",
      args: proposal,
    });
    // Signed for the proposal, so the signature alone holds: the approval must also carry the proposal.
    const swapped = { ...signed("approve", proposal), output: { pay: 9000, to: "Mallory" } };
    expect(() => toolOutcomeOf(swapped, expected)).toThrow(DecisionNotVerified);
  });

  it("a decision signed for another workflow is refused", () => {
    expect(() => toolOutcomeOf(signed("approve", proposal), { ...expected, workflow: "test.other" })).toThrow(
      DecisionNotVerified,
    );
  });

  it("respond: the answer is what the model reads, nothing runs", () => {
    const outcome = toolOutcomeOf(signed("respond", "Paid by phone."), expected);
    expect(outcome).toMatchObject({ kind: "respond", answer: "Paid by phone." });
    if (outcome.kind !== "respond") throw new Error("unreachable");
    expect(toolResultText(outcome)).toBe("Paid by phone.");
    expect(toolResultText({ ...outcome, answer: { paid: true } })).toBe('{"paid":true}');
  });

  it("respond with an answer changed after signing is refused", () => {
    expect(() =>
      toolOutcomeOf({ ...signed("respond", "Paid by phone."), output: "Pay 9000" }, expected),
    ).toThrow(DecisionNotVerified);
  });

  it("request_changes: the feedback, retry: true, nothing runs", () => {
    const outcome = toolOutcomeOf(signed("request_changes", null, "pay the net amount"), expected);
    expect(outcome).toMatchObject({ kind: "request_changes", feedback: "pay the net amount", retry: true });
    if (outcome.kind !== "request_changes") throw new Error("unreachable");
    expect(toolResult(outcome)).toMatchObject({ verdict: "request_changes", retry: true });
    expect(JSON.parse(toolResultText(outcome))).toEqual({
      verdict: "request_changes",
      caseId: "case_1",
      feedback: "pay the net amount",
      retry: true,
    });
  });
});
