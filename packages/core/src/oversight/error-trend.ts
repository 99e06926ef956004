import { APPROVING_VERDICTS, type GovernanceTallies } from "../metrics/index.js";
import { fisherExactGreater } from "./significance.js";

/**
 * `approval_high_errors_rising` (issue 5, item 6): the reviewers of a workflow keep approving nearly
 * everything while the work they approve turns out wrong more often. Compares a recent window with the
 * previous one of equal length:
 *
 * - approval rate = human decisions approving the work (approve, edit, override, label, rank) / human
 *   decisions (not by the policy or an SLA default, not revoked), in each window;
 * - post-review error rate = human-approved cases decided in the window whose latest outcome (or audit
 *   verdict) is `incorrect` / those with any outcome (the governance metrics' `postReviewErrorCounts.human`).
 *
 * Raised when the approval rate is ≥ `approvalThreshold` in both windows, both windows have at least
 * `minReported` cases with an outcome, and the one-sided Fisher exact test (Fisher 1922) of "the recent
 * error proportion is greater" gives p ≤ `alpha`. H0: one error probability for both windows. Fisher's
 * test conditions on the margins and is exact (conservative with discrete data), so under H0 one test
 * raises a false alarm with probability ≤ alpha (default 1 %) per workflow per run. See docs/oversight.md.
 */

export interface ErrorTrendOptions {
  /** Approval rate both windows must reach (default 0.9). */
  approvalThreshold?: number;
  /** Fewest approved cases with an outcome in each window (default 20). */
  minReported?: number;
  /** False-alarm level of the one test (default 0.01). */
  alpha?: number;
}

export interface ErrorTrendWindow {
  since: number;
  until: number;
  humanDecisions: number;
  approvals: number;
  approvalRate: number | null;
  /** Human-approved cases with an outcome, and those whose outcome is `incorrect`. */
  reported: number;
  incorrect: number;
  errorRate: number | null;
}

export interface ErrorTrendFinding {
  flagged: boolean;
  /** Why not flagged, when the test could not run or a condition fails; null when flagged. */
  reason: "too_few_outcomes" | "approval_below_threshold" | "not_significant" | null;
  previous: ErrorTrendWindow;
  recent: ErrorTrendWindow;
  /** One-sided Fisher p-value; null when the test did not run (too few outcomes). */
  pValue: number | null;
  approvalThreshold: number;
  alpha: number;
  minReported: number;
}

/** The counts of one window, as `windowCounts` takes them from the governance tallies. */
export interface ErrorTrendCounts {
  since: number;
  until: number;
  humanDecisions: number;
  approvals: number;
  reported: number;
  incorrect: number;
}

/**
 * One window's counts from its governance tallies (`Store.governanceTallies`, the same counts as the
 * governance metrics): human decisions and approving ones, human-approved cases with an outcome and
 * incorrect ones.
 */
export function windowCounts(
  t: Pick<GovernanceTallies, "verdicts" | "reported">,
  since: number,
  until: number,
): ErrorTrendCounts {
  let humanDecisions = 0;
  let approvals = 0;
  for (const v of t.verdicts) {
    humanDecisions += v.count;
    if (APPROVING_VERDICTS.includes(v.verdict)) approvals += v.count;
  }
  let reported = 0;
  let incorrect = 0;
  for (const r of t.reported) {
    if (r.approval !== "human") continue;
    reported += r.count;
    if (r.outcome === "incorrect") incorrect += r.count;
  }
  return { since, until, humanDecisions, approvals, reported, incorrect };
}

const withRates = (c: ErrorTrendCounts): ErrorTrendWindow => ({
  ...c,
  approvalRate: c.humanDecisions === 0 ? null : c.approvals / c.humanDecisions,
  errorRate: c.reported === 0 ? null : c.incorrect / c.reported,
});

/** Tests one workflow: the previous window's counts against the recent window's (of equal length). */
export function approvalHighErrorsRising(
  windows: { previous: ErrorTrendCounts; recent: ErrorTrendCounts },
  opts: ErrorTrendOptions = {},
): ErrorTrendFinding {
  const approvalThreshold = opts.approvalThreshold ?? 0.9;
  const minReported = opts.minReported ?? 20;
  const alpha = opts.alpha ?? 0.01;
  const previous = withRates(windows.previous);
  const recent = withRates(windows.recent);
  const base = { previous, recent, approvalThreshold, alpha, minReported };
  if (previous.reported < minReported || recent.reported < minReported) {
    return { ...base, flagged: false, reason: "too_few_outcomes", pValue: null };
  }
  const pValue = fisherExactGreater(
    recent.incorrect,
    recent.reported - recent.incorrect,
    previous.incorrect,
    previous.reported - previous.incorrect,
  );
  const high = (w: ErrorTrendWindow) => w.approvalRate !== null && w.approvalRate >= approvalThreshold;
  if (!high(previous) || !high(recent)) {
    return { ...base, flagged: false, reason: "approval_below_threshold", pValue };
  }
  if (pValue > alpha) return { ...base, flagged: false, reason: "not_significant", pValue };
  return { ...base, flagged: true, reason: null, pValue };
}
