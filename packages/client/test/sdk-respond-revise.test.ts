import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideNext, payment, startTestServer, type TestServer } from "../../server/test/helpers/server.js";
import { ChangesRequested, Loopgate, LoopgateApiError, Responded, verifyDecision } from "../src/index.js";

/** gate() never runs the action on respond or request_changes; revise() opens the next version. */
describe("@loopgate/client with respond, request_changes and revise", () => {
  let s: TestServer;
  let loopgate: Loopgate;
  let publicKeyPem: string;
  beforeAll(async () => {
    s = await startTestServer("sqlite");
    const key = (await s.newKey("automation")).key;
    loopgate = new Loopgate({ url: s.url, apiKey: key });
    ({ publicKeyPem } = await (await s.call("GET", "/v1/decision-key", undefined, key)).json());
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  it("respond: gate() throws Responded with the answer and never runs the action", async () => {
    let ran = 0;
    const gated = loopgate.gate(payment({ confidence: 0.2 }), () => {
      ran += 1;
    });
    expect((await decideNext(s, { verdict: "respond", output: { alreadyPaid: true } })).status).toBe(201);
    const err = await gated.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Responded);
    const { decision } = err as Responded;
    expect(decision.output).toEqual({ alreadyPaid: true });
    expect(
      verifyDecision(decision, {
        publicKeyPem,
        caseId: decision.caseId,
        action: "pay",
        output: decision.output,
      }),
    ).toBe(true);
    expect(ran).toBe(0);
  });

  it("request_changes: gate() throws ChangesRequested; revise() opens version 2, which gate's caller waits on", async () => {
    let ran = 0;
    const gated = loopgate.gate(payment({ confidence: 0.2 }), () => {
      ran += 1;
    });
    expect((await decideNext(s, { verdict: "request_changes", note: "pay 100" })).status).toBe(201);
    const err = await gated.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChangesRequested);
    const { decision } = err as ChangesRequested;
    expect(decision).toMatchObject({ verdict: "request_changes", note: "pay 100", output: null });
    expect(ran).toBe(0);

    const next = await loopgate.revise(decision.caseId, {
      proposal: { pay: 100, to: "Acme" },
      confidence: 0.9,
    });
    expect(next).toMatchObject({ revisionOf: decision.caseId, version: 2, route: "review" });
    expect((await decideNext(s, { verdict: "approve" })).status).toBe(201);
    expect(await loopgate.waitForDecision(next.id)).toMatchObject({
      verdict: "approve",
      output: { pay: 100, to: "Acme" },
    });
    // Approved: nothing left to revise.
    const refused = await loopgate
      .revise(next.id, { proposal: {}, confidence: 0.5 })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LoopgateApiError);
    expect((refused as LoopgateApiError).status).toBe(409);
  });
});
