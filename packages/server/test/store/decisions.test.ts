import { randomUUID } from "node:crypto";
import { Conflict, NotFound } from "@loopgate/core";
import { describe, expect, it } from "vitest";
import type { Store } from "../../src/store/index.js";
import { ENGINES, useTestDatabase } from "./engines.js";
import { newCase, submitted, T0, uniqueWorkflow, webhook } from "./fixtures.js";

const LEASE = 10_000;

describe.each(ENGINES)("decisions and releases (%s)", (engine) => {
  const t = useTestDatabase(engine);

  /** A queued case in its own workflow, claimed at T0 by `reviewer` (left queued when null). */
  async function caseHeldBy(reviewer: string | null) {
    const c = newCase({ workflow: uniqueWorkflow() });
    await t.store.cases.insert(c, { events: submitted(c) });
    if (reviewer)
      await t.store.review.claimNext({ reviewer, workflows: [c.workflow], leaseMs: LEASE, now: T0 });
    return c;
  }

  const decide = (caseId: string, reviewer: string, now: number, store: Store = t.store) =>
    store.review.recordDecision({
      caseId,
      reviewer,
      decisionId: randomUUID(),
      verdict: "edit",
      output: { pay: 999 },
      reasonCode: "amount_mismatch",
      note: "PO says 999",
      now,
    });

  it("records a decision from the lease holder: heldMs, the decided event and the webhook, together", async () => {
    const c = await caseHeldBy("alice");
    const outbox = webhook(c.id, { createdAt: T0 + 4_000 });
    const { case: decided, decision } = await t.store.review.recordDecision({
      caseId: c.id,
      reviewer: "alice",
      decisionId: "dec-1",
      verdict: "edit",
      output: { pay: 999 },
      reasonCode: "amount_mismatch",
      note: "PO says 999",
      outbox,
      now: T0 + 4_000,
    });
    expect(decision).toEqual({
      id: "dec-1",
      caseId: c.id,
      decidedBy: "alice",
      verdict: "edit",
      output: { pay: 999 },
      reasonCode: "amount_mismatch",
      note: "PO says 999",
      claimedAt: T0,
      decidedAt: T0 + 4_000,
      heldMs: 4_000,
    });
    expect(decided).toMatchObject({ status: "decided", decidedAt: T0 + 4_000, lease: null });

    const detail = await t.store.cases.detail(c.id);
    expect(detail?.decisions).toEqual([decision]);
    expect(detail?.events.at(-1)).toMatchObject({
      type: "decided",
      actor: "alice",
      at: T0 + 4_000,
      data: { verdict: "edit", reasonCode: "amount_mismatch", heldMs: 4_000 },
    });
    const due = await t.store.outbox.claim({ now: T0 + 4_000, limit: 100, leaseMs: 1000 });
    expect(due.filter((m) => m.caseId === c.id)).toEqual([
      { ...outbox, attempts: 0, nextAttemptAt: T0 + 4_000 },
    ]);
  });

  it("refuses a decision on an unknown case with NotFound", async () => {
    await expect(decide("no-such-case", "alice", T0)).rejects.toBeInstanceOf(NotFound);
  });

  it("refuses a decision on a case nobody claimed", async () => {
    const c = await caseHeldBy(null);
    await expect(decide(c.id, "alice", T0)).rejects.toBeInstanceOf(Conflict);
    expect(await t.store.cases.get(c.id)).toMatchObject({ status: "queued" });
  });

  it("refuses a decision on someone else's lease", async () => {
    const c = await caseHeldBy("alice");
    await expect(decide(c.id, "bob", T0 + 1)).rejects.toBeInstanceOf(Conflict);
    expect(await t.store.cases.get(c.id)).toMatchObject({ status: "claimed", lease: { holder: "alice" } });
  });

  it("refuses a decision once the lease has expired, even if nobody took the case over", async () => {
    const c = await caseHeldBy("alice");
    await expect(decide(c.id, "alice", T0 + LEASE)).rejects.toBeInstanceOf(Conflict);
    expect((await t.store.cases.detail(c.id))?.decisions).toEqual([]);
  });

  it("refuses a second decision", async () => {
    const c = await caseHeldBy("alice");
    await decide(c.id, "alice", T0 + 1);
    await expect(decide(c.id, "alice", T0 + 2)).rejects.toBeInstanceOf(Conflict);
    expect((await t.store.cases.detail(c.id))?.decisions).toHaveLength(1);
  });

  it("lets only one of two simultaneous decisions on the same lease win", async () => {
    const c = await caseHeldBy("alice");
    const other = await t.db.open();
    const outcomes = await Promise.allSettled([
      decide(c.id, "alice", T0 + 1),
      decide(c.id, "alice", T0 + 1, other),
    ]);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    const [rejected] = outcomes.filter((o) => o.status === "rejected");
    expect(rejected?.reason).toBeInstanceOf(Conflict);
    expect((await t.store.cases.detail(c.id))?.decisions).toHaveLength(1);
    await other.close();
  });

  it("releases a held case back to the queue for the next reviewer", async () => {
    const c = await caseHeldBy("alice");
    await t.store.review.release({ caseId: c.id, reviewer: "alice", now: T0 + 50 });
    expect(await t.store.cases.get(c.id)).toMatchObject({ status: "queued", lease: null });
    const events = (await t.store.cases.detail(c.id))?.events ?? [];
    expect(events.at(-1)).toMatchObject({ type: "released", actor: "alice", at: T0 + 50 });

    const next = await t.store.review.claimNext({
      reviewer: "bob",
      workflows: [c.workflow],
      leaseMs: LEASE,
      now: T0 + 60,
    });
    expect(next?.case.id).toBe(c.id);
    await expect(decide(c.id, "alice", T0 + 70)).rejects.toBeInstanceOf(Conflict);
    expect((await decide(c.id, "bob", T0 + 70)).decision).toMatchObject({ claimedAt: T0 + 60, heldMs: 10 });
  });

  it("refuses a release by anyone but the holder", async () => {
    const c = await caseHeldBy("alice");
    await expect(
      t.store.review.release({ caseId: c.id, reviewer: "bob", now: T0 + 1 }),
    ).rejects.toBeInstanceOf(Conflict);
    const queued = await caseHeldBy(null);
    await expect(
      t.store.review.release({ caseId: queued.id, reviewer: "bob", now: T0 }),
    ).rejects.toBeInstanceOf(Conflict);
    await expect(t.store.review.release({ caseId: "nope", reviewer: "bob", now: T0 })).rejects.toBeInstanceOf(
      NotFound,
    );
    expect(await t.store.cases.get(c.id)).toMatchObject({ status: "claimed", lease: { holder: "alice" } });
  });
});
