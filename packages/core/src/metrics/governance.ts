/**
 * Governance metrics (issue 5, item 1): how often the loop escalates, how often people correct the
 * machine, how long a case waits for its decision, and which exceptions recur. Pure functions over the
 * window's tallies (`GovernanceTallies`: counts by group, and a sketch of the resolution times): the
 * store keeps them in rollups per day, `tallyRows` counts plain rows the same way, and the server turns
 * the figures into JSON.
 *
 * Definitions (also in docs/api.md):
 * - escalationRate = cases routed `review` or `human_only` / cases submitted in the window.
 * - overrideRate = (edit + reject + override + respond + request_changes) / human decisions in the
 *   window (governance-types.ts `OVERRIDE_VERDICTS` says why respond and request_changes count). Human
 *   means decided by a person: not `policy` (auto route) nor `sla` (timeout default); revoked decisions do not count.
 * - resolutionSeconds = nearest-rank percentiles of decidedAt − createdAt over cases decided in the window,
 *   from a sketch (sketch.ts): each within `SKETCH_RELATIVE_ERROR` (1 %) of the exact percentile.
 * - exceptionPatterns = top reason codes among human decisions (share of human decisions) and top fired
 *   triggers among submitted cases (share of submitted cases).
 */

import {
  APPROVING_VERDICTS,
  type Approval,
  type DecisionRow,
  ESCALATED_ROUTES,
  type ExceptionPattern,
  type GovernanceFigures,
  type GovernanceRows,
  type GovernanceTallies,
  type GroupBy,
  OVERRIDE_VERDICTS,
  type Percentiles,
  type ReportedCount,
  type ResolvedCaseRow,
  type RouteCount,
  SYSTEM_DECIDERS,
  TOP_PATTERNS,
  type TriggerCount,
  type VerdictCount,
} from "./governance-types.js";
import { QuantileSketch } from "./sketch.js";

const DAY_MS = 86_400_000;

/**
 * Nearest-rank percentile: the smallest value such that at least p % of the values are at or below it,
 * i.e. the value at rank ceil(p/100 × n) of the sorted values (1-based). null for no values.
 */
export function nearestRank(sortedAscending: ArrayLike<number>, p: number): number | null {
  const n = sortedAscending.length;
  if (n === 0) return null;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const rank = Math.ceil((p / 100) * n);
  return sortedAscending[Math.min(n, Math.max(1, rank)) - 1] as number;
}

export function percentilesOf(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: nearestRank(sorted, 50), p90: nearestRank(sorted, 90), p99: nearestRank(sorted, 99) };
}

/**
 * Who approved a case, from its final decision: the policy (`auto`, an auto-route approve), a person
 * (`human`: approve, edit, override, label, rank, respond), or nobody (a reject, an SLA default, no decision).
 */
export function approvalOf(d: { decidedBy: string; verdict: string } | undefined): Approval | null {
  if (!d || d.decidedBy === "sla") return null;
  if (d.decidedBy === "policy") return d.verdict === "approve" ? "auto" : null;
  return APPROVING_VERDICTS.includes(d.verdict) ? "human" : null;
}

export function isHumanDecision(d: Pick<DecisionRow, "decidedBy" | "revokedAt">): boolean {
  return !SYSTEM_DECIDERS.includes(d.decidedBy) && d.revokedAt === null;
}

const ratio = (num: number, den: number): number | null => (den === 0 ? null : num / den);

/**
 * Post-review error rate: among the given decided cases that were approved and have an outcome, the
 * share whose latest outcome is `incorrect`, split by who approved (the policy: `auto`; a person:
 * `human`). null when nothing backs a figure. An audit verdict arrives as the case's `outcome` (the store
 * decides which of the two counts).
 */
export function postReviewErrors(
  resolved: readonly Pick<ResolvedCaseRow, "approval" | "outcome">[],
): Pick<GovernanceFigures, "postReviewErrorRate" | "postReviewErrorCounts"> {
  const counts = { auto: { incorrect: 0, reported: 0 }, human: { incorrect: 0, reported: 0 } };
  for (const c of resolved) {
    if (!c.approval || !c.outcome) continue;
    const n = counts[c.approval];
    n.reported += 1;
    if (c.outcome === "incorrect") n.incorrect += 1;
  }
  return {
    postReviewErrorRate: {
      auto: ratio(counts.auto.incorrect, counts.auto.reported),
      human: ratio(counts.human.incorrect, counts.human.reported),
    },
    postReviewErrorCounts: counts,
  };
}

/** The `limit` most frequent names, most frequent first, ties by name. */
function top(
  counts: ReadonlyMap<string, number>,
  kind: ExceptionPattern["kind"],
  denominator: number,
  limit: number,
): ExceptionPattern[] {
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, limit)
    .map(([name, count]): ExceptionPattern => ({ kind, name, count, share: count / denominator }));
}

/**
 * The figures of the tallies of one group (or of the whole window: every key together). For a reviewer
 * group `cases` is the reviewer's own human decisions and there is no escalation rate.
 */
function figuresOf(t: GovernanceTallies, reviewer: boolean): GovernanceFigures {
  let submitted = 0;
  let escalated = 0;
  for (const r of t.routes) {
    submitted += r.count;
    if (ESCALATED_ROUTES.includes(r.route)) escalated += r.count;
  }
  let human = 0;
  let overridden = 0;
  const reasons = new Map<string, number>();
  for (const v of t.verdicts) {
    human += v.count;
    if (OVERRIDE_VERDICTS.includes(v.verdict)) overridden += v.count;
    if (v.reasonCode !== null) reasons.set(v.reasonCode, (reasons.get(v.reasonCode) ?? 0) + v.count);
  }
  const triggers = new Map<string, number>();
  for (const c of t.triggers) triggers.set(c.trigger, (triggers.get(c.trigger) ?? 0) + c.count);
  const counts = { auto: { incorrect: 0, reported: 0 }, human: { incorrect: 0, reported: 0 } };
  for (const r of t.reported) {
    counts[r.approval].reported += r.count;
    if (r.outcome === "incorrect") counts[r.approval].incorrect += r.count;
  }
  return {
    cases: reviewer ? human : submitted,
    decisions: human,
    escalationRate: reviewer ? null : ratio(escalated, submitted),
    overrideRate: ratio(overridden, human),
    resolutionSeconds: percentilesOfAll(t.resolutionMs.values()),
    exceptionPatterns: [
      ...top(reasons, "reasonCode", human, TOP_PATTERNS),
      ...top(triggers, "trigger", submitted, TOP_PATTERNS),
    ],
    postReviewErrorRate: {
      auto: ratio(counts.auto.incorrect, counts.auto.reported),
      human: ratio(counts.human.incorrect, counts.human.reported),
    },
    postReviewErrorCounts: counts,
  };
}

/** Percentiles in seconds of several sketches of milliseconds taken as one. */
function percentilesOfAll(sketches: Iterable<QuantileSketch>): Percentiles {
  const all = new QuantileSketch();
  for (const s of sketches) all.merge(s);
  const seconds = (p: number) => {
    const ms = all.percentile(p);
    return ms === null ? null : ms / 1000;
  };
  return { p50: seconds(50), p90: seconds(90), p99: seconds(99) };
}

/** The figures of the whole window from its tallies, whatever their keys. */
export function talliedFigures(t: GovernanceTallies): GovernanceFigures {
  return figuresOf(t, false);
}

/**
 * One entry per key of the tallies, sorted by key: the tallies of a `groupBy` (see `GovernanceTallies`).
 * A key appears when something was counted under it.
 */
export function talliedGroups(
  t: GovernanceTallies,
  groupBy: GroupBy,
): { key: string; figures: GovernanceFigures }[] {
  const parts = new Map<string, Tallies>();
  const part = (key: string): Tallies => {
    let p = parts.get(key);
    if (!p) {
      p = emptyTallies();
      parts.set(key, p);
    }
    return p;
  };
  for (const r of t.routes) part(r.key).routes.push(r);
  for (const c of t.triggers) part(c.key).triggers.push(c);
  for (const v of t.verdicts) part(v.key).verdicts.push(v);
  for (const r of t.reported) part(r.key).reported.push(r);
  for (const [key, sketch] of t.resolutionMs) {
    if (sketch.count > 0) part(key).resolutionMs.set(key, sketch);
  }
  return [...parts.keys()].sort().map((key) => ({
    key,
    figures: figuresOf(parts.get(key) as Tallies, groupBy === "reviewer"),
  }));
}

/** The figures of rows: the rows are tallied (`tallyRows`), as the store tallies them in SQL. */
export function governanceFigures(rows: GovernanceRows): GovernanceFigures {
  return talliedFigures(tallyRows(rows));
}

/** The groups of rows: `talliedGroups(tallyRows(rows, groupBy), groupBy)`. */
export function governanceGroups(
  rows: GovernanceRows,
  groupBy: GroupBy,
): { key: string; figures: GovernanceFigures }[] {
  return talliedGroups(tallyRows(rows, groupBy), groupBy);
}

/** The UTC day of an epoch-ms time, as YYYY-MM-DD. */
export function utcDay(ms: number): string {
  return new Date(ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS)).toISOString().slice(0, 10);
}

interface Tallies {
  routes: RouteCount[];
  triggers: TriggerCount[];
  verdicts: VerdictCount[];
  resolutionMs: Map<string, QuantileSketch>;
  reported: ReportedCount[];
}

const emptyTallies = (): Tallies => ({
  routes: [],
  triggers: [],
  verdicts: [],
  resolutionMs: new Map(),
  reported: [],
});

/** Counts of identical rows: `add` the same fields again and the count grows. */
class Counter<T extends { count: number }> {
  readonly #byId = new Map<string, T>();
  add(fields: Omit<T, "count">): void {
    const id = JSON.stringify(Object.values(fields));
    const seen = this.#byId.get(id);
    if (seen) seen.count += 1;
    else this.#byId.set(id, { ...fields, count: 1 } as T);
  }
  get rows(): T[] {
    return [...this.#byId.values()];
  }
}

/**
 * The tallies of rows, keyed by `groupBy` (one key, "", without). By reviewer: each person's human
 * decisions and the approved cases whose final decision is theirs; no routes nor triggers. By risk
 * class: every row by its case's class. By day: submitted cases by submit day, resolved cases and
 * decisions by decision day (UTC).
 */
export function tallyRows(rows: GovernanceRows, groupBy?: GroupBy): GovernanceTallies {
  const routes = new Counter<RouteCount>();
  const triggers = new Counter<TriggerCount>();
  const verdicts = new Counter<VerdictCount>();
  const reported = new Counter<ReportedCount>();
  const resolutionMs = new Map<string, QuantileSketch>();
  const resolved = (key: string, ms: number) => {
    const sketch = resolutionMs.get(key);
    if (sketch) sketch.add(ms);
    else resolutionMs.set(key, new QuantileSketch().add(ms));
  };
  const human = rows.decisions.filter(isHumanDecision);
  if (groupBy === "reviewer") {
    for (const d of human) {
      verdicts.add({ key: d.decidedBy, verdict: d.verdict, reasonCode: d.reasonCode });
      resolved(d.decidedBy, d.decidedAt - d.caseCreatedAt);
    }
    for (const c of rows.resolved) {
      if (c.approval === "human" && c.approvedBy && c.outcome) {
        reported.add({ key: c.approvedBy, approval: "human", outcome: c.outcome });
      }
    }
  } else {
    const keyOf = (riskClass: string, at: number) =>
      groupBy === "riskClass" ? riskClass : groupBy === "day" ? utcDay(at) : "";
    for (const c of rows.submitted) {
      const key = keyOf(c.riskClass, c.createdAt);
      routes.add({ key, route: c.route });
      for (const trigger of c.triggers) triggers.add({ key, trigger });
    }
    for (const d of human) {
      verdicts.add({ key: keyOf(d.riskClass, d.decidedAt), verdict: d.verdict, reasonCode: d.reasonCode });
    }
    for (const c of rows.resolved) {
      const key = keyOf(c.riskClass, c.decidedAt);
      resolved(key, c.decidedAt - c.createdAt);
      if (c.approval && c.outcome) reported.add({ key, approval: c.approval, outcome: c.outcome });
    }
  }
  return {
    routes: routes.rows,
    triggers: triggers.rows,
    verdicts: verdicts.rows,
    resolutionMs,
    reported: reported.rows,
  };
}
