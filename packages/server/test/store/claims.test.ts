import { Conflict } from "@loopgate/core";
import { describe, expect, it } from "vitest";
import type { Store } from "../../src/store/index.js";
import { openPostgres } from "../../src/store/postgres.js";
import { openSqlite } from "../../src/store/sqlite.js";
import { ENGINES, PG_URL, useTestDatabase } from "./engines.js";
import { newCase, submitted, T0, uniqueWorkflow } from "./fixtures.js";

const LEASE = 60_000;

describe.each(ENGINES)("claiming the queue (%s)", (engine) => {
  const t = useTestDatabase(engine);

  async function queue(workflow: string, createdAts: number[]) {
    const ids: string[] = [];
    for (const createdAt of createdAts) {
      const c = newCase({ workflow, createdAt });
      await t.store.cases.insert(c, { events: submitted(c) });
      ids.push(c.id);
    }
    return ids;
  }

  it("hands out the oldest waiting case first, with a lease and a claimed event", async () => {
    const wf = uniqueWorkflow();
    const [newer, oldest, middle] = await queue(wf, [T0 + 30, T0 + 10, T0 + 20]);
    const order: Array<string | undefined> = [];
    for (let i = 0; i < 3; i++) {
      const claimed = await t.store.review.claimNext({
        reviewer: "r1",
        workflows: [wf],
        leaseMs: LEASE,
        now: T0 + 100,
      });
      order.push(claimed?.case.id);
      expect(claimed?.lease.expiresAt).toBe(T0 + 100 + LEASE);
      expect(claimed?.case).toMatchObject({
        status: "claimed",
        lease: { id: claimed?.lease.id, holder: "r1", claimedAt: T0 + 100, expiresAt: T0 + 100 + LEASE },
      });
    }
    expect(order).toEqual([oldest, middle, newer]);
    expect(await t.store.cases.get(oldest ?? "")).toMatchObject({
      status: "claimed",
      lease: { holder: "r1" },
    });
    const events = (await t.store.cases.detail(oldest ?? ""))?.events ?? [];
    expect(events.at(-1)).toMatchObject({ type: "claimed", actor: "r1", at: T0 + 100 });
  });

  it("only takes cases from the given workflows", async () => {
    const [a, b] = [uniqueWorkflow(), uniqueWorkflow()];
    const [inA] = await queue(a, [T0]);
    const [inB] = await queue(b, [T0 - 1]);
    expect(
      await t.store.review.claimNext({ reviewer: "r", workflows: [], leaseMs: LEASE, now: T0 }),
    ).toBeUndefined();
    const got = await t.store.review.claimNext({
      reviewer: "r",
      workflows: [a, "other"],
      leaseMs: LEASE,
      now: T0,
    });
    expect(got?.case.id).toBe(inA);
    expect(
      await t.store.review.claimNext({ reviewer: "r", workflows: [a], leaseMs: LEASE, now: T0 }),
    ).toBeUndefined();
    expect(
      (await t.store.review.claimNext({ reviewer: "r", workflows: [b], leaseMs: LEASE, now: T0 }))?.case.id,
    ).toBe(inB);
  });

  it("does not hand out a case while its lease is live", async () => {
    const wf = uniqueWorkflow();
    await queue(wf, [T0]);
    await t.store.review.claimNext({ reviewer: "r1", workflows: [wf], leaseMs: 1000, now: T0 });
    const again = await t.store.review.claimNext({
      reviewer: "r2",
      workflows: [wf],
      leaseMs: 1000,
      now: T0 + 999,
    });
    expect(again).toBeUndefined();
  });

  it("returns a case whose lease expired to the queue, and records the expiry", async () => {
    const wf = uniqueWorkflow();
    const [id = ""] = await queue(wf, [T0]);
    const first = await t.store.review.claimNext({ reviewer: "r1", workflows: [wf], leaseMs: 1000, now: T0 });
    const second = await t.store.review.claimNext({
      reviewer: "r2",
      workflows: [wf],
      leaseMs: 1000,
      now: T0 + 1000,
    });
    expect(second?.case.id).toBe(id);
    expect(second?.lease.id).not.toBe(first?.lease.id);
    expect(second?.case.lease).toMatchObject({ holder: "r2", claimedAt: T0 + 1000, expiresAt: T0 + 2000 });

    const events = (await t.store.cases.detail(id))?.events ?? [];
    expect(events.map((e) => [e.type, e.actor])).toEqual([
      ["submitted", "key_automation"],
      ["routed", "policy"],
      ["claimed", "r1"],
      ["lease_expired", "system"],
      ["claimed", "r2"],
    ]);
    expect(events[3]?.data).toEqual({ leaseId: first?.lease.id, holder: "r1", expiredAt: T0 + 1000 });

    // The first reviewer lost the case for good.
    await expect(
      t.store.review.recordDecision({
        caseId: id,
        reviewer: "r1",
        decisionId: "d1",
        verdict: "approve",
        output: null,
        reasonCode: null,
        note: null,
        now: T0 + 1001,
      }),
    ).rejects.toBeInstanceOf(Conflict);
  });

  it("takes nothing when a claim fails part-way, and the next claim on the same connections works", async () => {
    const wf = uniqueWorkflow();
    const [id = ""] = await queue(wf, [T0]);
    const broken = () => {
      throw new Error("authority rule failed");
    };
    await expect(
      t.store.review.claimNext({
        reviewer: "r1",
        workflows: [wf],
        leaseMs: LEASE,
        now: T0,
        eligible: broken,
      }),
    ).rejects.toThrow("authority rule failed");
    expect(await t.store.cases.get(id)).toMatchObject({ status: "queued" });
    const claimed = await t.store.review.claimNext({
      reviewer: "r1",
      workflows: [wf],
      leaseMs: LEASE,
      now: T0,
    });
    expect(claimed?.case.id).toBe(id);
  });

  it("puts a lapsed lease back within a second, though claims look for lapsed leases at most once a second", async () => {
    const wf = uniqueWorkflow();
    const [id = ""] = await queue(wf, [T0]);
    const at = T0 + 10 * LEASE;
    const claim = (reviewer: string, now: number) =>
      t.store.review.claimNext({ reviewer, workflows: [wf], leaseMs: 200, now });
    expect((await claim("r1", at))?.case.id).toBe(id);
    // Lapsed 100 ms ago, but this process looked 300 ms ago: the case comes back at the next look.
    expect(await claim("r2", at + 300)).toBeUndefined();
    expect((await claim("r2", at + 1000))?.case.id).toBe(id);
  });
  it("gives two hundred cases to five concurrent claimers on separate stores, each case exactly once", async () => {
    const wf = uniqueWorkflow();
    const ids = await queue(
      wf,
      Array.from({ length: 200 }, (_, i) => T0 + i),
    );
    const claimers: Store[] = await Promise.all(Array.from({ length: 5 }, () => t.db.open()));
    const takenBy: string[][] = claimers.map(() => []);
    for (let more = true; more; ) {
      // All five claims start in the same tick, so their transactions overlap: on PostgreSQL they run in
      // parallel on five pools; on SQLite four of the five connections find the write lock taken and wait.
      // (Started one after another instead, a SQLite claim here would finish before the next begins:
      // better-sqlite3 is synchronous and never yields mid-transaction.)
      const round = await Promise.all(
        claimers.map((store, n) =>
          store.review.claimNext({ reviewer: `r${n}`, workflows: [wf], leaseMs: LEASE, now: T0 + 500 }),
        ),
      );
      round.forEach((claimed, n) => {
        if (!claimed) return;
        expect(claimed.case.lease?.holder).toBe(`r${n}`);
        takenBy[n]?.push(claimed.case.id);
      });
      more = round.some((claimed) => claimed !== undefined);
    }
    const all = takenBy.flat();
    expect(all).toHaveLength(200);
    expect(new Set(all)).toEqual(new Set(ids));
    // Sanity check that the claimers really ran side by side rather than one draining the queue.
    expect(takenBy.filter((taken) => taken.length > 0).length).toBeGreaterThan(1);
    for (const store of claimers) await store.close();
  });

  it("keeps a case escalated to a role for that role's holders and admins, whatever the caller asks", async () => {
    const wf = uniqueWorkflow();
    const [escalated, another] = await queue(wf, [T0, T0 + 1]);
    // Escalation is the timer worker's doing; here it is written directly, as it stays on the case even
    // when the policy that escalated it has changed since.
    const { dataDir, databaseUrl, schema } = t.db.location;
    const engine = databaseUrl ? await openPostgres(PG_URL, schema) : await openSqlite(dataDir);
    await engine.db
      .updateTable("cases")
      .set({ escalated_to: "lead" })
      .where("id", "in", [escalated as string, another as string])
      .execute();
    await engine.db.destroy();
    const claim = (reviewer: string, escalationRoles?: readonly string[] | "any") =>
      t.store.review.claimNext({
        reviewer,
        workflows: [wf],
        leaseMs: LEASE,
        now: T0 + 10,
        ...(escalationRoles && { escalationRoles }),
      });
    // A reviewer who names no role, or another role, is passed over: the case waits.
    expect(await claim("r1")).toBeUndefined();
    expect(await claim("r2", ["auditor", "finance"])).toBeUndefined();
    // A holder of the role takes one; an admin the other.
    expect((await claim("r3", ["lead"]))?.case.id).toBe(escalated);
    expect((await claim("admin", "any"))?.case.id).toBe(another);
  });
});
