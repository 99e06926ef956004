import { randomUUID } from "node:crypto";
import { Conflict } from "@loopgate/core";
import { describe, expect, it } from "vitest";
import type { Store } from "../../src/store/index.js";
import { ENGINES, useTestDatabase } from "./engines.js";
import { newCase, submitted, T0, uniqueWorkflow } from "./fixtures.js";

const LEASE = 10_000;

describe.each(ENGINES)("workspace queries (%s)", (engine) => {
  const t = useTestDatabase(engine);

  async function queued(workflow: string, overrides: Parameters<typeof newCase>[0] = {}) {
    const c = newCase({ workflow, ...overrides });
    await t.store.cases.insert(c, { events: submitted(c) });
    return c;
  }
  const claim = (reviewer: string, workflow: string, now: number, store: Store = t.store) =>
    store.review.claimNext({ reviewer, workflows: [workflow], leaseMs: LEASE, now });
  const decide = (caseId: string, reviewer: string, verdict: "approve" | "reject", now: number) =>
    t.store.review.recordDecision({
      caseId,
      reviewer,
      decisionId: randomUUID(),
      verdict,
      output: null,
      reasonCode: verdict === "approve" ? null : "other",
      note: null,
      now,
    });

  it("counts per workflow and risk class; an expired lease counts as waiting again", async () => {
    const wf = uniqueWorkflow();
    await queued(wf, { riskClass: "high", createdAt: T0 });
    await queued(wf, { riskClass: "high", createdAt: T0 + 5 });
    await queued(wf, { riskClass: "low", createdAt: T0 + 7 });
    await claim("alice", wf, T0 + 10); // takes the oldest high one
    expect(await t.store.review.queueCounts({ workflows: [wf], now: T0 + 20 })).toEqual([
      { workflow: wf, riskClass: "high", waiting: 1, oldestWaitingAt: T0 + 5, inReview: 1 },
      { workflow: wf, riskClass: "low", waiting: 1, oldestWaitingAt: T0 + 7, inReview: 0 },
    ]);
    const expired = await t.store.review.queueCounts({ workflows: [wf], now: T0 + 10 + LEASE });
    expect(expired[0]).toEqual({
      workflow: wf,
      riskClass: "high",
      waiting: 2,
      oldestWaitingAt: T0,
      inReview: 0,
    });
    expect(await t.store.review.queueCounts({ workflows: [], now: T0 })).toEqual([]);
  });

  it("gives a reviewer's day: counts, the median of an even and an odd number of holds, held cases", async () => {
    const wf = uniqueWorkflow();
    const reviewer = `r-${randomUUID()}`;
    const held = [4_000, 1_000, 9_000, 2_000];
    for (const [i, ms] of held.entries()) {
      const c = await queued(wf, { createdAt: T0 + i });
      await claim(reviewer, wf, T0 + 100);
      await decide(c.id, reviewer, i === 2 ? "reject" : "approve", T0 + 100 + ms);
    }
    const day = { reviewer, from: T0, to: T0 + 86_400_000, now: T0 + 20_000 };
    expect(await t.store.review.reviewerDay(day)).toEqual({
      decided: 4,
      approved: 3,
      medianHeldMs: 3_000,
      holding: [],
    });
    expect(await t.store.review.reviewerDay({ ...day, to: T0 + 100 + 5_000 })).toMatchObject({
      decided: 3, // 4 000, 1 000 and 2 000
      medianHeldMs: 2_000,
    });
    const waiting = await queued(wf, { createdAt: T0 + 10 });
    await claim(reviewer, wf, T0 + 15_000);
    expect((await t.store.review.reviewerDay(day)).holding).toEqual([waiting.id]);
    expect(await t.store.review.reviewerDay({ ...day, reviewer: "nobody" })).toEqual({
      decided: 0,
      approved: 0,
      medianHeldMs: null,
      holding: [],
    });
  });

  it("lists a subject's other cases up to a time, newest first, in the given workflows", async () => {
    const [a, b] = [uniqueWorkflow(), uniqueWorkflow()];
    const subject = `s-${randomUUID()}`;
    const first = await queued(a, { subject, createdAt: T0 });
    await claim("alice", a, T0 + 1);
    await decide(first.id, "alice", "reject", T0 + 2);
    const second = await queued(b, { subject, createdAt: T0 + 3 });
    const current = await queued(a, { subject, createdAt: T0 + 4 });
    await queued(a, { subject, createdAt: T0 + 5 });
    const args = { subject, excludeCaseId: current.id, before: current.createdAt, limit: 20 };
    const history = await t.store.cases.subjectHistory(args);
    expect(history.map((h) => h.id)).toEqual([second.id, first.id]);
    expect(history[1]).toMatchObject({
      status: "decided",
      decision: { verdict: "reject", reasonCode: "other", decidedAt: T0 + 2 },
    });
    expect(history[0]?.decision).toBeNull();
    expect((await t.store.cases.subjectHistory({ ...args, workflows: [a] })).map((h) => h.id)).toEqual([
      first.id,
    ]);
    expect(await t.store.cases.subjectHistory({ ...args, workflows: [] })).toEqual([]);
    expect(await t.store.cases.subjectHistory({ ...args, limit: 1 })).toHaveLength(1);
  });

  it("records one blind judgment per claim, even when two race from separate processes", async () => {
    const wf = uniqueWorkflow();
    const c = await queued(wf);
    const claimed = await claim("alice", wf, T0);
    const other = await t.db.open();
    const judgment = (store: Store) =>
      store.review.recordBlindJudgment({
        caseId: c.id,
        reviewer: "alice",
        verdict: "reject",
        output: null,
        reasonCode: "other",
        note: null,
        now: T0 + 1,
      });
    const results = await Promise.allSettled([judgment(t.store), judgment(other), judgment(t.store)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(Conflict);
    const leaseId = claimed?.lease.id ?? "";
    expect(await t.store.review.findBlindJudgment(c.id, leaseId)).toMatchObject({
      leaseId,
      reviewer: "alice",
    });
    // Not the holder, or the lease has expired: refused.
    const bob = {
      caseId: c.id,
      reviewer: "bob",
      verdict: "approve" as const,
      output: null,
      reasonCode: null,
      note: null,
    };
    await expect(t.store.review.recordBlindJudgment({ ...bob, now: T0 + 2 })).rejects.toBeInstanceOf(
      Conflict,
    );
    const late = { ...bob, reviewer: "alice", now: T0 + LEASE };
    await expect(t.store.review.recordBlindJudgment(late)).rejects.toThrow(/expired/);
  });
});
