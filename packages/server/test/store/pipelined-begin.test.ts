import net from "node:net";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoreEngine } from "../../src/store/engine.js";
import { openPostgres } from "../../src/store/postgres.js";
import { writeBehind } from "../../src/store/write-behind.js";
import { createPostgresEngine, PG_URL } from "./engines.js";
import { newCase, submitted, T0, uniqueWorkflow } from "./fixtures.js";

/**
 * On PostgreSQL a transaction's BEGIN (and the claim's planner pins) goes in the same round trip as its
 * first statement, and a write that needs no answer (store/write-behind.ts) with the next statement or
 * the COMMIT (store/pinned-begin.ts, prepared-statements.ts `OPEN_WITH`). What must not change for that:
 * everything runs inside the transaction and in order, a failure anywhere rolls all of it back and
 * leaves the connection fit for the next transaction, and the pins still hold for the claim.
 */
describe("a transaction's BEGIN sent with its first statement (postgres)", () => {
  let opened: Awaited<ReturnType<typeof createPostgresEngine>>;
  let engine: StoreEngine;
  // Each flush of a socket's buffered messages to the kernel is one request of a round trip.
  let flushes = 0;
  const writeGeneric = Reflect.get(net.Socket.prototype, "_writeGeneric") as (...a: unknown[]) => unknown;

  beforeAll(async () => {
    Reflect.set(net.Socket.prototype, "_writeGeneric", function (this: net.Socket, ...a: unknown[]) {
      flushes++;
      return writeGeneric.apply(this, a);
    });
    opened = await createPostgresEngine();
    ({ engine } = opened);
    await sql`create table pipelined (id int primary key, note text not null)`.execute(engine.db);
  });
  afterAll(async () => {
    Reflect.set(net.Socket.prototype, "_writeGeneric", writeGeneric);
    await opened.destroy();
  });

  const insert = (id: number, note: string) => (trx: StoreEngine["db"]) =>
    sql`insert into pipelined (id, note) values (${id}, ${note}) returning id`.execute(trx);
  const count = async () =>
    Number((await sql<{ n: string }>`select count(*) as n from pipelined`.execute(engine.db)).rows[0]?.n);

  it("costs a one-statement transaction two round trips once its statements are prepared", async () => {
    // The first time on a connection, BEGIN and the statement are prepared one by one.
    await engine.db.transaction().execute(insert(1, "first"));
    const before = flushes;
    const result = await engine.db.transaction().execute(insert(2, "second"));
    expect(result.rows).toEqual([{ id: 2 }]);
    // BEGIN + INSERT, then COMMIT: two requests where there were three.
    expect(flushes - before).toBe(2);
    expect(await count()).toBe(2);
  });

  it("sends a first statement without values with the BEGIN too, as one simple query, unprepared", async () => {
    const before = flushes;
    const n = await engine.db
      .transaction()
      .execute((trx) => sql<{ n: string }>`select count(*) as n from pipelined`.execute(trx));
    expect(Number(n.rows[0]?.n)).toBe(2);
    expect(flushes - before).toBe(2);
  });

  it("runs the first statement inside the transaction: a failure after it takes it back", async () => {
    await expect(
      engine.db.transaction().execute(async (trx) => {
        await insert(3, "taken back")(trx);
        throw new Error("the work fails after its first statement");
      }),
    ).rejects.toThrow("the work fails after its first statement");
    expect(await count()).toBe(2);
  });

  it("rolls back when the first statement itself fails, and the connection goes on working", async () => {
    // Same text as the prepared insert, so it takes the one-round-trip path, and fails there.
    await expect(engine.db.transaction().execute(insert(1, "duplicate"))).rejects.toThrow(/duplicate key/);
    await expect(
      engine.db.transaction().execute(async (trx) => {
        await insert(4, "fine")(trx);
        await insert(1, "duplicate again")(trx);
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await count()).toBe(2);
    await engine.db.transaction().execute(insert(5, "after the failures"));
    expect(await count()).toBe(3);
  });

  it("keeps the claim's pins for its statements, and only for its own transaction", async () => {
    const setting = (trx: StoreEngine["db"]) =>
      sql<{ v: string }>`select current_setting(${"enable_seqscan"}) as v`
        .execute(trx)
        .then((r) => r.rows[0]?.v);
    // The first claim on a connection prepares the pins; the later ones send them with the statement.
    for (let i = 0; i < 3; i++) {
      expect(await engine.claimTransaction(setting)).toBe("off");
      expect(await engine.db.transaction().execute(setting)).toBe("on");
    }
  });

  it("sends a write that needs no answer with the COMMIT, and reads it back before then", async () => {
    const held = (id: number, note: string) => (trx: StoreEngine["db"]) =>
      writeBehind(() => sql`insert into pipelined (id, note) values (${id}, ${note})`.execute(trx));
    const read = (trx: StoreEngine["db"], id: number) =>
      sql<{ n: string }>`select count(*) as n from pipelined where id = ${id}`
        .execute(trx)
        .then((r) => Number(r.rows[0]?.n));
    // Prepares the statements on this connection (the first time, they go one by one).
    await engine.db.transaction().execute(async (trx) => {
      await insert(10, "first")(trx);
      await held(11, "held")(trx);
      await read(trx, 11);
      await held(15, "held before the commit")(trx);
    });
    const before = flushes;
    const seen = await engine.db.transaction().execute(async (trx) => {
      await insert(12, "second")(trx);
      await held(13, "held too")(trx);
      // Sent ahead of this read, in its round trip: the transaction sees its own write.
      const read = await sql<{ n: string }>`select count(*) as n from pipelined where id = ${13}`.execute(
        trx,
      );
      await held(14, "held last")(trx);
      return Number(read.rows[0]?.n);
    });
    expect(seen).toBe(1);
    // BEGIN + insert, held write + read, held write + COMMIT.
    expect(flushes - before).toBe(3);
    expect(await count()).toBe(9);
  });

  it("fails the transaction at its COMMIT when a held write fails there, and keeps nothing of it", async () => {
    await expect(
      engine.db.transaction().execute(async (trx) => {
        await insert(20, "rolled back")(trx);
        await writeBehind(() => sql`insert into pipelined (id, note) values (${10}, ${"dup"})`.execute(trx));
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await count()).toBe(9);
    await engine.db.transaction().execute(insert(21, "the connection still works"));
    expect(await count()).toBe(10);
  });

  it("sends nothing for a transaction that sends nothing, and commits one that only commits", async () => {
    const before = flushes;
    await expect(
      engine.db.transaction().execute(async () => {
        throw new Error("nothing sent");
      }),
    ).rejects.toThrow("nothing sent");
    expect(flushes - before).toBe(0);
    expect(await engine.db.transaction().execute(async () => "done")).toBe("done");
  });

  it("claims in three round trips and decides in three, the audit chain's writes going with the next statement", async () => {
    const store = await opened.db.open();
    const workflow = uniqueWorkflow();
    const cases = [1, 2, 3].map(() => newCase({ workflow }));
    for (const c of cases) await store.cases.insert(c, { events: submitted(c) });
    const claimer = { reviewer: "alice", person: "alice", workflows: [workflow], leaseMs: 60_000 };
    const cycle = async (now: number) => {
      const before = flushes;
      const claimed = await store.review.claimNext({ ...claimer, now });
      const claiming = flushes - before;
      if (!claimed) throw new Error("a case should be waiting");
      const lease = { leaseId: claimed.lease.id, claimedAt: now };
      const decided = flushes;
      const { case: c } = await store.review.recordDecision({
        ...{ caseId: claimed.case.id, reviewer: "alice", decisionId: `dec-${now}`, verdict: "approve" },
        ...{ output: {}, reasonCode: null, note: null, now: now + 5, lease, person: "alice" },
      });
      expect(c.status).toBe("decided");
      return [claiming, flushes - decided];
    };
    // The first cycles on the pool's connection prepare its statements (and look for lapsed leases).
    await cycle(T0);
    await cycle(T0 + 10);
    // Claim: BEGIN + pins + the queue's head (which says none of it has decisions or overlap copies, so
    // no look at their groups), the lock, then the claimed event and the lease with the COMMIT.
    // Decision: BEGIN + the lease's UPDATE, the decision's rows and chain head with the rollups'
    // lock-or-create, their write-back with the COMMIT.
    expect(await cycle(T0 + 20)).toEqual([3, 3]);
    for (const c of cases)
      expect((await store.cases.detail(c.id))?.events.map((e) => e.type)).toEqual([
        "submitted",
        "routed",
        "claimed",
        "decided",
      ]);
    expect((await store.audit.verify()).problems).toEqual([]);
  });

  it("keeps every write and its order without prepared statements (LOOPGATE_PG_PREPARED=off)", async () => {
    const plain = await openPostgres(PG_URL, opened.db.location.schema, false);
    try {
      const behind = (trx: StoreEngine["db"], id: number) =>
        writeBehind(() => sql`insert into pipelined (id, note) values (${id}, ${"plain"})`.execute(trx));
      const seen = await plain.db.transaction().execute(async (trx) => {
        await behind(trx, 30);
        const n = await sql<{ n: string }>`select count(*) as n from pipelined where id = ${30}`.execute(trx);
        await behind(trx, 31);
        return Number(n.rows[0]?.n);
      });
      expect(seen).toBe(1);
      await expect(
        plain.db.transaction().execute(async (trx) => {
          await behind(trx, 32);
          await behind(trx, 30);
        }),
      ).rejects.toThrow(/duplicate key/);
      expect(await count()).toBe(12);
    } finally {
      await plain.db.destroy();
    }
  });
});
