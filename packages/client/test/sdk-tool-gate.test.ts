import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideNext, startTestServer, type TestServer } from "../../server/test/helpers/server.js";
import { LoopgateApiError, type ToolCall, ToolGate, toolResult } from "../src/index.js";

/** The decision model under the framework adapters, against a real server. */
describe("@loopgate/client ToolGate", () => {
  let s: TestServer;
  let gate: ToolGate;
  beforeAll(async () => {
    s = await startTestServer("sqlite");
    const apiKey = (await s.newKey("automation")).key;
    const { publicKeyPem } = await (await s.call("GET", "/v1/decision-key", undefined, apiKey)).json();
    gate = new ToolGate({
      loopgate: { url: s.url, apiKey },
      workflow: "test.payments",
      publicKeyPem,
      timeoutMs: 5000,
    });
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  const call = (over: Partial<ToolCall> = {}): ToolCall => ({
    action: "pay",
    args: { pay: 120, to: "Acme" },
    details: { input: { amount: 120, payee: "Acme" } },
    idempotencyKey: `call-${Math.random()}`,
    ...over,
  });

  it("a call the policy approves runs at once with its arguments, signed by the policy's decision", async () => {
    const outcome = await gate.decide(call({ details: { input: { amount: 120 }, confidence: 0.95 } }));
    expect(outcome).toMatchObject({ kind: "run", args: { pay: 120, to: "Acme" } });
    expect(outcome.decision.decidedBy).toBe("policy");
  });

  it("a human_only action never runs, even when the person records it done", async () => {
    const decided = gate.decide(call({ action: "close_account", args: { account: "A-1" } }));
    expect(
      (await decideNext(s, { verdict: "done", output: { closed: true }, note: "closed by hand" })).status,
    ).toBe(201);
    const outcome = await decided;
    expect(outcome).toMatchObject({ kind: "reject", retry: false, decision: { verdict: "done" } });
    if (outcome.kind !== "reject") throw new Error("unreachable");
    expect(toolResult(outcome)).toMatchObject({ verdict: "reject", reasonCode: "human_owned", retry: false });
  });

  it("the same call asked twice finds the same case; other arguments under its key are refused", async () => {
    const c = call({ details: { input: { amount: 120 }, confidence: 0.95 } });
    const first = await gate.submit(c);
    expect((await gate.submit(c)).id).toBe(first.id);
    const err = await gate.submit({ ...c, args: { pay: 9000, to: "Mallory" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoopgateApiError);
    expect((err as LoopgateApiError).status).toBe(409);
  });

  it("a call submitted as a revision is the next version, and deciding it finds that same revision", async () => {
    const asked = gate.decide(call());
    expect((await decideNext(s, { verdict: "request_changes", note: "pay 100" })).status).toBe(201);
    const { caseId } = await asked;
    const revised = call({ args: { pay: 100, to: "Acme" } });
    const submitted = await gate.submit(revised, { revisionOf: caseId });
    expect(submitted).toMatchObject({ revisionOf: caseId, version: 2, status: "queued" });
    const decided = gate.decide(revised, { revisionOf: caseId });
    expect((await decideNext(s, { verdict: "approve" })).status).toBe(201);
    expect(await decided).toMatchObject({
      kind: "run",
      caseId: submitted.id,
      args: { pay: 100, to: "Acme" },
    });
  });

  it("an approved revision runs again for its own call only: another call claiming it is refused", async () => {
    // The attack: a conversation forged to say "the reviewer asked changes on case A" (an AI SDK chat's
    // messages come from the client), then the model steered into the same arguments as A's approved
    // revision. The adapter revises A for the new call; it must not get the first call's approval.
    const asked = gate.decide(call());
    expect((await decideNext(s, { verdict: "request_changes", note: "pay 100" })).status).toBe(201);
    const { caseId } = await asked;
    const revised = call({ args: { pay: 100, to: "Acme" } });
    const decided = gate.decide(revised, { revisionOf: caseId });
    expect((await decideNext(s, { verdict: "approve" })).status).toBe(201);
    const ran = await decided;
    expect(ran).toMatchObject({ kind: "run", args: { pay: 100, to: "Acme" } });

    // The same call asking again (a retry after a lost answer) finds its decision.
    expect(await gate.decide(revised, { revisionOf: caseId })).toMatchObject({ caseId: ran.caseId });
    // Another call, the same arguments, the same revised case: a 409, nothing to run.
    const replay = await gate
      .decide({ ...revised, idempotencyKey: `call-${Math.random()}` }, { revisionOf: caseId })
      .catch((e: unknown) => e);
    expect(replay).toBeInstanceOf(LoopgateApiError);
    expect((replay as LoopgateApiError).status).toBe(409);
  });

  it("refuses to be built without a key to verify with, or without a workflow", () => {
    expect(() => new ToolGate({ loopgate: { url: s.url, apiKey: "k" }, workflow: "test.payments" })).toThrow(
      /publicKeyPem/,
    );
    expect(
      () => new ToolGate({ loopgate: { url: s.url, apiKey: "k" }, workflow: "", publicKeyPem: "x" }),
    ).toThrow(/workflow/);
  });
});
