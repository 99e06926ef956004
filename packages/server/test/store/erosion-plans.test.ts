import { CompiledQuery } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoreEngine } from "../../src/store/engine.js";
import { judgmentsPage } from "../../src/store/metrics/erosion-reads.js";
import { openPostgres } from "../../src/store/postgres.js";
import { openSqlite } from "../../src/store/sqlite.js";
import { createTestDatabase, ENGINES, PG_URL, type TestDatabase } from "./engines.js";
import { newCase, submitted, T0 } from "./fixtures.js";

/**
 * The erosion figures read the blind judgments of a window through migration 023's partial index, so
 * their cost follows the judgments and not the event log: at depth (a long log of other events, a few
 * judgments), every page's plan reads the events through `events_blind_judgments`, never a scan of
 * the events, on statistics taken on empty tables and on fresh ones.
 */
const OTHER_EVENTS = Number(process.env.LOOPGATE_PLAN_DEPTH ?? 200_000);
/** More than two pages of 1000, so the keyset paging is exercised too. */
const JUDGMENTS = 2500;

describe.each(ENGINES)("the erosion read at depth (%s)", (engineName) => {
  let db: TestDatabase;
  let engine: StoreEngine;
  const plans: { stale: string[]; fresh: string[] } = { stale: [], fresh: [] };
  const window = { workflows: ["wf.e"], since: T0, until: T0 + 20 * OTHER_EVENTS };

  async function explain(first: boolean): Promise<string> {
    const q = judgmentsPage(engine.db, window, first ? null : { at: T0 + 5 * OTHER_EVENTS, seq: 1 });
    const { sql, parameters } = q.compile();
    const run = (prefix: string) =>
      engine.db.executeQuery(CompiledQuery.raw(`${prefix} ${sql}`, [...parameters]));
    if (engineName === "sqlite") {
      return ((await run("explain query plan")).rows as { detail: string }[]).map((r) => r.detail).join("\n");
    }
    return JSON.stringify((await run("explain (format json)")).rows);
  }

  beforeAll(async () => {
    db = await createTestDatabase(engineName);
    const store = await db.open();
    engine =
      engineName === "sqlite"
        ? await openSqlite(db.location.dataDir)
        : await openPostgres(PG_URL, db.location.schema, false);
    const run = (q: string) => engine.db.executeQuery(CompiledQuery.raw(q));
    const c = newCase({ id: "case_deep", workflow: "wf.e" });
    await store.cases.insert(c, { events: submitted(c) });
    if (engineName === "postgres") {
      await run("alter table events set (autovacuum_enabled = false)");
      await run("analyze events");
    }
    const series = (count: number) =>
      engineName === "postgres"
        ? `generate_series(1, ${count}) as s(n)`
        : `(with recursive s(n) as (select 1 union all select n + 1 from s where n < ${count}) select n from s)`;
    await run(
      `insert into events (type, case_id, actor, data, at)
       select 'claimed', 'case_deep', 'key_r', '{}', ${T0} + n * 10 from ${series(OTHER_EVENTS)}`,
    );
    const every = Math.floor(OTHER_EVENTS / JUDGMENTS);
    await run(
      `insert into events (type, case_id, actor, data, at)
       select 'blind_judgment', 'case_deep', 'key_r', '{"verdict":"reject","output":null}', ${T0} + n * ${every * 10} + 5
       from ${series(JUDGMENTS)}`,
    );
    plans.stale = [await explain(true), await explain(false)];
    // This schema's tables only: a bare ANALYZE takes every schema of the database, other test files' too,
    // whose "stale" statistics must stay stale (claim-plans.test.ts).
    await run(engineName === "postgres" ? "analyze events, cases" : "analyze");
    plans.fresh = [await explain(true), await explain(false)];
    await store.close();
  }, 600_000);

  afterAll(async () => {
    await engine?.db.destroy();
    await db?.destroy();
  });

  it.each(["stale", "fresh"] as const)("reads the judgments through their index (%s statistics)", (when) => {
    for (const plan of plans[when]) {
      expect(plan).toContain("events_blind_judgments");
      if (engineName === "sqlite") {
        expect(plan).not.toMatch(/^SCAN e\b/m);
      } else {
        expect(plan).not.toMatch(/Seq Scan[^}]*"Relation Name":"events"/);
      }
    }
  });

  it("counts the judgments of the window, page after page", async () => {
    const store = await db.open();
    const counts = await store.metrics.erosionCounts(window);
    expect(counts).toEqual([
      { workflow: "wf.e", reviewer: "key_r", matchedModel: false, afterReveal: null, count: JUDGMENTS },
    ]);
  });
});
