/**
 * Governance metrics (issue 5, item 1): how often the loop escalates, how often people correct the
 * machine, how long a case waits for its decision, and which exceptions recur. Pure functions over plain
 * rows; the store selects the rows of a time window and the server turns the result into JSON.
 *
 * Definitions (also in docs/api.md):
 * - escalationRate = cases routed `review` or `human_only` / cases submitted in the window.
 * - overrideRate = (edit + reject + override) / human decisions in the window. Human means decided by a
 *   person: not `policy` (auto route) nor `sla` (timeout default); revoked decisions do not count.
 * - resolutionSeconds = nearest-rank percentiles of decidedAt − createdAt over cases decided in the window.
 * - exceptionPatterns = top reason codes among human decisions (share of human decisions) and top fired
 *   triggers among submitted cases (share of submitted cases).
 */

/** A case submitted in the window. */
export interface SubmittedCaseRow {
  route: string;
  riskClass: string;
  createdAt: number;
  /** The escalation triggers that fired when it was routed. */
  triggers: readonly string[];
}

/** A case decided in the window (its final decision). */
export interface ResolvedCaseRow {
  riskClass: string;
  createdAt: number;
  decidedAt: number;
  /**
   * Who approved it, from its final (not revoked) decision: `auto` when the policy decided it (route
   * auto), `human` when a person approved it (approve, edit, override, label, rank), null otherwise
   * (rejected, an SLA default, no decision). Absent counts as null.
   */
  approval?: Approval | null;
  /** The person who approved it (approval `human`), for the reviewer groups. */
  approvedBy?: string | null;
  /** The latest reported outcome, null (or absent) when none was reported. */
  outcome?: OutcomeResult | null;
}

export type Approval = "auto" | "human";
export type OutcomeResult = "correct" | "incorrect";

/** A decision recorded in the window, with its case's risk class and submit time. */
export interface DecisionRow {
  decidedBy: string;
  verdict: string;
  reasonCode: string | null;
  decidedAt: number;
  revokedAt: number | null;
  riskClass: string;
  caseCreatedAt: number;
}

export interface GovernanceRows {
  submitted: readonly SubmittedCaseRow[];
  resolved: readonly ResolvedCaseRow[];
  decisions: readonly DecisionRow[];
}

export interface ExceptionPattern {
  kind: "reasonCode" | "trigger";
  name: string;
  count: number;
  /** count / human decisions (reason codes) or count / submitted cases (triggers). */
  share: number;
}

export interface Percentiles {
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

export interface GovernanceFigures {
  /** Cases submitted in the window (for a reviewer group: distinct cases the reviewer decided). */
  cases: number;
  /** Human decisions in the window, revoked ones left out (the denominator of overrideRate). */
  decisions: number;
  /** null when no case was submitted (and always for a reviewer group). */
  escalationRate: number | null;
  /** null when there was no human decision. */
  overrideRate: number | null;
  resolutionSeconds: Percentiles;
  exceptionPatterns: ExceptionPattern[];
  /** Share of approved cases with an outcome whose latest outcome is `incorrect`; null with none. */
  postReviewErrorRate: { auto: number | null; human: number | null };
  /** The counts behind postReviewErrorRate. */
  postReviewErrorCounts: { auto: ErrorCount; human: ErrorCount };
}

export interface ErrorCount {
  /** Cases whose latest outcome is `incorrect`. */
  incorrect: number;
  /** Cases with at least one outcome (the denominator). */
  reported: number;
}

export type GroupBy = "reviewer" | "riskClass" | "day";

/** Deciders that are the system, not a person. */
export const SYSTEM_DECIDERS: readonly string[] = ["policy", "sla"];
export const ESCALATED_ROUTES: readonly string[] = ["review", "human_only"];
export const OVERRIDE_VERDICTS: readonly string[] = ["edit", "reject", "override"];
export const TOP_PATTERNS = 10;
/** Verdicts by which a person approves the work (possibly corrected); reject is not one. */
export const APPROVING_VERDICTS: readonly string[] = ["approve", "edit", "override", "label", "rank"];

const DAY_MS = 86_400_000;

/**
 * Nearest-rank percentile: the smallest value such that at least p % of the values are at or below it,
 * i.e. the value at rank ceil(p/100 × n) of the sorted values (1-based). null for no values.
 */
export function nearestRank(sortedAscending: readonly number[], p: number): number | null {
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

export function isHumanDecision(d: Pick<DecisionRow, "decidedBy" | "revokedAt">): boolean {
  return !SYSTEM_DECIDERS.includes(d.decidedBy) && d.revokedAt === null;
}

const ratio = (num: number, den: number): number | null => (den === 0 ? null : num / den);

/**
 * Post-review error rate: among the given decided cases that were approved and have an outcome, the
 * share whose latest outcome is `incorrect`, split by who approved (the policy: `auto`; a person:
 * `human`). null when nothing backs a figure. Audit verdicts are not counted yet.
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
function top(names: Iterable<string>, kind: ExceptionPattern["kind"], denominator: number, limit: number) {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, limit)
    .map(([name, count]): ExceptionPattern => ({ kind, name, count, share: count / denominator }));
}

/** The figures of one set of rows (the whole window, or one group). */
export function governanceFigures(rows: GovernanceRows): GovernanceFigures {
  const human = rows.decisions.filter(isHumanDecision);
  const escalated = rows.submitted.filter((c) => ESCALATED_ROUTES.includes(c.route)).length;
  const overridden = human.filter((d) => OVERRIDE_VERDICTS.includes(d.verdict)).length;
  return {
    cases: rows.submitted.length,
    decisions: human.length,
    escalationRate: ratio(escalated, rows.submitted.length),
    overrideRate: ratio(overridden, human.length),
    resolutionSeconds: percentilesOf(rows.resolved.map((c) => (c.decidedAt - c.createdAt) / 1000)),
    exceptionPatterns: [
      ...top(
        human.flatMap((d) => (d.reasonCode === null ? [] : [d.reasonCode])),
        "reasonCode",
        human.length,
        TOP_PATTERNS,
      ),
      ...top(
        rows.submitted.flatMap((c) => c.triggers),
        "trigger",
        rows.submitted.length,
        TOP_PATTERNS,
      ),
    ],
    ...postReviewErrors(rows.resolved),
  };
}

/**
 * The figures of one reviewer: only their own human decisions count (and, for the post-review error
 * rate, the cases they approved).
 */
function reviewerFigures(
  decisions: readonly DecisionRow[],
  approved: readonly ResolvedCaseRow[],
): GovernanceFigures {
  const human = decisions.filter(isHumanDecision);
  const overridden = human.filter((d) => OVERRIDE_VERDICTS.includes(d.verdict)).length;
  return {
    cases: human.length,
    decisions: human.length,
    escalationRate: null,
    overrideRate: ratio(overridden, human.length),
    resolutionSeconds: percentilesOf(human.map((d) => (d.decidedAt - d.caseCreatedAt) / 1000)),
    exceptionPatterns: top(
      human.flatMap((d) => (d.reasonCode === null ? [] : [d.reasonCode])),
      "reasonCode",
      human.length,
      TOP_PATTERNS,
    ),
    ...postReviewErrors(approved),
  };
}

/** The UTC day of an epoch-ms time, as YYYY-MM-DD. */
export function utcDay(ms: number): string {
  return new Date(ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS)).toISOString().slice(0, 10);
}

function bucket<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = out.get(k);
    if (list) list.push(row);
    else out.set(k, [row]);
  }
  return out;
}

/**
 * One entry per group key, sorted by key. `reviewer`: each person's human decisions (system deciders
 * left out; `cases` = their decisions, not revoked, and `escalationRate` null). `riskClass`: every row
 * by its case's class. `day`: submitted cases by submit day, resolved cases and decisions by decision
 * day (UTC).
 */
export function governanceGroups(
  rows: GovernanceRows,
  groupBy: GroupBy,
): { key: string; figures: GovernanceFigures }[] {
  if (groupBy === "reviewer") {
    const byReviewer = bucket(rows.decisions.filter(isHumanDecision), (d) => d.decidedBy);
    const approvedBy = bucket(
      rows.resolved.filter((c) => c.approval === "human" && c.approvedBy),
      (c) => c.approvedBy as string,
    );
    const keys = new Set([...byReviewer.keys(), ...approvedBy.keys()]);
    return [...keys].sort().map((key) => ({
      key,
      figures: reviewerFigures(byReviewer.get(key) ?? [], approvedBy.get(key) ?? []),
    }));
  }
  const keyOf =
    groupBy === "riskClass"
      ? { submitted: (c: SubmittedCaseRow) => c.riskClass, resolved: (c: ResolvedCaseRow) => c.riskClass }
      : {
          submitted: (c: SubmittedCaseRow) => utcDay(c.createdAt),
          resolved: (c: ResolvedCaseRow) => utcDay(c.decidedAt),
        };
  const decisionKey =
    groupBy === "riskClass" ? (d: DecisionRow) => d.riskClass : (d: DecisionRow) => utcDay(d.decidedAt);
  const submitted = bucket(rows.submitted, keyOf.submitted);
  const resolved = bucket(rows.resolved, keyOf.resolved);
  const decisions = bucket(rows.decisions, decisionKey);
  const keys = new Set([...submitted.keys(), ...resolved.keys(), ...decisions.keys()]);
  return [...keys].sort().map((key) => ({
    key,
    figures: governanceFigures({
      submitted: submitted.get(key) ?? [],
      resolved: resolved.get(key) ?? [],
      decisions: decisions.get(key) ?? [],
    }),
  }));
}
