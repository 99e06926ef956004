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

  const decide = (
    caseId: string,
    reviewer: string,
    now: number,
    store: Store = t.store,
    lease?: { leaseId: string; claimedAt: number },
  ) =>
    store.review.recordDecision({
      caseId,
      reviewer,
      decisionId: randomUUID(),
      verdict: "edit",
      output: { pay: 999 },
      reasonCode: "amount_mismatch",
      note: "PO says 999",
      now,
      ...(lease && { lease }),
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

  it("refuses a decision on a lease the route read before the case changed hands, and writes nothing", async () => {
    // The decide route passes the lease it read with the case. Between that read and the decision, Alice
    // gave the case back and claimed it again: a new lease, though hers. The old one decides nothing.
    const c = await caseHeldBy("alice");
    const read = (await t.store.cases.get(c.id))?.lease;
    if (!read) throw new Error("the case should be held");
    await t.store.review.release({ caseId: c.id, reviewer: "alice", now: T0 + 10 });
    await t.store.review.claimNext({
      reviewer: "alice",
      workflows: [c.workflow],
      leaseMs: LEASE,
      now: T0 + 20,
    });
    const stale = { leaseId: read.id, claimedAt: read.claimedAt };
    await expect(decide(c.id, "alice", T0 + 30, t.store, stale)).rejects.toThrow(/changed hands/);
    await expect(
      t.store.review.release({ caseId: c.id, reviewer: "alice", now: T0 + 30, lease: stale }),
    ).rejects.toThrow(/changed hands/);
    const after = await t.store.cases.detail(c.id);
    expect(after?.decisions).toHaveLength(0);
    expect(after).toMatchObject({ status: "claimed", lease: { holder: "alice", claimedAt: T0 + 20 } });
    expect(after?.events.at(-1)).toMatchObject({ type: "claimed", at: T0 + 20 });
    // The lease she holds now decides, with the time held since that claim.
    const fresh = after?.lease;
    if (!fresh) throw new Error("the case should be held");
    const { decision } = await decide(c.id, "alice", T0 + 35, t.store, {
      leaseId: fresh.id,
      claimedAt: fresh.claimedAt,
    });
    expect(decision).toMatchObject({ claimedAt: T0 + 20, heldMs: 15 });
  });

  it("keeps the case held and its chain whole when the decision's rows cannot be written", async () => {
    // On PostgreSQL the decision's rows and the chain head go with the next statement (write-behind.ts),
    // so their failure is reported there: the lease already ended by the UPDATE before must come back.
    const first = await caseHeldBy("alice");
    const taken = await caseHeldBy("alice");
    const args = { reviewer: "alice", verdict: "approve" as const, output: {}, reasonCode: null, note: null };
    await t.store.review.recordDecision({ ...args, caseId: first.id, decisionId: "dec-taken", now: T0 + 5 });
    const before = await t.store.cases.detail(taken.id);
    await expect(
      t.store.review.recordDecision({ ...args, caseId: taken.id, decisionId: "dec-taken", now: T0 + 6 }),
    ).rejects.toThrow(/unique|duplicate/i);
    expect(await t.store.cases.detail(taken.id)).toEqual(before);
    expect(before).toMatchObject({ status: "claimed", lease: { holder: "alice" } });
    const { decision } = await t.store.review.recordDecision({
      ...args,
      caseId: taken.id,
      decisionId: "dec-fresh",
      now: T0 + 7,
    });
    expect(decision).toMatchObject({ id: "dec-fresh", heldMs: 7 });
    expect((await t.store.audit.verify()).problems).toEqual([]);
  });

  it("reads a case with its last decision in one statement (the long-poll's wake-up)", async () => {
    expect(await t.store.cases.withLastDecision("case_unknown")).toBeUndefined();
    const c = await caseHeldBy("alice");
    expect(await t.store.cases.withLastDecision(c.id)).toMatchObject({
      case: { id: c.id, status: "claimed" },
      decision: null,
    });
    // Two approvals of a four-eyes case: the later one is the last, with every field the automation gets.
    const approve = (reviewer: string, now: number, pendingApprovals?: { count: number; needed: number }) =>
      t.store.review.recordDecision({
        caseId: c.id,
        reviewer,
        decisionId: `dec_${reviewer}`,
        verdict: "edit",
        output: { pay: now },
        reasonCode: "amount_mismatch",
        note: `by ${reviewer}`,
        now,
        ...(pendingApprovals && { pendingApprovals }),
      });
    await approve("alice", T0 + 5, { count: 1, needed: 2 });
    await t.store.review.claimNext({
      reviewer: "bob",
      workflows: [c.workflow],
      leaseMs: LEASE,
      now: T0 + 10,
    });
    await approve("bob", T0 + 15);
    const read = await t.store.cases.withLastDecision(c.id);
    expect(read?.case).toEqual(await t.store.cases.get(c.id));
    expect(read?.decision).toEqual({
      id: "dec_bob",
      caseId: c.id,
      decidedBy: "bob",
      verdict: "edit",
      output: { pay: T0 + 15 },
      reasonCode: "amount_mismatch",
      note: "by bob",
      claimedAt: T0 + 10,
      decidedAt: T0 + 15,
      heldMs: 5,
    });
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
