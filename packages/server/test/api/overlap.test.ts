import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver } from "../helpers/receiver.js";
import { reviewerKey } from "../helpers/review-rules.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";
import { claim, decide, SHADOW_POLICIES, shapeOf } from "../helpers/shadows.js";

const T0 = Date.parse("2026-11-02T09:00:00Z");
const MINUTE = 60_000;

describe.each(ENGINES)("overlap copies (%s)", (engine) => {
  let s: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let automation: { key: string; id: string };
  let ada: { key: string; id: string };
  let bob: { key: string; id: string };
  let cy: { key: string; id: string };
  let now = T0;

  /** A payment of shadow.overlap over 1000 (class high: always a person), copied once for a second reviewer. */
  const submit = async (o: Record<string, unknown> = {}) => {
    now += 1000; // each pair of its own second (well inside a lease), so the queue's order keeps pairs together
    const res = await s.call(
      "POST",
      "/v1/cases",
      {
        workflow: "shadow.overlap",
        action: "pay",
        input: { amount: 4000, payee: "Bolt" },
        proposal: { pay: 4000, to: "Bolt" },
        confidence: 0.9,
        ...o,
      },
      automation.key,
    );
    expect(res.status).toBe(201);
    return (await res.json()).id as string;
  };
  /** The real case of an overlap group a case belongs to. */
  const groupOf = async (id: string | null) => {
    const c = await s.store.cases.get(id as string);
    return c?.overlapOf ?? c?.id;
  };
  const copyOf = async (realId: string, claimedIds: Array<string | null>) => {
    const other = claimedIds.find((id) => id !== null && id !== realId) as string;
    expect((await s.store.cases.get(other))?.overlapOf).toBe(realId);
    return other;
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    s = await startTestServer(engine, { policyDir: SHADOW_POLICIES, clock: () => now });
    automation = await s.newKey("automation");
    ada = await reviewerKey(s, "Ada");
    bob = await reviewerKey(s, "Bob");
    cy = await reviewerKey(s, "Cy");
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
    await receiver.close();
  });

  it("never gives one reviewer both cases of a pair, and gives each of two reviewers one", async () => {
    const real = await submit();
    const first = await claim(s, ada.key, "shadow.overlap");
    expect(await claim(s, ada.key, "shadow.overlap")).toBeNull(); // the other half waits for someone else
    const unrelated = await submit();
    const second = await claim(s, ada.key, "shadow.overlap");
    expect(await groupOf(first)).toBe(real);
    expect(await groupOf(second)).toBe(unrelated);

    // Having decided one half does not open the other either.
    await decide(s, ada.key, first as string, "approve");
    const bobs = await claim(s, bob.key, "shadow.overlap");
    expect(bobs).not.toBe(first);
    expect(await groupOf(bobs)).toBe(real);
    await s.call("POST", `/v1/cases/${bobs}/release`, undefined, bob.key);
    expect(await claim(s, ada.key, "shadow.overlap")).toBeNull();
    expect(await claim(s, bob.key, "shadow.overlap")).toBe(bobs);
    await decide(s, bob.key, bobs as string, "reject");

    // The unrelated pair: Ada holds one half, Bob gets the other, Cy finds nothing.
    const bobsSecond = await claim(s, bob.key, "shadow.overlap");
    expect(bobsSecond).not.toBe(second);
    expect(await groupOf(bobsSecond)).toBe(unrelated);
    expect(await claim(s, cy.key, "shadow.overlap")).toBeNull();
    await decide(s, ada.key, second as string, "approve");
    await decide(s, bob.key, bobsSecond as string, "approve");
  });

  it("shows both halves alike, never one half in the other's history, and sends only the real decision", async () => {
    // An earlier real case of the subject in another workflow: both halves list it, nothing else.
    const earlier = await s.call(
      "POST",
      "/v1/cases",
      {
        workflow: "shadow.plain",
        action: "pay",
        input: { n: 1 },
        proposal: {},
        confidence: 0.5,
        subject: "S-9",
      },
      automation.key,
    );
    const earlierId = (await earlier.json()).id;
    const real = await submit({ subject: "S-9", callbackUrl: receiver.url, idempotencyKey: "P-1" });
    const a = await claim(s, ada.key, "shadow.overlap");
    const b = await claim(s, bob.key, "shadow.overlap");
    const copy = await copyOf(real, [a, b]);
    const stored = await s.store.cases.get(copy);
    expect(stored).toMatchObject({
      input: { amount: 4000, payee: "Bolt" },
      subject: "S-9",
      submittedBy: automation.id,
    });
    expect(stored).toMatchObject({ callbackUrl: null, idempotencyKey: null, createdAt: now, goldId: null });

    const view = async (id: string, token: string) =>
      (await s.call("GET", `/v1/cases/${id}`, undefined, token)).json();
    // Compared before any decision, while neither has a webhook event the other cannot have.
    expect(shapeOf(await view(copy, ada.key))).toEqual(shapeOf(await view(real, ada.key)));
    await decide(s, a === real ? ada.key : bob.key, real, "approve");
    const copyHolder = a === copy ? ada.key : bob.key;
    const copyView = await view(copy, copyHolder);
    // The copy's reviewer does not see the real case, nor so its decision.
    expect(copyView.history.map((h: { id: string }) => h.id)).toEqual([earlierId]);
    expect(JSON.stringify(copyView)).not.toContain(real);
    await decide(s, copyHolder, copy, "reject");
    const realView = await view(real, ada.key);
    expect(realView.history.map((h: { id: string }) => h.id)).toEqual([earlierId]);

    expect((await s.call("GET", `/v1/cases/${copy}`, undefined, automation.key)).status).toBe(404);
    await receiver.until((d) => d.length >= 1);
    expect(receiver.deliveries.map((d) => JSON.parse(d.body).caseId)).toEqual([real]);
    const pending = await s.store.outbox.claim({ now: now + 1000 * MINUTE, limit: 100, leaseMs: 1 });
    expect(pending.map((m) => m.caseId)).not.toContain(copy);
    // Audits draw from real cases only: the copy never reached an automation.
    const candidates = await s.store.oversight.auditCandidates({
      workflow: "shadow.overlap",
      since: T0,
      until: now + 1,
    });
    expect(candidates.map((c) => c.caseId)).toContain(real);
    expect(candidates.map((c) => c.caseId)).not.toContain(copy);
  });

  it("reports agreement on the overlap in the governance metrics, matching a hand computation", async () => {
    const since = now + 1;
    // Ada and Bob rate four cases independently:   approve/approve, approve/reject, reject/reject, approve/approve.
    // Cohen's κ: p_o = 3/4; Ada approves 3 of 4, Bob 2 of 4, so p_e = (3·2 + 1·2)/16 = 1/2 and κ = (3/4 − 1/2)/(1/2) = 1/2.
    // Fleiss' κ: P̄ = (1 + 0 + 1 + 1)/4 = 3/4; p_approve = 5/8, p_reject = 3/8, P̄e = 34/64; κ = (3/4 − 34/64)/(30/64) = 7/15.
    // Krippendorff's α: n = 8 values, D_o = 2/8, D_e = (64 − 25 − 9)/(8·7) = 30/56; α = 1 − (1/4)/(30/56) = 8/15.
    const labels: Array<["approve" | "reject", "approve" | "reject"]> = [
      ["approve", "approve"],
      ["approve", "reject"],
      ["reject", "reject"],
      ["approve", "approve"],
    ];
    for (const [adaSays, bobSays] of labels) {
      await submit();
      const a = (await claim(s, ada.key, "shadow.overlap")) as string;
      const b = (await claim(s, bob.key, "shadow.overlap")) as string;
      expect((await s.store.cases.get(a))?.overlapOf ?? a).toBe((await s.store.cases.get(b))?.overlapOf ?? b);
      await decide(s, ada.key, a, adaSays);
      await decide(s, bob.key, b, bobSays);
    }
    now += MINUTE;
    const metrics = async (query: string) => {
      const res = await s.call(
        "GET",
        `/v1/metrics/governance?workflow=shadow.overlap&since=${new Date(since).toISOString()}&until=${new Date(now).toISOString()}${query}`,
      );
      expect(res.status).toBe(200);
      return res.json();
    };
    const expected = {
      cohenKappa: expect.closeTo(1 / 2, 12),
      fleissKappa: expect.closeTo(7 / 15, 12),
      krippendorffAlpha: expect.closeTo(8 / 15, 12),
      items: 4,
      itemsPerFigure: { cohenKappa: 4, fleissKappa: 4, krippendorffAlpha: 4 },
    };
    expect((await metrics("")).consistency).toEqual(expected);
    // Both rated every item, so each one's group shows the same figures (a reviewer has a group when
    // they decided a real case in the window; each pair's real case went to one of them).
    const byReviewer = await metrics("&groupBy=reviewer");
    const theirs = byReviewer.groups.filter((g: { key: string }) => g.key === ada.id || g.key === bob.id);
    expect(theirs.length).toBeGreaterThan(0);
    for (const g of theirs) expect(g.consistency).toEqual(expected);
    const byClass = await metrics("&groupBy=riskClass");
    expect(byClass.groups.find((g: { key: string }) => g.key === "high")?.consistency).toEqual(expected);
    const byDay = await metrics("&groupBy=day");
    expect(byDay.groups.find((g: { key: string }) => g.key === "2026-11-02")?.consistency).toEqual(expected);

    // A window with no overlap has nothing to compare.
    const before = await s.call(
      "GET",
      `/v1/metrics/governance?workflow=shadow.overlap&since=2026-10-01&until=2026-10-02`,
    );
    expect((await before.json()).consistency).toBeNull();
  });
});
