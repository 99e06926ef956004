import { randomUUID } from "node:crypto";
import { join } from "node:path";
import {
  type GovernanceFigures,
  type GroupBy,
  nearestRank,
  QuantileSketch,
  SKETCH_RELATIVE_ERROR,
  talliedFigures,
  talliedGroups,
} from "@loopgate/core";
import BetterSqlite3 from "better-sqlite3";
import fc from "fast-check";
import pg from "pg";
import { describe, expect, it } from "vitest";
import type { ScannedTallies, Store } from "../../src/store/index.js";
import { ENGINES, PG_URL, type TestDatabase, useTestDatabase } from "./engines.js";
import { newCase } from "./fixtures.js";

/**
 * The governance rollups (migration 014) against the scan of the base tables they replace: random
 * histories written through the store (submits with shadows, decisions, four-eyes approvals, held
 * decisions revoked and decided again, SLA timeouts, outcomes, audit verdicts), then windows that start
 * and end mid-day, every groupBy. Counts must be equal; percentiles within the sketch's relative error
 * of the exact ones. And a rebuild from the tables (the migration's backfill) must give back exactly the
 * documents the writes maintained.
 */

const DAY = 86_400_000;
/** Midnight UTC, so days are easy to read in a failure; every history starts somewhere in the next day. */
const START = Date.parse("2026-03-01T00:00:00Z");
const GROUPINGS: (GroupBy | undefined)[] = [undefined, "riskClass", "day", "reviewer"];
const VERDICTS = ["approve", "edit", "reject", "override"] as const;

const step = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("decide" as const),
      reviewer: fc.integer({ min: 0, max: 3 }),
      verdict: fc.constantFrom(...VERDICTS),
      reason: fc.constantFrom(null, "wrong_amount", "duplicate"),
      after: fc.integer({ min: 0, max: 2 * DAY }),
      /** Held this long in a release window (then a revoke can take it back). */
      hold: fc.option(fc.integer({ min: 60_000, max: DAY }), { nil: undefined, freq: 2 }),
      fourEyes: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("revoke" as const),
      after: fc.integer({ min: 0, max: DAY / 24 }),
    }),
  },
  fc.record({
    kind: fc.constant("timeout" as const),
    after: fc.integer({ min: 0, max: 2 * DAY }),
    verdict: fc.constantFrom("approve", "reject", "escalate"),
  }),
  fc.record({
    kind: fc.constant("outcome" as const),
    after: fc.integer({ min: 0, max: DAY }),
    result: fc.constantFrom("correct" as const, "incorrect" as const),
    // Reported as of some time, not necessarily now: ties and out-of-order reports happen.
    reportedShift: fc.integer({ min: -DAY, max: DAY }),
  }),
  fc.record({
    kind: fc.constant("audit" as const),
    after: fc.integer({ min: 0, max: DAY }),
    result: fc.constantFrom("correct" as const, "incorrect" as const),
  }),
);
type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;

const casePlan = fc.record({
  workflow: fc.integer({ min: 0, max: 1 }),
  riskClass: fc.constantFrom("low", "medium", "high"),
  route: fc.constantFrom("auto", "review", "review", "human_only"),
  triggers: fc.subarray(["flagged", "rush", "new_supplier"]),
  // Over more days than the rebuild reads at a time (14).
  at: fc.integer({ min: 0, max: 20 * DAY }),
  /** Held auto decisions can be revoked too. */
  autoHold: fc.option(fc.integer({ min: 60_000, max: DAY }), { nil: undefined }),
  /** The steps happen to a shadow submitted with the case (catch trial or overlap copy): they count nowhere. */
  shadow: fc.constantFrom(null, null, null, "gold", "overlap"),
  steps: fc.array(step, { maxLength: 5 }),
  /** With a shadow, what happens to the real case meanwhile (an overlap group is rated on both). */
  realSteps: fc.array(step, { maxLength: 3 }),
});
type CasePlan = typeof casePlan extends fc.Arbitrary<infer P> ? P : never;

/** A window: start and length in ms from START (mostly mid-day; sometimes on a midnight). */
const windowArb = fc.record({
  since: fc.oneof(
    fc.integer({ min: -DAY, max: 20 * DAY }),
    fc.integer({ min: -1, max: 20 }).map((d) => d * DAY),
  ),
  length: fc.oneof(
    fc.integer({ min: 1, max: 10 * DAY }),
    fc.integer({ min: 1, max: 10 }).map((d) => d * DAY),
  ),
  bothWorkflows: fc.boolean(),
});

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

/** Submits one case (and its shadow), then tries each step on the case the steps are for. */
async function play(store: Store, workflows: string[], plan: CasePlan): Promise<void> {
  let now = START + DAY + plan.at;
  const workflow = workflows[plan.workflow] as string;
  const real = newCase({
    workflow,
    route: plan.route as "auto" | "review" | "human_only",
    status: plan.route === "auto" ? "decided" : "queued",
    riskClass: plan.riskClass,
    createdAt: now,
    explanation: { ...newCase().explanation, triggers: plan.triggers },
  });
  const shadow =
    plan.shadow === null
      ? undefined
      : newCase({
          workflow,
          riskClass: plan.riskClass,
          createdAt: now,
          ...(plan.shadow === "gold" ? { goldId: `gold_${randomUUID()}` } : { overlapOf: real.id }),
        });
  const target = shadow ?? real;
  const timerId = `tmr_${randomUUID()}`;
  const timer = { id: timerId, caseId: target.id, kind: "sla_timeout" as const, dueAt: now + DAY };
  await store.cases.insert(real, {
    events: [],
    ...(plan.route === "auto" && {
      decision: policyDecision(now),
      ...(plan.autoHold !== undefined && { releaseAt: now + plan.autoHold }),
    }),
    timers: shadow ? [] : [timer],
    shadows: shadow ? [{ case: shadow, events: [], timers: [timer] }] : [],
  });
  const steps = [
    ...plan.steps.map((s) => ({ s, caseId: target.id })),
    ...(shadow ? plan.realSteps.map((s) => ({ s, caseId: real.id })) : []),
  ];
  const audited = new Set<string>();
  for (const { s, caseId } of steps) {
    now += s.after + 1;
    // A case is drawn for audit once (the draw leaves audited cases out).
    if (s.kind === "audit" && audited.has(caseId)) continue;
    if (s.kind === "audit") audited.add(caseId);
    await tryStep(store, workflow, caseId, caseId === target.id ? timerId : "", s, now);
  }
}

/** A step the case's state does not allow (deciding a decided case, revoking a released one) is skipped. */
async function tryStep(
  store: Store,
  workflow: string,
  caseId: string,
  timerId: string,
  s: Step,
  now: number,
) {
  try {
    switch (s.kind) {
      case "decide": {
        const reviewer = `usr_${s.reviewer}`;
        const claimed = await store.review.claimNext({
          reviewer,
          workflows: [workflow],
          leaseMs: 10 * DAY,
          now,
          eligible: (c) => c.id === caseId,
        });
        if (!claimed) return;
        await store.review.recordDecision({
          caseId,
          reviewer,
          decisionId: `dec_${randomUUID()}`,
          verdict: s.verdict,
          output: { pay: 1 },
          reasonCode: s.reason,
          note: null,
          now: now + 1000,
          ...(s.hold !== undefined && { releaseAt: now + 1000 + s.hold }),
          ...(s.fourEyes && s.verdict !== "reject" && { pendingApprovals: { count: 1, needed: 2 } }),
        });
        return;
      }
      case "revoke":
        await store.review.revoke({ caseId, actor: "usr_owner", reason: "second thoughts", now });
        return;
      case "timeout":
        await store.timers.fire({
          timerId,
          now,
          effect: (c) =>
            c.status === "decided"
              ? null
              : s.verdict === "escalate"
                ? { case: { escalatedTo: "supervisor" }, events: [] }
                : {
                    case: { status: "decided", decidedAt: now, clearLease: true },
                    decision: {
                      ...policyDecision(now),
                      decidedBy: "sla",
                      verdict: s.verdict as "approve" | "reject",
                    },
                    events: [],
                  },
        });
        return;
      case "outcome":
        await store.oversight.insertOutcome({
          id: `out_${randomUUID()}`,
          caseId,
          result: s.result,
          details: null,
          reportedBy: "key_automation",
          reportedAt: now + s.reportedShift,
          now,
        });
        return;
      case "audit": {
        const drawId = `draw_${randomUUID()}`;
        const auditId = `aud_${randomUUID()}`;
        await store.oversight.insertAuditDraw({
          id: drawId,
          workflow,
          seed: "s",
          rate: 0.1,
          meanWeight: 1,
          fastBelowMs: null,
          since: 0,
          until: now,
          population: 1,
          drawnBy: "usr_owner",
          drawnAt: now,
          audits: [{ id: auditId, caseId, probability: 0.1, weight: 10 }],
        });
        await store.oversight.recordAuditVerdict({
          id: auditId,
          caseId,
          result: s.result,
          note: null,
          auditor: "usr_auditor",
          at: now,
        });
        return;
      }
    }
  } catch (error) {
    if ((error as Error).name !== "Conflict") throw error;
  }
}

function policyDecision(now: number) {
  return {
    id: `dec_${randomUUID()}`,
    decidedBy: "policy",
    verdict: "approve" as const,
    output: { pay: 1 },
    reasonCode: null,
    note: null,
    claimedAt: null,
    decidedAt: now,
    heldMs: null,
  };
}

/** Every rollup row, documents re-serialised in a stable order, straight from the database. */
async function readRollups(db: TestDatabase): Promise<unknown[]> {
  const query =
    "select kind, day, workflow, part, doc from metric_rollups order by kind, day, workflow, part";
  let rows: { kind: string; day: number; workflow: string; part: string; doc: string }[];
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
