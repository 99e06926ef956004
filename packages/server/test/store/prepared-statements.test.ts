import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { preparingPool } from "../../src/store/prepared-statements.js";
import { createTestDatabase, PG_URL } from "./engines.js";
import { newCase, submitted } from "./fixtures.js";

/**
 * PostgreSQL statements are prepared once per connection (store/prepared-statements.ts). What an
 * operator would notice if that went wrong: a process failing after another one migrated the tables,
 * or the database's memory growing with every distinct statement.
 */
describe("prepared statements on PostgreSQL", () => {
  const pools: pg.Pool[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
  });

  it("keep answering after another process adds a column to a table they read", async () => {
    const db = await createTestDatabase("postgres");
    try {
      const store = await db.open();
      const c = newCase({});
      await store.cases.insert(c, { events: submitted(c) });
      // Read twice: prepared on this store's connections, and kept.
      expect((await store.cases.get(c.id))?.id).toBe(c.id);
      expect((await store.cases.get(c.id))?.id).toBe(c.id);
      // A newer version starting on the same database migrates: `select *` now has another column.
      const other = new pg.Client({ connectionString: PG_URL });
      await other.connect();
      await other.query(`alter table "${db.location.schema}".cases add column added_later text`);
      await other.end();
      for (let i = 0; i < 12; i++) expect((await store.cases.get(c.id))?.id).toBe(c.id);
      expect((await store.cases.detail(c.id))?.events.length).toBe(submitted(c).length);
    } finally {
      await db.destroy();
    }
  });

  it("name a bounded number of statements per connection, and still run the rest unnamed", async () => {
    const pool = new pg.Pool({ connectionString: PG_URL, max: 1 });
    pools.push(pool);
    const client = await preparingPool(pool, 20).connect();
    try {
      // Fifty distinct texts, as SQL built from values would be: each runs, twice.
      for (let round = 0; round < 2; round++)
        for (let n = 0; n < 50; n++) {
          const { rows } = await client.query(`select $1::int + ${n} as sum`, [1]);
          expect(rows[0].sum).toBe(1 + n);
        }
      const { rows } = await client.query("select count(*)::int as kept from pg_prepared_statements");
      expect(rows[0].kept).toBe(20);
    } finally {
      client.release();
    }
  });
});
