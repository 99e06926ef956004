import net from "node:net";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoreEngine } from "../../src/store/engine.js";
import { createPostgresEngine } from "./engines.js";

/**
 * On PostgreSQL a transaction's BEGIN (and the claim's planner pins) goes in the same round trip as its
 * first statement (store/pinned-begin.ts, prepared-statements.ts `OPEN_WITH`). What must not change for
 * that: the statement runs inside the transaction, a failure anywhere rolls all of it back and leaves the
 * connection fit for the next transaction, and the pins still hold for the claim's statements.
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
});
