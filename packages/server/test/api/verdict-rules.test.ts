import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";

// Issue 11, items 4 (the verdicts of a human_only action), 10 (approvals need a reason when the policy
// says so; `other` needs a note; an edit needs an output) and 11 (edits stay inside the action's
// editable fields and outputSchema), each tried as the attack and refused on the server.

const POLICIES = fileURLToPath(new URL("../fixtures/verdict-policies", import.meta.url));

const payout = (amount: number, o: Record<string, unknown> = {}) => ({
  workflow: "test.payouts",
  action: "pay",
  input: { amount, payee: "Acme" },
  proposal: { amount, payee: "Acme", memo: "" },
  confidence: 0.9,
  ...o,
});

describe.each(ENGINES)("what a verdict must carry (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  let reviewer: string;
  beforeAll(async () => {
    s = await startTestServer(engine, { policyDir: POLICIES });
    automation = (await s.newKey("automation")).key;
    reviewer = (await s.newKey("reviewer")).key;
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  /** Submits `body` and claims it as the reviewer; every test's case is alone in its queue. */
  async function held(body: Record<string, unknown>): Promise<string> {
    const res = await s.call("POST", "/v1/cases", body, automation);
    expect(res.status).toBe(201);
    const { id } = await res.json();
    const claimed = await s.call("POST", "/v1/queue/claim", { workflows: [body.workflow] }, reviewer);
    expect((await claimed.json()).case.id).toBe(id);
    return id;
  }
  const decide = (id: string, body: Record<string, unknown>) =>
    s.call("POST", `/v1/cases/${id}/decisions`, body, reviewer);
  async function refused(id: string, body: Record<string, unknown>, field: string): Promise<string> {
    const res = await decide(id, body);
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const problem = await res.json();
    expect(problem.field).toBe(field);
    return problem.detail as string;
  }

  it("refuses a change to a field the action does not let a reviewer edit, on edit and override", async () => {
    const id = await held(payout(420));
    const payee = { amount: 420, payee: "Mallory Ltd", memo: "" };
    const detail = await refused(
      id,
      { verdict: "edit", output: payee, reasonCode: "wrong_payee" },
      "/output/payee",
    );
    expect(detail).toContain("only amount, memo");
    await refused(id, { verdict: "override", output: payee, reasonCode: "wrong_payee" }, "/output/payee");
    const edited = await decide(id, {
      verdict: "edit",
      output: { amount: 400, payee: "Acme", memo: "credit note 7" },
      reasonCode: "amount_mismatch",
    });
    expect(edited.status).toBe(201);
    expect((await edited.json()).output).toEqual({ amount: 400, payee: "Acme", memo: "credit note 7" });
  });

  it("refuses an output that breaks the action's outputSchema, naming the field", async () => {
    const id = await held(payout(420));
    await refused(
      id,
      { verdict: "edit", output: { amount: -420, payee: "Acme", memo: "" }, reasonCode: "amount_mismatch" },
      "/output/amount",
    );
    await refused(
      id,
      { verdict: "edit", output: { amount: "420", payee: "Acme", memo: "" }, reasonCode: "amount_mismatch" },
      "/output/amount",
    );
  });

  it("refuses an edit or override without an output, null included", async () => {
    const id = await held(payout(420));
    await refused(id, { verdict: "edit", output: null, reasonCode: "amount_mismatch" }, "/output");
    await refused(id, { verdict: "override", reasonCode: "amount_mismatch" }, "/output");
  });

  it("asks for a reason on approving a large payout (requireReason per class), not a small one", async () => {
    const large = await held(payout(5_000));
    const detail = await refused(large, { verdict: "approve" }, "/reasonCode");
    expect(detail).toContain("review.requireReason");
    await refused(large, { verdict: "approve", reasonCode: "looks_fine" }, "/reasonCode");
    const ok = await decide(large, { verdict: "approve", reasonCode: "other", note: "matches PO 88" });
    expect(ok.status).toBe(201);
    const small = await held(payout(50));
    expect((await decide(small, { verdict: "approve" })).status).toBe(201);
  });

  it("asks for a reason on every approval where the workflow says so (review.requireReason)", async () => {
    const id = await held({
      workflow: "test.reasons",
      action: "send",
      input: { to: "a@example.com" },
      proposal: { text: "hello" },
      confidence: 0.9,
    });
    await refused(id, { verdict: "approve" }, "/reasonCode");
    expect((await decide(id, { verdict: "approve", reasonCode: "looks_right" })).status).toBe(201);
  });

  it("refuses reason other without a note, whatever the verdict", async () => {
    const id = await held(payout(420));
    const detail = await refused(id, { verdict: "reject", reasonCode: "other" }, "/note");
    expect(detail).toContain("note");
    await refused(id, { verdict: "reject", reasonCode: "other", note: "   " }, "/note");
    const ok = await decide(id, { verdict: "reject", reasonCode: "other", note: "supplier on hold" });
    expect(ok.status).toBe(201);
  });

  it("never approves the machine's proposal on a human_only action: only done (own output) or reject", async () => {
    const id = await held(payout(420, { action: "wire" }));
    for (const verdict of ["approve", "edit", "override"]) {
      const body =
        verdict === "approve"
          ? { verdict }
          : { verdict, output: { amount: 420, payee: "Acme" }, reasonCode: "amount_mismatch" };
      const detail = await refused(id, body, "/verdict");
      expect(detail).toContain("human_only");
    }
    await refused(id, { verdict: "done" }, "/output");
    await refused(id, { verdict: "done", output: { amount: 420, payee: "Acme" } }, "/output/reference");
    const done = await decide(id, {
      verdict: "done",
      output: { amount: 420, payee: "Acme", reference: "WIRE-1" },
      note: "sent from the bank portal",
    });
    expect(done.status).toBe(201);
    expect(await done.json()).toMatchObject({ verdict: "done", output: { reference: "WIRE-1" } });
  });

  it("refuses done on an action a person only approves", async () => {
    const id = await held(payout(420));
    const detail = await refused(id, { verdict: "done", output: { amount: 420, payee: "Acme" } }, "/verdict");
    expect(detail).toContain("only for human_only actions");
  });
});
