import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import type { StoreEngine } from "../../src/store/engine.js";
import { openStore, type Store } from "../../src/store/index.js";
import { openPostgres } from "../../src/store/postgres.js";

/**
 * Real databases for the store suite: a fresh SQLite file in a temp dir, or a fresh PostgreSQL schema
 * with a random name. Each test file gets its own, so files run in parallel without seeing each other.
 */

export const PG_URL = process.env.LOOPGATE_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const ENGINES: Store["engine"][] = ["sqlite", "postgres"];

export interface TestDatabase {
  readonly engine: Store["engine"];
  /** Where openStore should look: exactly what a second process would be configured with. */
  readonly location: { dataDir: string; databaseUrl?: string; schema?: string };
  /**
   * Opens another Store on this database, as another process would: its own SQLite connection or its
   * own PostgreSQL pool. Migrated unless `migrate: false`.
   */
  open(opts?: { migrate?: boolean }): Promise<Store>;
  /** Closes every store opened here, then deletes the file or drops the schema. */
  destroy(): Promise<void>;
}

export async function createTestDatabase(engine: Store["engine"]): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), "loopgate-store-"));
  const location =
    engine === "sqlite"
      ? { dataDir }
      : { dataDir, databaseUrl: PG_URL, schema: `t_${Math.random().toString(36).slice(2, 12)}` };
  const opened: Store[] = [];
  return {
    engine,
    location,
    async open({ migrate = true } = {}) {
      const store = await openStore(location);
      opened.push(store);
      if (migrate) await store.migrate();
      return store;
    },
    async destroy() {
      // Store.close is idempotent, so stores a test already closed are fine here.
      await Promise.all(opened.map((store) => store.close()));
      rmSync(dataDir, { recursive: true, force: true });
      if (location.schema) {
        const client = new pg.Client({ connectionString: PG_URL });
        await client.connect();
        await client.query(`drop schema if exists "${location.schema}" cascade`);
        await client.end();
      }
    },
  };
}

/**
 * A migrated PostgreSQL test database and a bare engine on it (`openPostgres`), for tests of the engine
 * itself rather than of the Store. `destroy` closes the engine, then drops the schema.
 */
export async function createPostgresEngine(): Promise<{
  db: TestDatabase;
  engine: StoreEngine;
  destroy(): Promise<void>;
}> {
  const db = await createTestDatabase("postgres");
  await db.open();
  const engine = await openPostgres(PG_URL, db.location.schema);
  return {
    db,
    engine,
    async destroy() {
      await engine.db.destroy();
      await db.destroy();
    },
  };
}

/**
 * Registers hooks giving the enclosing describe block a fresh database and a migrated store on it:
 * one for the whole file (`per: "file"`, default) or a new one for every test.
 */
export function useTestDatabase(engine: Store["engine"], { per = "file" }: { per?: "file" | "test" } = {}) {
  let db: TestDatabase | undefined;
  let store: Store | undefined;
  const setUp = async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
  };
  const tearDown = async () => {
    await db?.destroy();
  };
  if (per === "file") {
    beforeAll(setUp);
    afterAll(tearDown);
  } else {
    beforeEach(setUp);
    afterEach(tearDown);
  }
  return {
    get db(): TestDatabase {
      if (!db) throw new Error("database not set up yet");
      return db;
    },
    get store(): Store {
      if (!store) throw new Error("store not set up yet");
      return store;
    },
  };
}
