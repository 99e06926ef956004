import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoreEngine } from "../../src/store/engine.js";
import { openPostgres } from "../../src/store/postgres.js";
import { createPostgresEngine, createTestDatabase, PG_URL, type TestDatabase } from "./engines.js";

/**
 * A PostgreSQL database is often shared: other applications, other Loopgates in their own schemas. Kysely's
 * Migrator asks whether its tables exist before taking its lock, and Kysely's own introspector answered by
 * reading every schema of the database and looking each column up by name. A column or schema another client
 * dropped or added at that moment failed our start-up (CI saw `column "digest" of relation
 * "audit_checkpoints" does not exist`, raised in another test file's schema). Ours reads our schema only.
 */
describe("migrating in a shared PostgreSQL database", () => {
  const other = `other_${Math.random().toString(36).slice(2, 10)}`;
  let admin: pg.Client;
  let mine: Awaited<ReturnType<typeof createPostgresEngine>>;
  let db: TestDatabase;
  let engine: StoreEngine;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema "${other}"`);
    await admin.query(`create table "${other}".cases (id serial primary key, note text)`);
    await admin.query(`create table "${other}".kysely_migration (name text primary key)`);
    mine = await createPostgresEngine();
    ({ db, engine } = mine);
  });
  afterAll(async () => {
    await mine.destroy();
    await admin.query(`drop schema if exists "${other}" cascade`);
    await admin.end();
  });

  it("sees only its own schema's tables, with their columns", async () => {
    const tables = await engine.db.introspection.getTables({ withInternalKyselyTables: true });
    expect(new Set(tables.map((t) => t.schema))).toEqual(new Set([db.location.schema]));
    const names = tables.map((t) => t.name);
    expect(names).toContain("cases");
    expect(names).toContain("kysely_migration");
    const cases = tables.find((t) => t.name === "cases");
    expect(cases?.columns.find((c) => c.name === "id")).toMatchObject({
      dataType: "text",
      isNullable: false,
    });
    // The migration tables are Kysely's own, left out unless asked for.
    const plain = await engine.db.introspection.getTables();
    expect(plain.map((t) => t.name)).not.toContain("kysely_migration");
    expect(plain.map((t) => t.name)).toContain("cases");
    expect(await engine.db.introspection.getSchemas()).toEqual([{ name: db.location.schema }]);
  });

  it("knows a serial or identity column is auto-incrementing", async () => {
    const mine = await createTestDatabase("postgres");
    try {
      await admin.query(`create schema "${mine.location.schema}"`);
      await admin.query(
        `create table "${mine.location.schema}".t (a serial, b int generated always as identity, c int default 3)`,
      );
      const scoped = await openPostgres(PG_URL, mine.location.schema);
      const [t] = await scoped.db.introspection.getTables();
      await scoped.db.destroy();
      expect(t?.columns.map((c) => [c.name, c.isAutoIncrementing, c.hasDefaultValue])).toEqual([
        ["a", true, true],
        ["b", true, false],
        ["c", false, true],
      ]);
    } finally {
      await mine.destroy();
    }
  });

  it("migrates fresh schemas while another client keeps creating and dropping schemas beside it", async () => {
    // Two clients, each building a schema of 40 tables and dropping it, over and over: the catalog
    // changes under every introspection that reads other schemas.
    let stop = false;
    let rounds = 0;
    const clients = await Promise.all(
      [0, 1].map(async () => {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        return c;
      }),
    );
    const churning = clients.map(async (churn, n) => {
      const columns = Array.from({ length: 12 }, (_, k) => `c${k} text`).join(", ");
      for (let i = 0; !stop; i++) {
        const name = `${other}_${n}_${i}`;
        const tables = Array.from(
          { length: 40 },
          (_, t) => `create table "${name}".t${t} (id serial, ${columns});`,
        );
        await churn.query(`create schema "${name}"; ${tables.join(" ")}`);
        await churn.query(`drop schema "${name}" cascade`);
        rounds++;
      }
    });
    try {
      // Four fresh schemas were enough for Kysely's own introspector to fail in 3 runs of 3; more only
      // lengthen a test that shares the database with the whole suite (12 took over 30 s under CI's load).
      for (let i = 0; i < 4; i++) {
        const fresh = await createTestDatabase("postgres");
        try {
          const store = await fresh.open();
          expect((await store.cases.detail("case_none")) ?? null).toBeNull();
        } finally {
          await fresh.destroy();
        }
      }
    } finally {
      stop = true;
      await Promise.all(churning);
      await Promise.all(clients.map((c) => c.end()));
    }
    expect(rounds).toBeGreaterThan(0);
  }, 120_000);
});
