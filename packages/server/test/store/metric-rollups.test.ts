import { join } from "node:path";
import {
  type GovernanceFigures,
  type GroupBy,
  nearestRank,
  QuantileSketch,
  SKETCH_RELATIVE_ERROR,
  type SketchBucket,
  talliedFigures,
  talliedGroups,
} from "@loopgate/core";
import BetterSqlite3 from "better-sqlite3";
import fc from "fast-check";
import pg from "pg";
import { describe, expect, it } from "vitest";
import type { ScannedTallies, Store } from "../../src/store/index.js";
import { ENGINES, PG_URL, type TestDatabase, useTestDatabase } from "./engines.js";
import { type CasePlan, casePlan, DAY, GROUPINGS, play, START, windowArb } from "./rollup-histories.js";

/**
 * The governance rollups (migration 014) against the scan of the base tables they replace: random
 * histories written through the store (submits with shadows, decisions, four-eyes approvals, held
 * decisions revoked and decided again, SLA timeouts, outcomes, audit verdicts), then windows that start
 * and end mid-day, every groupBy. Counts must be equal; percentiles within the sketch's relative error
 * of the exact ones. Reports not grouped by reviewer read the `team` documents, grouped by reviewer the
 * `reviewer` ones, and each `team` document must be its people's `reviewer` documents summed. And a
 * rebuild from the tables (the migrations' backfill) must give back exactly the documents the writes
 * maintained.
 */

describe.each(ENGINES)("governance rollups (%s)", (engine) => {
  const t = useTestDatabase(engine);

  it("equal the scan of the tables for random histories, windows and groupings", {
    timeout: 120_000,
  }, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(casePlan, { minLength: 1, maxLength: 20 }),
        fc.array(windowArb, { minLength: 3, maxLength: 3 }),
        async (plans, windows) => {
          run += 1;
          const workflows = [`wf.${run}.a`, `wf.${run}.b`];
          for (const plan of plans) await play(t.store, workflows, plan);
          for (const w of windows) {
            const since = START + w.since;
            const window = {
              workflows: w.bothWorkflows ? workflows : workflows.slice(0, 1),
              since,
              until: since + w.length,
            };
            for (const groupBy of GROUPINGS) await expectSameFigures(t.store, { ...window, groupBy });
          }
        },
      ),
      { seed: 20261126, numRuns: engine === "sqlite" ? 12 : 6, endOnFailure: true },
    );
    // Every run's workflows together (no workflow filter), over windows that cut days in two.
    for (const [since, until] of [
      [START - DAY, START + 30 * DAY],
      [START + 0.3 * DAY, START + 14.6 * DAY],
      [START + 1.5 * DAY, START + 1.9 * DAY],
    ] as const) {
      for (const groupBy of GROUPINGS) await expectSameFigures(t.store, { since, until, groupBy });
    }
  });

  it("stay equal to the scan when read between the writes that change the days read", {
    timeout: 120_000,
  }, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(casePlan, { minLength: 2, maxLength: 8 }), windowArb, async (plans, w) => {
        run += 1;
        const workflows = [`wf.reread.${run}.a`, `wf.reread.${run}.b`];
        const since = START + w.since;
        const windows = [
          { workflows, since, until: since + w.length },
          { workflows, since: START - DAY, until: START + 30 * DAY },
        ];
        // The next case's decisions, revokes (a document emptied and deleted, then made again) and
        // outcomes change the days just read: a report must never answer from what it read before.
        for (const plan of plans) {
          await play(t.store, workflows, plan);
          for (const window of windows) {
            await expectSameFigures(t.store, window);
            await expectSameFigures(t.store, { ...window, groupBy: "reviewer" });
          }
        }
      }),
      { seed: 20261204, numRuns: engine === "sqlite" ? 4 : 4, endOnFailure: true },
    );
  });

  it("read a document changed in the database by hand, not a copy read before the change", async () => {
    const workflows = ["wf.byhand.a", "wf.byhand.b"];
    for (const reviewer of [0, 1]) await play(t.store, workflows, sameDayDecision(reviewer));
    const window = { workflows, since: START - DAY, until: START + 30 * DAY };
    const before = talliedFigures(await t.store.metrics.governanceTallies(window));
    expect(before.cases).toBe(2);
    const edit = (doc: string) =>
      sqlOn(t.db, "update metric_rollups set doc = $1 where kind = 'submitted' and workflow = $2", [
        doc,
        "wf.byhand.a",
      ]);
    const stored = (await readRollups(t.db)).find(
      (r) => r.kind === "submitted" && r.workflow === "wf.byhand.a",
    );
    // An operator's repair in SQL that leaves `version` as it was: one case of the two taken out…
    await edit(JSON.stringify({ routes: [["review", 1]] }));
    const after = talliedFigures(await t.store.metrics.governanceTallies(window));
    expect(after.cases).toBe(1);
    expect(after.decisions).toBe(before.decisions);
    // …and put back (so the rebuild below still matches what the writes kept).
    await edit(JSON.stringify(stored?.doc));
    expect(talliedFigures(await t.store.metrics.governanceTallies(window))).toEqual(before);
  });

  it("hold in each team document every person's decisions of its workflow, day and risk class", async () => {
    // Besides the random histories above: four people deciding cases of one workflow, day and class.
    const workflows = ["wf.team.a", "wf.team.b"];
    for (const reviewer of [0, 1, 2, 3]) await play(t.store, workflows, sameDayDecision(reviewer));
    const rows = await readRollups(t.db);
    const team = rows.filter((r) => r.kind === "team").sort(byKey);
    expect(team).toEqual(reviewersSummed(rows));
    const shared = team.find((r) => r.workflow === "wf.team.a");
    expect(shared?.doc.verdicts).toEqual([
      ["low", "approve", null, 1],
      ["low", "edit", "duplicate", 1],
      ["low", "override", "duplicate", 1],
      ["low", "reject", "duplicate", 1],
    ]);
  });

  it("are rebuilt from the tables exactly as the writes kept them (the migration's backfill)", async () => {
    const before = await readRollups(t.db);
    expect(before.length).toBeGreaterThan(0);
    const rebuilt = await t.store.metrics.rebuildRollups();
    expect(rebuilt.documents).toBe(before.length);
    expect(await readRollups(t.db)).toEqual(before);
  });
});

/** The figures of a window from the rollups equal those of the scan (percentiles within the sketch's error). */
async function expectSameFigures(
  store: Store,
  w: { workflows?: string[]; since: number; until: number; groupBy?: GroupBy },
): Promise<void> {
  const [fromRollups, scanned, ratings, scannedRatings] = await Promise.all([
    store.metrics.governanceTallies(w),
    store.metrics.scannedTallies(w),
    store.metrics.overlapRatings(w),
    store.oversight.overlapRatings(w),
  ]);
  const context = JSON.stringify({ ...w, since: new Date(w.since), until: new Date(w.until) });
  expect(ratings, context).toEqual(scannedRatings);
  if (w.groupBy === "reviewer") {
    // The report's one read for both: the whole window's tallies besides the reviewers'.
    const both = await store.metrics.reportTallies(w);
    const whole = await store.metrics.governanceTallies({ ...w, groupBy: undefined });
    expect(talliedFigures(both.tallies), context).toEqual(talliedFigures(whole));
    expect(talliedGroups(both.byReviewer ?? both.tallies, "reviewer"), context).toEqual(
      talliedGroups(fromRollups, "reviewer"),
    );
  }
  const sketched = {
    ...scanned,
    resolutionMs: new Map([...scanned.resolutionMs].map(([k, v]) => [k, QuantileSketch.of(v)])),
  };
  const expected = w.groupBy
    ? talliedGroups(sketched, w.groupBy).map((g) => ({
        key: g.key,
        figures: exact(g.figures, scanned, [g.key]),
      }))
    : [{ key: "", figures: exact(talliedFigures(sketched), scanned) }];
  const actual = w.groupBy
    ? talliedGroups(fromRollups, w.groupBy)
    : [{ key: "", figures: talliedFigures(fromRollups) }];
  expect(
    actual.map((g) => g.key),
    context,
  ).toEqual(expected.map((g) => g.key));
  for (const [i, e] of expected.entries()) {
    const a = actual[i] as (typeof actual)[number];
    const { resolutionSeconds: aSeconds, ...aCounts } = a.figures;
    const { resolutionSeconds: eSeconds, ...eCounts } = e.figures;
    expect(aCounts, `${context} ${e.key}`).toEqual(eCounts);
    for (const p of ["p50", "p90", "p99"] as const) {
      const [got, want] = [aSeconds[p], eSeconds[p]];
      const close =
        got === want ||
        (got !== null &&
          want !== null &&
          Math.abs(got - want) <= SKETCH_RELATIVE_ERROR * Math.abs(want) * (1 + 1e-9));
      expect(close, `${context} ${e.key} ${p}: ${got} vs exact ${want}`).toBe(true);
    }
  }
}

/** Figures with the exact nearest-rank percentiles of the scanned times (of `keys`, or every key). */
function exact(f: GovernanceFigures, scanned: ScannedTallies, keys?: string[]): GovernanceFigures {
  const ms = [...scanned.resolutionMs].filter(([k]) => !keys || keys.includes(k)).flatMap(([, v]) => v);
  const sorted = ms.sort((a, b) => a - b);
  const s = (p: number) => {
    const v = nearestRank(sorted, p);
    return v === null ? null : v / 1000;
  };
  return { ...f, resolutionSeconds: { p50: s(50), p90: s(90), p99: s(99) } };
}

type RollupRow = { kind: string; day: number; workflow: string; part: string; doc: Record<string, unknown> };

/**
 * The `reviewer` documents added up by workflow, day and risk class, as the `team` documents should hold
 * them (each person's other times, `resolution`, left out), in readRollups' form.
 */
function reviewersSummed(rows: RollupRow[]): RollupRow[] {
  type Sum = { verdicts: Map<string, number>; resolved: QuantileSketch };
  const sums = new Map<string, Sum>();
  const sumOf = (r: RollupRow, riskClass: string): Sum => {
    const id = JSON.stringify([r.day, r.workflow, riskClass]);
    const sum = sums.get(id) ?? { verdicts: new Map(), resolved: new QuantileSketch() };
    sums.set(id, sum);
    return sum;
  };
  for (const r of rows.filter((row) => row.kind === "reviewer")) {
    for (const row of (r.doc.verdicts ?? []) as [string, string, string | null, number][]) {
      const { verdicts } = sumOf(r, row[0]);
      const names = JSON.stringify(row.slice(0, -1));
      verdicts.set(names, (verdicts.get(names) ?? 0) + row[3]);
    }
    for (const [riskClass, buckets] of Object.entries(
      (r.doc.resolved ?? {}) as Record<string, SketchBucket[]>,
    ))
      sumOf(r, riskClass).resolved.addBuckets(buckets);
  }
  return [...sums]
    .map(([id, sum]) => {
      const [day, workflow, part] = JSON.parse(id) as [number, string, string];
      const verdicts = [...sum.verdicts].filter(([, n]) => n !== 0).map(([k, n]) => [...JSON.parse(k), n]);
      const doc = {
        ...(verdicts.length > 0 && { verdicts }),
        ...(sum.resolved.count !== 0 && { resolved: { [part]: sum.resolved.toJSON() } }),
      };
      return { kind: "team", day, workflow, part, doc: normalised(doc) };
    })
    .filter((r) => Object.keys(r.doc).length > 0)
    .sort(byKey);
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byKey = (a: RollupRow, b: RollupRow) =>
  a.day - b.day || compare(a.workflow, b.workflow) || compare(a.part, b.part);

/** A case of `wf.team.a` submitted on the history's first day and decided by `usr_<reviewer>` within the hour. */
function sameDayDecision(reviewer: number): CasePlan {
  const verdict = (["approve", "edit", "reject", "override"] as const)[reviewer] ?? "approve";
  return {
    workflow: 0,
    riskClass: "low",
    route: "review",
    triggers: [],
    at: reviewer * 60_000,
    autoHold: undefined,
    shadow: null,
    steps: [
      {
        kind: "decide",
        reviewer,
        verdict,
        reason: verdict === "approve" ? null : "duplicate",
        after: 60_000,
        hold: undefined,
        fourEyes: false,
      },
    ],
    realSteps: [],
  };
}

/** Every rollup row, documents re-serialised in a stable order, straight from the database. */
/** One statement on the test database, around the store (`$1`, `$2`… in order; SQLite gets `?`). */
async function sqlOn(db: TestDatabase, text: string, params: unknown[]): Promise<void> {
  if (db.engine === "sqlite") {
    const sqlite = new BetterSqlite3(join(db.location.dataDir, "loopgate.db"));
    sqlite.prepare(text.replace(/\$\d+/g, "?")).run(...params);
    sqlite.close();
    return;
  }
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`set search_path to "${db.location.schema}"`);
  await client.query(text, params);
  await client.end();
}

async function readRollups(db: TestDatabase): Promise<RollupRow[]> {
  const query =
    "select kind, day, workflow, part, doc from metric_rollups order by kind, day, workflow, part";
  let rows: (Omit<RollupRow, "doc"> & { doc: string })[];
  if (db.engine === "sqlite") {
    const sqlite = new BetterSqlite3(join(db.location.dataDir, "loopgate.db"), { readonly: true });
    rows = sqlite.prepare(query).all() as typeof rows;
    sqlite.close();
  } else {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`set search_path to "${db.location.schema}"`);
    rows = (await client.query(query)).rows;
    await client.end();
  }
  return rows.map((r) => ({ ...r, day: Number(r.day), doc: normalised(JSON.parse(r.doc)) }));
}

/**
 * A document with its sections' rows (and `resolved`'s risk classes) sorted, each row as it is, so equal
 * counts compare equal whatever order they were written in.
 */
function normalised(doc: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(doc)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => [
        k,
        Array.isArray(v)
          ? [...v].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))
          : normalised(v as Record<string, unknown>),
      ]),
  );
}
