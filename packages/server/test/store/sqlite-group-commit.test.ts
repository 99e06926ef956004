import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import type { Kysely } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { StoreEngine } from "../../src/store/engine.js";
import { openSqlite } from "../../src/store/sqlite.js";

/**
 * The SQLite driver commits transactions in groups (store/sqlite-driver.ts). What its users rely on:
 * a transaction that resolved is on disk, seen by any other connection; one that failed leaves nothing,
 * and takes nobody else's work with it; and nobody reads work whose group is not yet committed.
 */

let dir: string;
let engine: StoreEngine;
/** The engine's connection, over a table of this test's own. */
let db: Kysely<{ secrets: { id: string } }>;
/** Another connection to the same file, as another process would have. */
let outsider: BetterSqlite3.Database;

const count = () => (outsider.prepare("select count(*) as n from secrets").get() as { n: number }).n;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "loopgate-group-"));
  engine = await openSqlite(dir);
  db = engine.db as unknown as typeof db;
  await db.schema
    .createTable("secrets")
    .addColumn("id", "text", (c) => c.primaryKey())
    .execute();
  outsider = new BetterSqlite3(join(dir, "loopgate.db"), { readonly: true });
});

afterEach(async () => {
  outsider.close();
  await engine.db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const insert = (id: string) => db.insertInto("secrets").values({ id }).execute();

describe("group commit on SQLite", () => {
  it("has every transaction that resolved on disk, for another connection to read", async () => {
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        db.transaction().execute(async (trx) => {
          await trx
            .insertInto("secrets")
            .values({ id: `t${i}` })
            .execute();
        }),
      ),
    );
    await Promise.all(Array.from({ length: 20 }, (_, i) => insert(`p${i}`)));
    expect(count()).toBe(70);
  });

  it("undoes a failed transaction alone: the others in its group still commit", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        db.transaction().execute(async (trx) => {
          await trx
            .insertInto("secrets")
            .values({ id: `ok${i}` })
            .execute();
          if (i % 3 === 0) {
            await trx
              .insertInto("secrets")
              .values({ id: `half${i}` })
              .execute();
            throw new Error(`transaction ${i} fails after writing`);
          }
        }),
      ),
    );
    expect(results.filter((r) => r.status === "rejected")).toHaveLength(4);
    const ids = (outsider.prepare("select id from secrets order by id").all() as { id: string }[]).map(
      (r) => r.id,
    );
    expect(ids).toEqual(["ok1", "ok2", "ok4", "ok5", "ok7", "ok8"]);
    // A plain write that breaks a constraint fails alone too.
    await expect(insert("ok1")).rejects.toThrow(/UNIQUE/);
    expect(count()).toBe(6);
  });

  it("never lets a plain read see a transaction whose group is not committed", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => {
      written = resolve;
    });
    const open = db.transaction().execute(async (trx) => {
      await trx.insertInto("secrets").values({ id: "pending" }).execute();
      written();
      await held;
    });
    await wrote;
    // The writer is busy with the open transaction; a read is not held up by it, and does not see it.
    expect(await db.selectFrom("secrets").selectAll().execute()).toEqual([]);
    release();
    await open;
    expect(await db.selectFrom("secrets").selectAll().execute()).toEqual([{ id: "pending" }]);
    expect(count()).toBe(1);
  });

  it("commits what is in flight before it closes", async () => {
    const writes = Array.from({ length: 5 }, (_, i) => insert(`c${i}`));
    await Promise.all(writes);
    await engine.db.destroy();
    expect(count()).toBe(5);
    engine = await openSqlite(dir);
  });
});
