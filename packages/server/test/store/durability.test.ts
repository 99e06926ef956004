import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { createTestDatabase, ENGINES, PG_URL, type TestDatabase } from "./engines.js";
import { newCase, submitted, T0, webhook } from "./fixtures.js";

describe.each(ENGINES)("durability and migrations (%s)", (engine) => {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.destroy();
    db = undefined;
  });

  it("keeps everything across closing the store and opening a new one", async () => {
    db = await createTestDatabase(engine);
    const before = await db.open();
    const c = newCase({ idempotencyKey: "durable", callbackUrl: "https://example.com/hook" });
    await before.cases.insert(c, { events: submitted(c) });
    const claimed = await before.review.claimNext({ reviewer: "alice", leaseMs: 60_000, now: T0 });
    await before.review.recordDecision({
      caseId: c.id,
      reviewer: "alice",
      decisionId: "d-1",
      verdict: "approve",
      output: { pay: 1200 },
      reasonCode: null,
      note: null,
      outbox: webhook(c.id, { createdAt: T0 + 10 }),
      now: T0 + 10,
    });
    await before.identity.insertKey({
      id: "k1",
      name: "bot",
      role: "automation",
      workflows: null,
      tokenHash: "h",
      signingSecret: "s",
      createdAt: T0,
    });
    const detail = await before.cases.detail(c.id);
    await before.close();

    const after = await db.open();
    expect(await after.cases.detail(c.id)).toEqual(detail);
    expect(detail?.events.map((e) => e.type)).toEqual(["submitted", "routed", "claimed", "decided"]);
    expect(detail?.decisions[0]).toMatchObject({ claimedAt: claimed?.case.lease?.claimedAt, heldMs: 10 });
    expect(await after.identity.getKey("k1")).toMatchObject({ tokenHash: "h" });
    expect(await after.outbox.claim({ now: T0 + 10, limit: 10, leaseMs: 1000 })).toHaveLength(1);
    // Idempotency holds across restarts too.
    expect((await after.cases.insert({ ...c, id: "retry" }, { events: [] })).created).toBe(false);
  });

  it("migrates once, however often and however concurrently migrate() is called", async () => {
    db = await createTestDatabase(engine);
    const stores = await Promise.all([1, 2, 3].map(() => db?.open({ migrate: false })));
    // Three "processes" starting at the same moment on an empty database.
    await Promise.all(stores.map((s) => s?.migrate()));
    await stores[0]?.migrate();
    const c = newCase();
    await stores[1]?.cases.insert(c, { events: submitted(c) });
    expect(await stores[2]?.cases.get(c.id)).toMatchObject({ id: c.id });
  });
});

describe("openStore", () => {
  it("creates the SQLite data directory and describes where the data lives", async () => {
    const root = mkdtempSync(join(tmpdir(), "loopgate-open-"));
    const dataDir = join(root, "nested", ".loopgate");
    const store = await openStore({ dataDir });
    try {
      expect(store.engine).toBe("sqlite");
      expect(store.describe()).toBe(`SQLite at ${join(dataDir, "loopgate.db")}`);
      expect(existsSync(join(dataDir, "loopgate.db"))).toBe(true);
    } finally {
      await store.close();
      await store.close(); // closing twice is harmless
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("opens PostgreSQL for a postgres URL and keeps credentials out of describe()", async () => {
    const url = new URL(PG_URL);
    url.password = "s3cret";
    const store = await openStore({ databaseUrl: url.toString(), schema: "t_describe" });
    expect(store.engine).toBe("postgres");
    expect(store.describe()).toMatch(/^PostgreSQL at .*\(schema t_describe\)$/);
    expect(store.describe()).not.toContain("s3cret");
    expect(store.describe()).not.toContain("postgres@");
    await store.close();
  });

  it("refuses a database URL it does not understand, and a schema name it would have to quote", async () => {
    await expect(openStore({ databaseUrl: "mysql://localhost/db" })).rejects.toThrow(/postgres:\/\//);
    await expect(openStore({ databaseUrl: PG_URL, schema: 'x"; drop table cases; --' })).rejects.toThrow(
      /schema name/,
    );
  });
});
