import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";
import { claim, drain, hiring, invoice, submit, WORKSPACE_POLICIES } from "../helpers/workspace.js";

// What the model said, planted in the fixture so a leak anywhere in a response is caught.
const MODEL_SIDE = ["SECRET-RECOMMENDATION", "SECRET-RATIONALE", "0.4217"];

function expectBlind(view: Record<string, unknown>) {
  expect(view).toMatchObject({ blind: true, proposal: null, confidence: null, rationale: null });
  expect(view.explanation).toMatchObject({ threshold: null, confidence: null });
  const text = JSON.stringify(view);
  for (const secret of MODEL_SIDE) expect(text).not.toContain(secret);
}

function expectRevealed(view: Record<string, unknown>) {
  expect(view).toMatchObject({
    blind: false,
    confidence: 0.4217,
    rationale: expect.stringContaining("SECRET"),
  });
  expect(JSON.stringify(view.proposal)).toContain("SECRET-RECOMMENDATION");
  expect(view.explanation).toMatchObject({ threshold: 0.9, confidence: 0.4217 });
}

describe.each(ENGINES)("blind-first review (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  let alice: { key: string; id: string };
  let bob: { key: string; id: string };
  let now = Date.parse("2026-11-03T09:00:00Z");
  beforeAll(async () => {
    s = await startTestServer(engine, { policyDir: WORKSPACE_POLICIES, clock: () => now, leaseSeconds: 60 });
    automation = (await s.newKey("automation")).key;
    alice = await s.newKey("reviewer");
    bob = await s.newKey("reviewer");
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });
  beforeEach(async () => {
    now += 3_600_000;
    await drain(s);
  });

  const get = async (id: string, token?: string) =>
    (await s.call("GET", `/v1/cases/${id}`, undefined, token)).json();
  const judge = (id: string, body: Record<string, unknown>, token: string) =>
    s.call("POST", `/v1/cases/${id}/blind-judgment`, body, token);
  const decide = (id: string, body: Record<string, unknown>, token: string) =>
    s.call("POST", `/v1/cases/${id}/decisions`, body, token);

  it("hides the recommendation until the holder's own judgment, then reveals it and keeps both", async () => {
    const id = await submit(s, hiring(), automation);
    const claimed = await claim(s, "ws.hiring", alice.key);
    expect(claimed.id).toBe(id);
    expectBlind(claimed);
    // Only the reasons that do not weigh the model's confidence remain.
    expect(claimed.explanation.reasons).toEqual([expect.stringMatching(/strictest class, standard$/)]);
    expectBlind(await get(id, alice.key));
    expectBlind(await get(id, bob.key));
    // The input stays visible: that is what the reviewer judges from.
    expect((await get(id, alice.key)).input).toEqual({ candidate: "C-1", seniority: "senior" });

    const early = await decide(id, { verdict: "approve" }, alice.key);
    expect(early.status).toBe(409);
    expect((await early.json()).detail).toMatch(/record your own judgment first/);
    expect((await judge(id, { verdict: "approve" }, bob.key)).status).toBe(409); // not the holder

    const res = await judge(
      id,
      { verdict: "reject", reasonCode: "potential_bias", note: "gap explained" },
      alice.key,
    );
    expect(res.status).toBe(201);
    const revealed = await res.json();
    expectRevealed(revealed);
    expect(revealed.explanation.reasons).toContain("confidence 0.4217 is below standard's threshold 0.90");
    const event = revealed.events.at(-1);
    expect(event).toMatchObject({
      type: "blind_judgment",
      actor: alice.id,
      data: { verdict: "reject", reasonCode: "potential_bias", note: "gap explained", output: null },
    });
    expect((await judge(id, { verdict: "approve" }, alice.key)).status).toBe(409); // one per claim
    expectRevealed(await get(id, alice.key));
    expectRevealed(await get(id, bob.key)); // the holder has judged: the case is no longer blind

    const decided = await decide(id, { verdict: "approve" }, alice.key);
    expect(decided.status).toBe(201);
    const after = await get(id, alice.key);
    expectRevealed(after);
    expect(after.decisions).toMatchObject([{ verdict: "approve", decidedBy: alice.id }]);
    expect(after.events.map((e: { type: string }) => e.type)).toEqual([
      "submitted",
      "routed",
      "claimed",
      "blind_judgment",
      "decided",
    ]);
    expect(await s.store.review.findBlindJudgment(id, event.data.leaseId)).toMatchObject({
      reviewer: alice.id,
      verdict: "reject",
      reasonCode: "potential_bias",
    });
  });

  it("shows admins and auditors everything, at once, and keeps the policy's findings visible", async () => {
    const id = await submit(s, hiring({ input: { candidate: "C-7", careerGap: true } }), automation);
    const auditor = await s.newKey("auditor");
    expectRevealed(await get(id));
    expectRevealed(await get(id, auditor.key));
    const blind = await get(id, alice.key);
    expectBlind(blind);
    expect(blind.explanation).toMatchObject({ riskClass: "standard", triggers: ["career_gap"] });
    expect(blind.explanation.reasons).toContain("trigger career_gap fired");
    // An admin holding the case sees it, yet still records a judgment before deciding: the rule is the workflow's.
    expectRevealed(await claim(s, "ws.hiring"));
    expect((await s.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" })).status).toBe(409);
    expect((await s.call("POST", `/v1/cases/${id}/blind-judgment`, { verdict: "approve" })).status).toBe(201);
    expect((await s.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" })).status).toBe(201);
  });

  it("starts blind again for the next reviewer after a release", async () => {
    const id = await submit(s, hiring(), automation);
    await claim(s, "ws.hiring", alice.key);
    expect((await judge(id, { verdict: "approve" }, alice.key)).status).toBe(201);
    expect((await s.call("POST", `/v1/cases/${id}/release`, undefined, alice.key)).status).toBe(204);
    expectBlind(await get(id, alice.key));
    expectBlind(await claim(s, "ws.hiring", bob.key));
    expect((await decide(id, { verdict: "approve" }, bob.key)).status).toBe(409);
    expect(
      (
        await judge(
          id,
          { verdict: "edit", output: { id: "hold" }, reasonCode: "other", note: "test" },
          bob.key,
        )
      ).status,
    ).toBe(201);
    expect((await decide(id, { verdict: "approve" }, bob.key)).status).toBe(201);
    const judgments = (await get(id)).events.filter((e: { type: string }) => e.type === "blind_judgment");
    expect(judgments.map((e: { actor: string }) => e.actor)).toEqual([alice.id, bob.id]);
    expect(judgments[1].data).toMatchObject({ verdict: "edit", output: { id: "hold" } });
  });

  it("holds a judgment to the same rules as a decision, and refuses one where blind-first is off", async () => {
    const id = await submit(s, hiring(), automation);
    await claim(s, "ws.hiring", alice.key);
    const noReason = await judge(id, { verdict: "reject" }, alice.key);
    expect(noReason.status).toBe(422);
    expect((await noReason.json()).field).toBe("/reasonCode");
    const label = await judge(id, { verdict: "label", output: { label: "x" } }, alice.key);
    expect((await label.json()).field).toBe("/verdict");
    expect((await judge(id, { verdict: "maybe" }, alice.key)).status).toBe(400);

    const plain = await submit(s, invoice(), automation);
    await claim(s, "ws.invoices", alice.key);
    const off = await judge(plain, { verdict: "approve" }, alice.key);
    expect(off.status).toBe(409);
    expect((await off.json()).detail).toMatch(/does not use blind-first/);
    expect((await get(plain, alice.key)).blind).toBe(false);
    expect((await judge("case_nope", { verdict: "approve" }, alice.key)).status).toBe(404);
  });
});
