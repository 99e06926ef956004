import {
  approvalOf,
  type GovernanceTallies,
  type GroupBy,
  type OutcomeResult,
  type ReportedCount,
  type RouteCount,
  SYSTEM_DECIDERS,
  type TriggerCount,
  utcDay,
  type VerdictCount,
} from "@loopgate/core";
import { type RawBuilder, sql } from "kysely";
import { auditVerdicts } from "../oversight/audits.js";
import type { Db } from "../rows.js";

/**
 * The governance tallies counted from the base tables: what the rollups (rollup-docs.ts) hold for whole
 * days, counted here for the partial days at a window's edges, and the reference the rollups are tested
 * against (test/store/metric-rollups.test.ts). The figures are computed by `@loopgate/core`.
 *
 * Scaling: counts are GROUP BYs over the covering, partial indexes of migration 010, so a window costs
 * an index range scan, not a read of its cases. What is read row by row is what must be: one resolution
 * time per decided case (exact, in milliseconds), the explanation of the cases that fired a trigger
 * (JSON, parsed here so both engines share one query), and the decisions of the cases with an outcome or
 * an audit verdict. Cheap for the hours at a window's edges; over 90 days of a busy workflow it takes
 * seconds, which is why whole days come from the rollups.
 *
 * Shadow cases (catch trials and overlap copies, migration 008) count nowhere: every query keeps
 * `REAL_CASE`, the predicate the indexes of migration 010 are partial on.
 */

export interface GovernanceWindow {
  /** Only these workflows (all when undefined; none when empty). */
  workflows?: string[];
  /** [since, until), epoch ms. */
  since: number;
  until: number;
}

const DAY_MS = 86_400_000;

/** The tallies with the resolution times themselves (milliseconds) instead of their sketches. */
export type ScannedTallies = Omit<GovernanceTallies, "resolutionMs"> & {
  resolutionMs: Map<string, number[]>;
};

/**
 * Not a catch trial nor an overlap copy. One coalesce rather than `gold_id is null and overlap_of is
 * null`: without statistics, SQLite reads `overlap_of is null` as a selective look-up in migration
 * 008's index on that column, which holds every real case, and walks the whole table through it. The
 * same expression is the predicate of the partial indexes of migration 010, so they serve the query.
 */
export const REAL_CASE = sql<boolean>`coalesce(${sql.ref("c.gold_id")}, ${sql.ref("c.overlap_of")}) is null`;

/**
 * The UTC day number of an epoch-ms column: bigint / integer is integer division on both engines. The
 * constant is written into the SQL, not bound: PostgreSQL matches a grouped select expression to its
 * GROUP BY by text, and two parameters are two different expressions.
 */
const dayOf = (column: string): RawBuilder<number> => sql<number>`${sql.ref(column)} / 86400000`;

/** What an ungrouped query selects as its key: a constant, never in a GROUP BY (PostgreSQL refuses one). */
const NO_KEY = sql<string>`''`;

/**
 * A fired trigger leaves `"triggers":[...]` non-empty in the stored explanation (JSON.stringify, no
 * spaces). Only those rows are read; the partial index `cases_metrics_triggered` holds just them.
 */
const FIRED_TRIGGERS = sql<boolean>`c.explanation not like '%"triggers":[]%'`;

export function triggersOf(explanation: string): string[] {
  try {
    const parsed = JSON.parse(explanation) as { triggers?: unknown };
    return Array.isArray(parsed.triggers) ? parsed.triggers.filter((t) => typeof t === "string") : [];
  } catch {
    return [];
  }
}

/**
 * The tallies of [since, until), keyed by `groupBy` (every key "" without one): submitted cases by
 * submit time, resolved cases by decision time, human decisions by decision time. By reviewer: the
 * decisions and approvals of each person, without routes nor triggers.
 */
export async function scanTallies(
  db: Db,
  w: GovernanceWindow & { groupBy?: GroupBy },
): Promise<ScannedTallies> {
  const { workflows, groupBy } = w;
  if (workflows?.length === 0 || w.since >= w.until) {
    return { routes: [], triggers: [], verdicts: [], resolutionMs: new Map(), reported: [] };
  }
  const keyOf = (k: unknown): string => (groupBy === "day" ? utcDay(Number(k) * DAY_MS) : String(k));
  if (groupBy === "reviewer") {
    const [decisions, reported] = await Promise.all([reviewerDecisions(db, w), reportedCounts(db, w, keyOf)]);
    return { routes: [], triggers: [], ...decisions, reported };
  }
  const [routes, triggers, verdicts, resolutionMs, reported] = await Promise.all([
    routeCounts(db, w, keyOf),
    triggerCounts(db, w, keyOf),
    verdictCounts(db, w, keyOf),
    resolutionTimes(db, w, keyOf),
    reportedCounts(db, w, keyOf),
  ]);
  return { routes, triggers, verdicts, resolutionMs, reported };
}

/**
 * By reviewer, the resolution times are one per human decision, so those rows are read anyway: the
 * verdicts are counted from the same read rather than joined to the cases a second time.
 */
async function reviewerDecisions(
  db: Db,
  w: TallyQuery,
): Promise<Pick<ScannedTallies, "verdicts" | "resolutionMs">> {
  const rows = await humanDecisions(db, w)
    .select([
      "d.decided_by",
      "d.verdict",
      "d.reason_code",
      sql<number>`${sql.ref("d.decided_at")} - ${sql.ref("c.created_at")}`.as("ms"),
    ])
    .execute();
  const verdicts = new Map<string, VerdictCount>();
  const resolutionMs = new Map<string, number[]>();
  for (const r of rows) {
    // A separator no id or code holds, and a marker for no reason code: cheaper than JSON per row.
    const id = `${r.decided_by}\u0000${r.verdict}\u0000${r.reason_code ?? "\u0001"}`;
    const seen = verdicts.get(id);
    if (seen) seen.count += 1;
    else verdicts.set(id, { key: r.decided_by, verdict: r.verdict, reasonCode: r.reason_code, count: 1 });
    const list = resolutionMs.get(r.decided_by);
    if (list) list.push(Number(r.ms));
    else resolutionMs.set(r.decided_by, [Number(r.ms)]);
  }
  return { verdicts: [...verdicts.values()], resolutionMs };
}

type KeyOf = (k: unknown) => string;
type TallyQuery = GovernanceWindow & { groupBy?: GroupBy };

/** The key of a case by its risk class or a day column, for the groupings other than reviewer. */
function caseKey(groupBy: GroupBy | undefined, dayColumn: string): RawBuilder<string | number> {
  if (groupBy === "riskClass") return sql<string>`${sql.ref("c.risk_class")}`;
  if (groupBy === "day") return dayOf(dayColumn);
  return NO_KEY;
}

async function routeCounts(db: Db, w: TallyQuery, keyOf: KeyOf): Promise<RouteCount[]> {
  const key = caseKey(w.groupBy, "c.created_at");
  let q = db
    .selectFrom("cases as c")
    .select([key.as("k"), "c.route", (eb) => eb.fn.countAll<number>().as("n")])
    .where("c.created_at", ">=", w.since)
    .where("c.created_at", "<", w.until)
    .where(REAL_CASE)
    .groupBy("c.route")
    .$if(w.groupBy !== undefined, (qb) => qb.groupBy(key));
  if (w.workflows) q = q.where("c.workflow", "in", w.workflows);
  const rows = await q.execute();
  return rows.map((r) => ({ key: keyOf(r.k), route: r.route, count: Number(r.n) }));
}

async function triggerCounts(db: Db, w: TallyQuery, keyOf: KeyOf): Promise<TriggerCount[]> {
  let q = db
    .selectFrom("cases as c")
    .select([caseKey(w.groupBy, "c.created_at").as("k"), "c.explanation"])
    .where("c.created_at", ">=", w.since)
    .where("c.created_at", "<", w.until)
    .where(REAL_CASE)
    .where(FIRED_TRIGGERS);
  if (w.workflows) q = q.where("c.workflow", "in", w.workflows);
  const counts = new Map<string, TriggerCount>();
  for (const r of await q.execute()) {
    const key = keyOf(r.k);
    for (const trigger of triggersOf(r.explanation)) {
      const id = JSON.stringify([key, trigger]);
      const seen = counts.get(id);
      if (seen) seen.count += 1;
      else counts.set(id, { key, trigger, count: 1 });
    }
  }
  return [...counts.values()];
}

/** Human decisions of the window (not the policy nor an SLA default; not revoked), on real cases. */
function humanDecisions(db: Db, w: TallyQuery) {
  let q = db
    .selectFrom("decisions as d")
    .innerJoin("cases as c", "c.id", "d.case_id")
    .where("d.decided_at", ">=", w.since)
    .where("d.decided_at", "<", w.until)
    .where("d.decided_by", "not in", SYSTEM_DECIDERS)
    .where("d.revoked_at", "is", null)
    .where(REAL_CASE);
  if (w.workflows) q = q.where("c.workflow", "in", w.workflows);
  return q;
}

async function verdictCounts(db: Db, w: TallyQuery, keyOf: KeyOf): Promise<VerdictCount[]> {
  const key = caseKey(w.groupBy, "d.decided_at");
  const rows = await humanDecisions(db, w)
    .select([key.as("k"), "d.verdict", "d.reason_code", (eb) => eb.fn.countAll<number>().as("n")])
    .groupBy(["d.verdict", "d.reason_code"])
    .$if(w.groupBy !== undefined, (qb) => qb.groupBy(key))
    .execute();
  return rows.map((r) => ({
    key: keyOf(r.k),
    verdict: r.verdict,
    reasonCode: r.reason_code,
    count: Number(r.n),
  }));
}

/** Resolution times in ms by key: submit to decision of each case decided in the window. */
async function resolutionTimes(db: Db, w: TallyQuery, keyOf: KeyOf): Promise<Map<string, number[]>> {
  let q = db
    .selectFrom("cases as c")
    .select([
      caseKey(w.groupBy, "c.decided_at").as("k"),
      sql<number>`${sql.ref("c.decided_at")} - ${sql.ref("c.created_at")}`.as("ms"),
    ])
    .where("c.decided_at", ">=", w.since)
    .where("c.decided_at", "<", w.until)
    .where(REAL_CASE);
  if (w.workflows) q = q.where("c.workflow", "in", w.workflows);
  const rows = await q.execute();
  const out = new Map<string, number[]>();
  let lastK: unknown;
  let list: number[] = [];
  for (const r of rows) {
    // Runs of one key are the rule (ungrouped: one run), so the key is converted once per run.
    if (r.k !== lastK || out.size === 0) {
      lastK = r.k;
      const key = keyOf(r.k);
      list = out.get(key) ?? [];
      out.set(key, list);
    }
    list.push(Number(r.ms));
  }
  return out;
}

/**
 * The approved cases decided in the window that have an outcome or an audit verdict, counted by key,
 * who approved them and the outcome that counts. Who approved: the case's final decision (the latest
 * not revoked, ties by id). The outcome: the latest reported one (greatest `reported_at`, ties by id),
 * unless an audit verdict is at least as recent. Only cases with an outcome or a verdict are read.
 */
async function reportedCounts(db: Db, w: TallyQuery, keyOf: KeyOf): Promise<ReportedCount[]> {
  const key = caseKey(w.groupBy === "reviewer" ? undefined : w.groupBy, "c.decided_at");
  // Each decision in force of a case with an outcome or a verdict, once per outcome of the case: the
  // outcome or audit look-ups drive the query, so a window's other cases are never visited.
  let q = db
    .selectFrom("decisions as d")
    .innerJoin("cases as c", "c.id", "d.case_id")
    .leftJoin("outcomes as o", "o.case_id", "c.id")
    .select([
      key.as("k"),
      "d.case_id",
      "d.id",
      "d.decided_by",
      "d.verdict",
      "d.decided_at",
      "o.id as o_id",
      "o.result",
      "o.reported_at",
    ])
    .where("c.decided_at", ">=", w.since)
    .where("c.decided_at", "<", w.until)
    .where(REAL_CASE)
    .where("d.revoked_at", "is", null)
    .where((eb) =>
      eb.or([
        eb("c.id", "in", eb.selectFrom("outcomes").select("case_id")),
        eb("c.id", "in", eb.selectFrom("audits").select("case_id").where("status", "=", "done")),
      ]),
    );
  if (w.workflows) q = q.where("c.workflow", "in", w.workflows);
  const [rows, verdicts] = await Promise.all([q.execute(), auditVerdicts(db, w)]);
  type Row = (typeof rows)[number];
  const final = new Map<string, Row>();
  const latest = new Map<string, { id: string; result: string; at: number }>();
  for (const r of rows) {
    const prev = final.get(r.case_id);
    const at = Number(r.decided_at);
    if (!prev || at > Number(prev.decided_at) || (at === Number(prev.decided_at) && r.id > prev.id)) {
      final.set(r.case_id, r);
    }
    if (r.o_id === null || r.result === null || r.reported_at === null) continue;
    const o = latest.get(r.case_id);
    const oAt = Number(r.reported_at);
    if (!o || oAt > o.at || (oAt === o.at && r.o_id > o.id)) {
      latest.set(r.case_id, { id: r.o_id, result: r.result, at: oAt });
    }
  }
  const counts = new Map<string, ReportedCount>();
  for (const [caseId, d] of final) {
    const approval = approvalOf({ decidedBy: d.decided_by, verdict: d.verdict });
    if (!approval || (w.groupBy === "reviewer" && approval !== "human")) continue;
    const o = latest.get(caseId);
    const audit = verdicts.get(caseId);
    const outcome =
      audit && (!o || audit.at >= o.at) ? audit.result : (o?.result as OutcomeResult | undefined);
    if (!outcome) continue;
    const k = w.groupBy === "reviewer" ? d.decided_by : keyOf(d.k);
    const id = JSON.stringify([k, approval, outcome]);
    const seen = counts.get(id);
    if (seen) seen.count += 1;
    else counts.set(id, { key: k, approval, outcome, count: 1 });
  }
  return [...counts.values()];
}
