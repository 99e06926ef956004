import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideNext, payment, startTestServer, type TestServer } from "../../server/test/helpers/server.js";
import { DecisionTimeout, Loopgate, LoopgateApiError, Overridden, Rejected } from "../src/index.js";

/** The SDK against a real server over real SQLite: what an automation builder sees. */
describe("@loopgate/client", () => {
  let s: TestServer;
  let loopgate: Loopgate;
  beforeAll(async () => {
    s = await startTestServer("sqlite");
    loopgate = new Loopgate({ url: s.url, apiKey: (await s.newKey("automation")).key });
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  const review = (decision: Record<string, unknown>) => decideNext(s, decision);

  it("submit() returns the route; waitForDecision() resolves at once for an auto-routed case", async () => {
    const submitted = await loopgate.submit(payment());
    expect(submitted.route).toBe("auto");
    const decision = await loopgate.waitForDecision(submitted.id, { timeoutMs: 1000 });
    expect(decision).toMatchObject({ verdict: "approve", decidedBy: "policy" });
  });

  it("gate() runs the action with the reviewer's edited output", async () => {
    const ran: unknown[] = [];
    const gated = loopgate.gate(payment({ confidence: 0.3 }), (output) => {
      ran.push(output);
      return "paid";
    });
    await review({ verdict: "edit", output: { pay: 80, to: "Acme" }, reasonCode: "wrong_amount" });
    expect(await gated).toBe("paid");
    expect(ran).toEqual([{ pay: 80, to: "Acme" }]);
  });

  it("gate() throws Rejected with the reason and never runs the action", async () => {
    let ran = false;
    const gated = loopgate.gate(payment({ confidence: 0.3 }), () => {
      ran = true;
    });
    await review({ verdict: "reject", reasonCode: "wrong_payee", note: "not our supplier" });
    const err = await gated.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Rejected);
    expect((err as Rejected).decision).toMatchObject({ reasonCode: "wrong_payee", note: "not our supplier" });
    expect(ran).toBe(false);
  });

  it("gate() throws Overridden carrying the human's own decision", async () => {
    const gated = loopgate.gate(payment({ confidence: 0.3 }), () => "ran");
    await review({ verdict: "override", output: { hold: true }, reasonCode: "other", note: "test" });
    const err = await gated.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Overridden);
    expect((err as Overridden).decision.output).toEqual({ hold: true });
  });

  it("waitForDecision() gives up with DecisionTimeout while the case waits", async () => {
    const { id } = await loopgate.submit(payment({ confidence: 0.3 }));
    const err = await loopgate.waitForDecision(id, { timeoutMs: 1200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecisionTimeout);
    expect((err as DecisionTimeout).caseId).toBe(id);
    await review({ verdict: "reject", reasonCode: "other", note: "test" });
  });

  it("surfaces the server's problem with the field at fault", async () => {
    const err = await loopgate.submit(payment({ action: "teleport" })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoopgateApiError);
    expect((err as LoopgateApiError).status).toBe(422);
    expect((err as LoopgateApiError).problem.field).toBe("/action");
  });

  it("refuses to be built without a url or key", () => {
    expect(() => new Loopgate({ url: "", apiKey: "x" })).toThrow(/url/);
    expect(() => new Loopgate({ url: "http://x", apiKey: "" })).toThrow(/apiKey/);
  });
});
