/**
 * Rubber-stamp detection: a pure, deterministic detector that asks, per reviewer and workflow, whether
 * the reviewer approves more, looks shorter, approves fast in longer streaks, or misses more catch trials
 * than the workflow's other reviewers (and than their own earlier self).
 *
 * Tests (all one-sided, all computed here without dependencies):
 * 1. `approval_vs_peers` — Fisher's exact test (Fisher 1922, "On the interpretation of χ² from
 *    contingency tables", JRSS 85(1):87–94), hypergeometric upper tail of the reviewer's approvals in the
 *    2×2 table reviewer/peers × approve/other. H0: same approval probability as the pooled peers.
 * 2. `dwell_vs_peers` — Mann–Whitney U (Mann & Whitney 1947, Ann. Math. Statist. 18(1):50–60), lower
 *    tail, normal approximation with tie correction and continuity correction. H0: the reviewer's dwell
 *    times come from the same distribution as the pooled peers'.
 * 3. `fast_approval_streak` — longest run L of consecutive approvals each held less than `fastMs`, with
 *    q the reviewer's own share of such decisions: P(longest run ≥ L) ≤ q^L·(1 + (n − L)(1 − q)) (union
 *    bound over where a run can start). Tests clustering of fast approvals beyond the reviewer's own rate.
 * 4. `catch_trial_misses` — Fisher's exact test on misses vs passes, reviewer against pooled peers.
 * 5. `approval_vs_own_history` — Fisher's exact test, recent half vs earlier half of the reviewer's
 *    decisions (ordered by `at`).
 * 6. `dwell_vs_own_history` — Mann–Whitney U, recent half shorter than earlier half.
 * 7–9. The absolute signals of absolute-checks.ts (`catch_trial_miss_rate`, `known_wrong_approvals`,
 *    `dwell_below_floor`): exact binomial tests against the policy's tolerances, which need no peers, so
 *    a lone reviewer, or every member of a team that stamps together, can be flagged.
 *
 * Decision rule: a reviewer is flagged only with at least `minDecisions` decisions (default 30) and when
 * the smallest p-value among the k signals actually tested (relative and absolute, one family) is
 * ≤ `alpha / k` (Bonferroni 1936; default alpha 0.01). Bonferroni holds under any dependence between the
 * signals, so for a reviewer who behaves like their peers (and like their own past) and meets the
 * absolute standards, the probability of being flagged in one run is ≤ alpha = 1 % (up to the normal
 * approximation in the Mann–Whitney tests and the union bound in the streak test, both of which err on
 * the conservative side at the sample sizes used). See docs/oversight.md.
 */

import {
  type AbsoluteEvidence,
  type AbsoluteOptions,
  type AbsoluteSignalKind,
  absoluteSignals,
} from "./absolute-checks.js";
import type { ReviewDecision } from "./review-decision.js";
import {
  fisherExactGreater,
  longestRun,
  longestRunBound,
  type MannWhitneyResult,
  mannWhitneyFromRankSum,
  mannWhitneyLess,
  median,
  medianOfSorted,
} from "./significance.js";

export interface RubberStampOptions extends AbsoluteOptions {
  /** Fewest decisions behind a flag (default 30). */
  minDecisions?: number;
  /** Per-reviewer family-wise false-alarm level (default 0.01). */
  alpha?: number;
  /** An approval held less than this is "fast" for the streak signal (default 10 000 ms). */
  fastMs?: number;
  /** Fewest catch trials for the reviewer before the catch-trial signal is tested (default 5). */
  minCatchTrials?: number;
  /** Fewest decisions in each half of the reviewer's history before history signals are tested (default 15). */
  minHistoryWindow?: number;
  /** Which verdicts count as approvals (default: verdict === "approve"). */
  isApproval?: (verdict: string) => boolean;
}

export type RubberStampSignalKind =
  | "approval_vs_peers"
  | "dwell_vs_peers"
  | "fast_approval_streak"
  | "catch_trial_misses"
  | "approval_vs_own_history"
  | "dwell_vs_own_history"
  | AbsoluteSignalKind;

export interface RubberStampSignal {
  kind: RubberStampSignalKind;
  /** `relative`: against peers or the reviewer's own past; `absolute`: against the policy's tolerance. */
  basis: "relative" | "absolute";
  /** One-sided p-value (small = looks like rubber-stamping). */
  pValue: number;
  /** Cases behind the test: the reviewer's cases and the comparison group's (0 for an absolute signal). */
  cases: number;
  comparisonCases: number;
  /** Absolute signals: the failures counted and the failure probability H0 allows. */
  failures?: number;
  tolerance?: number;
  /** True when pValue ≤ the Bonferroni threshold alpha / k. */
  significant: boolean;
}

export interface RubberStampEvidence extends AbsoluteEvidence {
  decisions: number;
  peerDecisions: number;
  approvalRate: number;
  peerApprovalRate: number | null;
  medianHeldMs: number | null;
  peerMedianHeldMs: number | null;
  longestFastApprovalStreak: number;
  fastApprovalShare: number;
  catchTrials: number;
  catchTrialMisses: number;
  peerCatchTrials: number;
  peerCatchTrialMisses: number;
  earlierApprovalRate: number | null;
  recentApprovalRate: number | null;
  earlierMedianHeldMs: number | null;
  recentMedianHeldMs: number | null;
  /** Signals tested (k) and the per-signal threshold alpha / k. */
  signalsTested: number;
  threshold: number;
  minPValue: number | null;
}

export interface RubberStampFinding {
  reviewer: string;
  workflow: string;
  flagged: boolean;
  /** The bases of the significant signals: why the reviewer was flagged (empty when not flagged). */
  basis: Array<"relative" | "absolute">;
  signals: RubberStampSignal[];
  evidence: RubberStampEvidence;
}

const timeOf = (at: number | string): number => (typeof at === "number" ? at : Date.parse(at));
const validDwell = (ms: number): boolean => Number.isFinite(ms) && ms >= 0;

/** Detects rubber-stamping per (reviewer, workflow). Pure: the same input gives the same output. */
export function detectRubberStamps(
  decisions: ReadonlyArray<ReviewDecision>,
  opts: RubberStampOptions = {},
): RubberStampFinding[] {
  const minDecisions = opts.minDecisions ?? 30;
  const alpha = opts.alpha ?? 0.01;
  const fastMs = opts.fastMs ?? 10_000;
  const minCatchTrials = opts.minCatchTrials ?? 5;
  const minHistoryWindow = opts.minHistoryWindow ?? 15;
  const isApproval = opts.isApproval ?? ((verdict: string) => verdict === "approve");

  const byWorkflow = new Map<string, Map<string, ReviewDecision[]>>();
  for (const d of decisions) {
    let reviewers = byWorkflow.get(d.workflow);
    if (!reviewers) {
      reviewers = new Map();
      byWorkflow.set(d.workflow, reviewers);
    }
    const list = reviewers.get(d.reviewer);
    if (list) list.push(d);
    else reviewers.set(d.reviewer, [d]);
  }

  const findings: RubberStampFinding[] = [];
  for (const workflow of [...byWorkflow.keys()].sort()) {
    const reviewers = byWorkflow.get(workflow) ?? new Map<string, ReviewDecision[]>();
    let wfDecisions = 0;
    let wfApprovals = 0;
    let wfCatch = 0;
    let wfMisses = 0;
    for (const list of reviewers.values()) {
      wfDecisions += list.length;
      for (const d of list) {
        if (isApproval(d.verdict)) wfApprovals++;
        if (d.catchTrial) {
          wfCatch++;
          if (!d.catchTrial.passed) wfMisses++;
        }
      }
    }
    // The reviewer plus their peers is the whole workflow, so the pooled ranks are computed once.
    const pooled: Array<{ v: number; reviewer: string }> = [];
    for (const [reviewer, list] of reviewers) {
      for (const d of list) if (validDwell(d.heldMs)) pooled.push({ v: d.heldMs, reviewer });
    }
    pooled.sort((a, b) => a.v - b.v);
    const rankSums = new Map<string, number>();
    let tieTerm = 0;
    for (let i = 0; i < pooled.length; ) {
      let j = i;
      while (j + 1 < pooled.length && pooled[j + 1]?.v === pooled[i]?.v) j++;
      const avgRank = (i + j + 2) / 2;
      const t = j - i + 1;
      tieTerm += t * t * t - t;
      for (let m = i; m <= j; m++) {
        const who = pooled[m]?.reviewer ?? "";
        rankSums.set(who, (rankSums.get(who) ?? 0) + avgRank);
      }
      i = j + 1;
    }
    for (const reviewer of [...reviewers.keys()].sort()) {
      const own = [...(reviewers.get(reviewer) ?? [])].sort((a, b) => timeOf(a.at) - timeOf(b.at));
      const ownDwellCount = own.filter((d) => validDwell(d.heldMs)).length;
      const peerSorted = pooled.filter((e) => e.reviewer !== reviewer).map((e) => e.v);
      const peerDwell: PeerDwell = {
        count: peerSorted.length,
        median: medianOfSorted(peerSorted),
        test: mannWhitneyFromRankSum(rankSums.get(reviewer) ?? 0, ownDwellCount, peerSorted.length, tieTerm),
      };
      findings.push(
        assess(reviewer, workflow, own, peerDwell, {
          peerDecisions: wfDecisions - own.length,
          peerApprovals: wfApprovals - own.filter((d) => isApproval(d.verdict)).length,
          peerCatch: wfCatch - own.filter((d) => d.catchTrial).length,
          peerMisses: wfMisses - own.filter((d) => d.catchTrial && !d.catchTrial.passed).length,
          minDecisions,
          alpha,
          fastMs,
          minCatchTrials,
          minHistoryWindow,
          isApproval,
          absolute: { ...opts, minCatchTrials, isApproval },
        }),
      );
    }
  }
  return findings;
}

interface PeerDwell {
  count: number;
  median: number | null;
  /** Mann–Whitney of the reviewer's dwell against the peers', from the workflow's pooled ranks. */
  test: MannWhitneyResult;
}

interface AssessContext {
  peerDecisions: number;
  peerApprovals: number;
  peerCatch: number;
  peerMisses: number;
  minDecisions: number;
  alpha: number;
  fastMs: number;
  minCatchTrials: number;
  minHistoryWindow: number;
  isApproval: (verdict: string) => boolean;
  absolute: AbsoluteOptions;
}

function assess(
  reviewer: string,
  workflow: string,
  own: ReviewDecision[],
  peerDwell: PeerDwell,
  ctx: AssessContext,
): RubberStampFinding {
  const n = own.length;
  const approvals = own.filter((d) => ctx.isApproval(d.verdict)).length;
  const dwell = own.filter((d) => validDwell(d.heldMs)).map((d) => d.heldMs);
  const fastFlags = own.map(
    (d) => ctx.isApproval(d.verdict) && validDwell(d.heldMs) && d.heldMs < ctx.fastMs,
  );
  const fastCount = fastFlags.filter(Boolean).length;
  const streak = longestRun(fastFlags);
  const catchTrials = own.filter((d) => d.catchTrial).length;
  const misses = own.filter((d) => d.catchTrial && !d.catchTrial.passed).length;
  const half = Math.floor(n / 2);
  const earlier = own.slice(0, half);
  const recent = own.slice(half);
  const approvalsIn = (list: ReviewDecision[]): number =>
    list.filter((d) => ctx.isApproval(d.verdict)).length;
  const dwellIn = (list: ReviewDecision[]): number[] =>
    list.filter((d) => validDwell(d.heldMs)).map((d) => d.heldMs);

  const raw: Array<Omit<RubberStampSignal, "significant" | "basis"> & { basis?: "absolute" }> = [];
  if (n > 0 && ctx.peerDecisions > 0) {
    raw.push({
      kind: "approval_vs_peers",
      pValue: fisherExactGreater(
        approvals,
        n - approvals,
        ctx.peerApprovals,
        ctx.peerDecisions - ctx.peerApprovals,
      ),
      cases: n,
      comparisonCases: ctx.peerDecisions,
    });
  }
  if (dwell.length > 0 && peerDwell.count > 0) {
    raw.push({
      kind: "dwell_vs_peers",
      pValue: peerDwell.test.pLess,
      cases: dwell.length,
      comparisonCases: peerDwell.count,
    });
  }
  if (n > 0) {
    raw.push({
      kind: "fast_approval_streak",
      pValue: longestRunBound(streak, n, fastCount / n),
      cases: n,
      comparisonCases: n,
    });
  }
  if (catchTrials >= ctx.minCatchTrials && ctx.peerCatch > 0) {
    raw.push({
      kind: "catch_trial_misses",
      pValue: fisherExactGreater(
        misses,
        catchTrials - misses,
        ctx.peerMisses,
        ctx.peerCatch - ctx.peerMisses,
      ),
      cases: catchTrials,
      comparisonCases: ctx.peerCatch,
    });
  }
  const historyTestable = earlier.length >= ctx.minHistoryWindow && recent.length >= ctx.minHistoryWindow;
  if (historyTestable) {
    const a = approvalsIn(recent);
    const c = approvalsIn(earlier);
    raw.push({
      kind: "approval_vs_own_history",
      pValue: fisherExactGreater(a, recent.length - a, c, earlier.length - c),
      cases: recent.length,
      comparisonCases: earlier.length,
    });
    const recentDwell = dwellIn(recent);
    const earlierDwell = dwellIn(earlier);
    if (recentDwell.length > 0 && earlierDwell.length > 0) {
      raw.push({
        kind: "dwell_vs_own_history",
        pValue: mannWhitneyLess(recentDwell, earlierDwell).pLess,
        cases: recentDwell.length,
        comparisonCases: earlierDwell.length,
      });
    }
  }

  const absolute = absoluteSignals(own, ctx.absolute);
  raw.push(...absolute.signals);

  const k = raw.length;
  const threshold = k > 0 ? ctx.alpha / k : 0;
  const signals: RubberStampSignal[] = raw.map((s) => ({
    ...s,
    basis: s.basis ?? "relative",
    significant: s.pValue <= threshold,
  }));
  const minPValue = k > 0 ? Math.min(...raw.map((s) => s.pValue)) : null;
  const flagged = n >= ctx.minDecisions && signals.some((s) => s.significant);
  const basis = flagged ? [...new Set(signals.filter((s) => s.significant).map((s) => s.basis))].sort() : [];

  return {
    reviewer,
    workflow,
    flagged,
    basis,
    signals,
    evidence: {
      decisions: n,
      peerDecisions: ctx.peerDecisions,
      approvalRate: n > 0 ? approvals / n : 0,
      peerApprovalRate: ctx.peerDecisions > 0 ? ctx.peerApprovals / ctx.peerDecisions : null,
      medianHeldMs: median(dwell),
      peerMedianHeldMs: peerDwell.median,
      longestFastApprovalStreak: streak,
      fastApprovalShare: n > 0 ? fastCount / n : 0,
      catchTrials,
      catchTrialMisses: misses,
      peerCatchTrials: ctx.peerCatch,
      peerCatchTrialMisses: ctx.peerMisses,
      earlierApprovalRate: historyTestable ? approvalsIn(earlier) / earlier.length : null,
      recentApprovalRate: historyTestable ? approvalsIn(recent) / recent.length : null,
      earlierMedianHeldMs: historyTestable ? median(dwellIn(earlier)) : null,
      recentMedianHeldMs: historyTestable ? median(dwellIn(recent)) : null,
      ...absolute.evidence,
      signalsTested: k,
      threshold,
      minPValue,
    },
  };
}
