import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertEvents } from "../../src/store/cases/events.js";
import type { StoreEngine } from "../../src/store/engine.js";
import { createPostgresEngine, type TestDatabase } from "./engines.js";
import { newCase, submitted } from "./fixtures.js";

/**
 * The claim's transaction on PostgreSQL (engine.claimTransaction): its BEGIN carries the planner pins
 * in the same round trip (store/pinned-begin.ts), and it is one transaction to everything the claim
 * calls. When it was a bare connection with a hand-sent BEGIN, the event append inside it (which opens
 * a transaction when it is not in one) sent a BEGIN and a COMMIT of its own: the COMMIT ended the
 * claim's transaction half-way, so what failed after it could no longer be rolled back.
 */
describe("the claim's transaction (postgres)", () => {
  let opened: Awaited<ReturnType<typeof createPostgresEngine>>;
  let db: TestDatabase;
  let engine: StoreEngine;

  beforeAll(async () => {
    opened = await createPostgresEngine();
    ({ db, engine } = opened);
  });
  afterAll(() => opened.destroy());

  const setting = async (trx: StoreEngine["db"], name: string) =>
    (await sql<{ v: string }>`select current_setting(${name}) as v`.execute(trx)).rows[0]?.v;

  it("pins the claim's plans for its own transaction only", async () => {
    const inside = await engine.claimTransaction(async (trx) => ({
      isTransaction: trx.isTransaction,
      seqscan: await setting(trx, "enable_seqscan"),
      jit: await setting(trx, "jit"),
    }));
    expect(inside).toEqual({ isTransaction: true, seqscan: "off", jit: "off" });
    // Another transaction, on whichever connection, plans as the database would.
    for (let i = 0; i < 3; i++)
      expect(await engine.db.transaction().execute((trx) => setting(trx, "enable_seqscan"))).toBe("on");
  });

  it("rolls back an event appended inside it when the claim fails after the append", async () => {
    const store = await db.open();
    const c = newCase({});
    await store.cases.insert(c, { events: submitted(c) });
    const before = (await store.cases.detail(c.id))?.events.length;
    await expect(
      engine.claimTransaction(async (trx) => {
        await trx.updateTable("cases").set({ status: "claimed" }).where("id", "=", c.id).execute();
        await insertEvents(trx, [
          { type: "claimed", caseId: c.id, actor: "key_r", data: {}, at: c.createdAt },
        ]);
        throw new Error("the claim fails after its event");
      }),
    ).rejects.toThrow("the claim fails after its event");
    const after = await store.cases.detail(c.id);
    expect(after?.status).toBe("queued");
    expect(after?.events.length).toBe(before);
  });
});
