/**
 * Absolute checks (issue 15, item 1): does a reviewer, or a whole team, meet fixed standards, whatever
 * their peers do? The relative signals of rubber-stamp.ts compare a reviewer with colleagues and with
 * their own past, so a team that stamps together, or a reviewer with no colleagues, looks normal to
 * them. These three compare with the policy instead:
 *
 * 1. `catch_trial_miss_rate` — misses among the catch trials decided, against the tolerated miss rate
 *    `maxMissRate` (policy `oversight.maxCatchTrialMissRate`, default 0.1).
 * 2. `known_wrong_approvals` — approvals of work known to be wrong. The items are the catch trials whose
 *    gold answer is `reject` (a failure is approving one) and the audited approvals (a failure is one the
 *    auditor judged incorrect); tested against the same tolerance.
 * 3. `dwell_below_floor` — decisions held less than the floor: the case's `minReviewMs` (the policy's
 *    `minReviewSeconds`, which the server enforces) plus `dwellMarginMs` (default 5 s), i.e. decided
 *    within seconds of the first moment the policy allows. The tolerance is one half: "most decisions".
 *
 * Each is the exact one-sided binomial test of H0 "each item fails independently with probability at
 * most the tolerance t": p = P(X ≥ failures) for X ~ Binomial(items, t) (`binomialUpperTail`). When the
 * items' probabilities p_i are all ≤ t, the number of failures is stochastically smaller than
 * Binomial(n, t) (couple each item's Bernoulli(p_i) below a Bernoulli(t): U_i < p_i implies U_i < t), so
 * the test keeps its level over the whole null, and pooling a team's items keeps it too. Test 3 is the sign test of "the median dwell is at least the
 * floor" (Dixon & Mood 1946, "The statistical sign test", JASA 41(236):557–566).
 */

import type { ReviewDecision } from "./review-decision.js";
import { binomialUpperTail, median } from "./significance.js";

export interface AbsoluteOptions {
  /** Tolerated share of missed catch trials and of approved known-wrong work (default 0.1). */
  maxMissRate?: number;
  /** The dwell floor is the decision's `minReviewMs` (0 when absent) plus this margin (default 5 000 ms). */
  dwellMarginMs?: number;
  /** Fewest catch trials, or known-wrong items, before that test is run (default 5). */
  minCatchTrials?: number;
  /** Which verdicts count as approvals (default: verdict === "approve"). */
  isApproval?: (verdict: string) => boolean;
}

export type AbsoluteSignalKind = "catch_trial_miss_rate" | "known_wrong_approvals" | "dwell_below_floor";

export interface AbsoluteSignal {
  kind: AbsoluteSignalKind;
  basis: "absolute";
  /** One-sided exact binomial p-value P(X ≥ failures), X ~ Binomial(cases, tolerance). */
  pValue: number;
  /** Items tested (trials, known-wrong items, decisions with a dwell). */
  cases: number;
  /** An absolute signal compares with the tolerance, not with a group: always 0. */
  comparisonCases: 0;
  /** Misses, known-wrong approvals, or decisions below the floor. */
  failures: number;
  /** The failure probability H0 allows per item. */
  tolerance: number;
}

export interface AbsoluteEvidence {
  /** The tolerance of the catch-trial and known-wrong tests. */
  maxMissRate: number;
  catchTrialMissRate: number | null;
  /**
   * Items that show whether wrong work was approved: catch trials of a wrong proposal (approved or not)
   * plus audited approvals (judged correct or not).
   */
  knownWrongChecked: number;
  /** Of those, wrong proposals approved and approvals judged incorrect. */
  knownWrongApproved: number;
  knownWrongApprovalRate: number | null;
  /** The median of the decisions' dwell floors (one value when every case has the same class minimum). */
  dwellFloorMs: number | null;
  decisionsBelowFloor: number;
  belowFloorShare: number | null;
}

export const DEFAULT_MAX_MISS_RATE = 0.1;
export const DEFAULT_DWELL_MARGIN_MS = 5_000;
/** "Most decisions": the sign test's tolerance for the share below the floor. */
const MOST = 0.5;

const validDwell = (ms: number): boolean => Number.isFinite(ms) && ms >= 0;

/** The floor a decision's dwell is held against: its policy minimum plus the margin. */
export function dwellFloorMs(
  d: Pick<ReviewDecision, "minReviewMs">,
  marginMs = DEFAULT_DWELL_MARGIN_MS,
): number {
  return (d.minReviewMs ?? 0) + marginMs;
}

/** The absolute signals of a set of decisions (one reviewer's, or a whole team's pooled). Pure. */
export function absoluteSignals(
  decisions: ReadonlyArray<ReviewDecision>,
  opts: AbsoluteOptions = {},
): { signals: AbsoluteSignal[]; evidence: AbsoluteEvidence } {
  const maxMissRate = opts.maxMissRate ?? DEFAULT_MAX_MISS_RATE;
  if (!(maxMissRate > 0 && maxMissRate < 1))
    throw new RangeError(`maxMissRate must be in (0, 1): ${maxMissRate}`);
  const margin = opts.dwellMarginMs ?? DEFAULT_DWELL_MARGIN_MS;
  const minTrials = opts.minCatchTrials ?? 5;
  const isApproval = opts.isApproval ?? ((verdict: string) => verdict === "approve");

  let trials = 0;
  let misses = 0;
  let checked = 0;
  let knownWrongApproved = 0;
  let withDwell = 0;
  let below = 0;
  const floors: number[] = [];
  for (const d of decisions) {
    if (d.catchTrial) {
      trials++;
      if (!d.catchTrial.passed) misses++;
      if (d.catchTrial.expected === "reject") {
        checked++;
        if (isApproval(d.verdict)) knownWrongApproved++;
      }
    }
    if (d.audit) {
      checked++;
      if (!d.audit.correct) knownWrongApproved++;
    }
    if (validDwell(d.heldMs)) {
      const floor = dwellFloorMs(d, margin);
      floors.push(floor);
      withDwell++;
      if (d.heldMs < floor) below++;
    }
  }

  const signal = (kind: AbsoluteSignalKind, failures: number, cases: number, tolerance: number) => ({
    kind,
    basis: "absolute" as const,
    pValue: binomialUpperTail(failures, cases, tolerance),
    cases,
    comparisonCases: 0 as const,
    failures,
    tolerance,
  });
  const signals: AbsoluteSignal[] = [];
  if (trials >= minTrials) signals.push(signal("catch_trial_miss_rate", misses, trials, maxMissRate));
  if (checked >= minTrials)
    signals.push(signal("known_wrong_approvals", knownWrongApproved, checked, maxMissRate));
  if (withDwell > 0) signals.push(signal("dwell_below_floor", below, withDwell, MOST));

  return {
    signals,
    evidence: {
      maxMissRate,
      catchTrialMissRate: trials > 0 ? misses / trials : null,
      knownWrongChecked: checked,
      knownWrongApproved,
      knownWrongApprovalRate: checked > 0 ? knownWrongApproved / checked : null,
      dwellFloorMs: median(floors),
      decisionsBelowFloor: below,
      belowFloorShare: withDwell > 0 ? below / withDwell : null,
    },
  };
}
