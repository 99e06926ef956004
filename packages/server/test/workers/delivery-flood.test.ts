import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { outboxDestinationMigration } from "../../src/store/migrations/025_outbox_destination.js";
import { openPostgres } from "../../src/store/postgres.js";
import { openSqlite } from "../../src/store/sqlite.js";
import { DestinationPolicy } from "../../src/webhooks/destinations.js";
import { OutboxWorker } from "../../src/workers/outbox.js";
import { ENGINES, PG_URL, type TestDatabase, useTestDatabase } from "../store/engines.js";
import { newCase, T0, webhook } from "../store/fixtures.js";
import { eventually, startReceiver } from "./receiver.js";

/**
 * Delivery isolation under a flood (issue 13, item 4): an automation that queues more than a thousand
 * webhooks to its own slow receiver must not hold back another automation's. The worker used to leave
 * a busy destination's messages out of its claims by id, at most 1,000 of them, and claimed nothing past
 * that; now each outbox row names its destination (migration 025) and the claim leaves out busy
 * destinations in SQL.
 */

/** SQL straight into the database, around the store. */
async function raw(db: TestDatabase, text: string): Promise<void> {
  if (db.engine === "sqlite") {
    const conn = new Database(join(db.location.dataDir, "loopgate.db"));
    conn.exec(text);
    conn.close();
    return;
  }
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`set search_path to "${db.location.schema}"; ${text}`);
  await client.end();
}

describe.each(ENGINES)("delivery isolation under a flood (%s)", (engine) => {
  const t = useTestDatabase(engine, { per: "test" });
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function queue(url: string, createdAt: number, keyId = "key_automation") {
    const c = newCase({ status: "decided", route: "auto" });
    const m = webhook(c.id, { url, createdAt, keyId });
    await t.store.cases.insert(c, { events: [], outbox: m });
    return m;
  }

  const worker = () => {
    const w = new OutboxWorker({
      store: t.store,
      signingSecrets: async () => ["whsec_aXNvbGF0aW9u"],
      destinations: DestinationPolicy.fromText("127.0.0.1"),
      clock: Date.now,
      pollMs: 50,
    });
    cleanups.push(() => w.stop());
    return w;
  };

  it("delivers another automation's webhook while 1,050 to a slow receiver are queued before it", async () => {
    // Bounded: the flooder's receiver answers after 2 s, well inside the worker's 10 s timeout.
    const slow = await startReceiver(() => ({ status: 200, afterMs: 2_000 }));
    const fast = await startReceiver();
    cleanups.push(slow.close, fast.close);
    for (let i = 0; i < 1050; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) => queue(`${slow.url}?n=${i + j}`, T0 + i + j, "key_flooder")),
      );
    }
    const victim = await queue(fast.url, T0 + 2_000, "key_victim");

    worker().start();
    await eventually(async () => fast.received.length === 1);
    // Before, the victim's webhook waited for the flooder's backlog to drain below 1,000, two answers
    // at a time: here (1,050 - 1,000) / 2 × 2 s. Now it goes out before the slow receiver answers anything.
    expect(slow.statuses).toEqual([]);
    expect(slow.received.length).toBeLessThanOrEqual(2);
    expect(fast.received[0]?.headers["webhook-id"]).toBe(victim.id);
  });

  it("delivers another automation's webhook while one automation's slow receivers on many ports hold their slots", async () => {
    // Four destinations (one host, four ports), one slot each: enough to take every slot in the process.
    const slow = await Promise.all(
      [0, 1, 2, 3].map(() => startReceiver(() => ({ status: 200, afterMs: 2_000 }))),
    );
    const fast = await startReceiver();
    cleanups.push(...slow.map((r) => r.close), fast.close);
    for (let i = 0; i < 20; i++) await queue(slow[i % 4]?.url as string, T0 + i, "key_flooder");
    const victim = await queue(fast.url, T0 + 100, "key_victim");

    const w = new OutboxWorker({
      store: t.store,
      signingSecrets: async () => ["whsec_aXNvbGF0aW9u"],
      destinations: DestinationPolicy.fromText("127.0.0.1"),
      clock: Date.now,
      pollMs: 50,
      concurrency: 4,
      perDestination: 1,
    });
    cleanups.push(() => w.stop());
    w.start();
    await eventually(async () => fast.received.length === 1);
    // One key never holds more than half the slots (perKey): the victim's webhook had one free at once.
    expect(slow.flatMap((r) => r.statuses)).toEqual([]);
    expect(slow.reduce((n, r) => n + r.received.length, 0)).toBeLessThanOrEqual(2);
    expect(fast.received[0]?.headers["webhook-id"]).toBe(victim.id);
  });

  it("fills in the destination of rows queued before migration 025; a row of unknown destination is still sent", async () => {
    const r = await startReceiver();
    cleanups.push(r.close);
    // Spelt otherwise, the same destination: the origin WHATWG URL parsing writes.
    const before = await queue(r.url.replace("http://", "HTTP://"), T0);
    const unknown = await queue(r.url, T0 + 1);
    // The database as an older version left it: no destination column.
    await raw(t.db, "ALTER TABLE outbox DROP COLUMN destination");
    const { dataDir, schema } = t.db.location;
    const opened = t.db.engine === "sqlite" ? await openSqlite(dataDir) : await openPostgres(PG_URL, schema);
    try {
      await outboxDestinationMigration().up(opened.db);
      const rows = await opened.db.selectFrom("outbox").select(["id", "destination"]).execute();
      const origin = new URL(r.url).origin;
      expect(Object.fromEntries(rows.map((x) => [x.id, x.destination]))).toEqual({
        [before.id]: origin,
        [unknown.id]: origin,
      });
    } finally {
      await opened.db.destroy();
    }
    await raw(t.db, `UPDATE outbox SET destination = NULL WHERE id = '${unknown.id}'`);
    await worker().runOnce();
    expect(r.received.map((x) => x.headers["webhook-id"]).sort()).toEqual([before.id, unknown.id].sort());
  });
});
