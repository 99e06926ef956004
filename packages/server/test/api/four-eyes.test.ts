import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver } from "../helpers/receiver.js";
import { claimIn, pay, REVIEW_POLICIES, reviewerKey } from "../helpers/review-rules.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";
import { submit } from "../helpers/workspace.js";

const WF = "rr.four-eyes";

describe.each(ENGINES)("four-eyes review (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  let alice: { key: string; id: string };
  let bob: { key: string; id: string };
  let carol: { key: string; id: string };
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let now = Date.parse("2026-11-03T09:00:00Z");
  beforeAll(async () => {
    s = await startTestServer(engine, { policyDir: REVIEW_POLICIES, clock: () => now });
    receiver = await startReceiver();
    automation = (await s.newKey("automation")).key;
    alice = await reviewerKey(s, "alice");
    bob = await reviewerKey(s, "bob");
    carol = await reviewerKey(s, "carol");
  });
  afterAll(async () => {
    await s.close();
    await receiver.close();
    await s.storage.cleanup();
  });

  const decide = (id: string, body: Record<string, unknown>, token?: string) =>
    s.call("POST", `/v1/cases/${id}/decisions`, body, token);
  const get = async (id: string) => (await s.call("GET", `/v1/cases/${id}`)).json();

  it("needs two distinct approvals above the amount; the same person cannot approve twice", async () => {
    const id = await submit(s, pay(WF, 5000, { callbackUrl: receiver.url }), automation);
    expect((await (await claimIn(s, WF, alice.key)).json()).case.id).toBe(id);
    const first = await decide(id, { verdict: "approve" }, alice.key);
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ verdict: "approve", approvals: { count: 1, needed: 2 } });

    const waiting = await get(id);
    expect(waiting).toMatchObject({ status: "queued", decidedAt: null, lease: null, accountable: null });
    expect(waiting.events.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(["approved", "second_review_needed"]),
    );
    expect(waiting.events.map((e: { type: string }) => e.type)).not.toContain("decided");

    // Alice never gets her own approval back, and approving again is refused by name.
    expect((await claimIn(s, WF, alice.key)).status).toBe(204);
    const again = await decide(id, { verdict: "approve" }, alice.key);
    expect(again.status).toBe(403);
    expect((await again.json()).detail).toMatch(
      /four-eyes \(review.approvals: 2\): you already approved case/,
    );

    now += 60_000;
    expect((await (await claimIn(s, WF, bob.key)).json()).case.id).toBe(id);
    const second = await decide(id, { verdict: "approve" }, bob.key);
    expect(second.status).toBe(201);
    expect((await second.json()).approvals).toBeUndefined();

    const decided = await get(id);
    expect(decided.status).toBe("decided");
    expect(decided.decisions.map((d: { decidedBy: string }) => d.decidedBy)).toEqual([alice.id, bob.id]);
    expect(decided.accountable).toEqual({ id: bob.id, name: "bob" });
    // One webhook, for the final decision only.
    await receiver.until((d) => d.length >= 1);
    expect(receiver.deliveries).toHaveLength(1);
    expect(JSON.parse(receiver.deliveries[0]?.body ?? "{}")).toMatchObject({ caseId: id });
  });

  it("refuses the submitter approving their own case", async () => {
    // An admin key may submit and review; on a four-eyes case it may not approve what it submitted.
    const id = await submit(s, pay(WF, 9000));
    expect((await (await claimIn(s, WF)).json()).case.id).toBe(id);
    const own = await decide(id, { verdict: "approve" });
    expect(own.status).toBe(403);
    expect((await own.json()).detail).toMatch(/four-eyes \(review.approvals: 2\): you submitted case/);
    // Rejecting its own proposal is fine: a reject by anyone ends the case.
    expect((await decide(id, { verdict: "reject", reasonCode: "other", note: "test" })).status).toBe(201);
    expect((await get(id)).status).toBe("decided");
  });

  it("ends the case on a reject by anyone, even after a first approval", async () => {
    const id = await submit(s, pay(WF, 7000), automation);
    await claimIn(s, WF, alice.key);
    expect((await decide(id, { verdict: "approve" }, alice.key)).status).toBe(201);
    now += 60_000;
    await claimIn(s, WF, carol.key);
    expect((await decide(id, { verdict: "reject", reasonCode: "wrong_amount" }, carol.key)).status).toBe(201);
    const c = await get(id);
    expect(c.status).toBe("decided");
    expect(c.decisions.map((d: { verdict: string }) => d.verdict)).toEqual(["approve", "reject"]);
  });

  it("needs one approval where secondReviewWhen is false", async () => {
    const id = await submit(s, pay(WF, 300), automation);
    await claimIn(s, WF, alice.key);
    const res = await decide(id, { verdict: "approve" }, alice.key);
    expect(res.status).toBe(201);
    expect((await get(id)).status).toBe("decided");
  });
});
