import { clopperPearsonUpper, wilsonInterval } from "./binomial.js";

/**
 * Threshold calibration from reviewed history: how often the model was right at each confidence, and
 * which auto-route threshold keeps the error rate of what would pass alone under a tolerated rate.
 *
 * One item per reviewed case: the model's confidence and whether its proposal was right (a person
 * approved it unchanged, and no later outcome or audit said otherwise).
 */
export interface CalibrationItem {
  confidence: number;
  correct: boolean;
}

export interface ReliabilityBin {
  /** [lower, upper) of confidence; the last bin includes 1. */
  lower: number;
  upper: number;
  count: number;
  /** Mean stated confidence in the bin; null when empty. */
  meanConfidence: number | null;
  /** Observed share of correct proposals; null when empty. */
  accuracy: number | null;
  /** Wilson 95 % interval of the accuracy; null when empty. */
  interval: [number, number] | null;
}

export interface ReliabilityCurve {
  bins: ReliabilityBin[];
  items: number;
  /**
   * Expected calibration error: Σ (count / items) · |accuracy − meanConfidence| over non-empty bins
   * (Naeini, Cooper & Hauskrecht 2015). 0 is perfect; null without items.
   */
  expectedCalibrationError: number | null;
}

/** Equal-width confidence bins over [0, 1] (default 10). */
export function reliabilityCurve(items: ReadonlyArray<CalibrationItem>, bins = 10): ReliabilityCurve {
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`bins must be a positive integer, got ${bins}`);
  const sums = Array.from({ length: bins }, () => ({ count: 0, confidence: 0, correct: 0 }));
  for (const item of items) {
    const i = Math.min(bins - 1, Math.max(0, Math.floor(item.confidence * bins)));
    const s = sums[i] as (typeof sums)[number];
    s.count++;
    s.confidence += item.confidence;
    if (item.correct) s.correct++;
  }
  let ece = 0;
  const out = sums.map((s, i): ReliabilityBin => {
    const lower = i / bins;
    const upper = (i + 1) / bins;
    if (s.count === 0)
      return { lower, upper, count: 0, meanConfidence: null, accuracy: null, interval: null };
    const meanConfidence = s.confidence / s.count;
    const accuracy = s.correct / s.count;
    ece += (s.count / items.length) * Math.abs(accuracy - meanConfidence);
    return {
      lower,
      upper,
      count: s.count,
      meanConfidence,
      accuracy,
      interval: wilsonInterval(s.correct, s.count),
    };
  });
  return { bins: out, items: items.length, expectedCalibrationError: items.length ? ece : null };
}

export interface ThresholdRow {
  threshold: number;
  /** Items with confidence ≥ threshold: what would route alone. */
  autoCount: number;
  autoRate: number;
  /** Wrong proposals among them. */
  errors: number;
  /** errors / autoCount; null when nothing would pass. */
  errorRate: number | null;
  /** One-sided Clopper–Pearson upper bound on the error rate at `level`; 1 when nothing would pass. */
  errorUpperBound: number;
}

export interface ThresholdOptions {
  /** Candidate thresholds (default 0.50, 0.51, …, 1.00). */
  thresholds?: ReadonlyArray<number>;
  /** Confidence level of the upper bounds (default 0.95). */
  level?: number;
}

export const DEFAULT_THRESHOLDS: readonly number[] = Array.from({ length: 51 }, (_, i) => (50 + i) / 100);

/** Auto-route rate, observed error rate and its upper bound at every candidate threshold (ascending). */
export function thresholdTable(
  items: ReadonlyArray<CalibrationItem>,
  opts: ThresholdOptions = {},
): ThresholdRow[] {
  const level = opts.level ?? 0.95;
  const thresholds = [...(opts.thresholds ?? DEFAULT_THRESHOLDS)].sort((a, b) => a - b);
  // Sorted by confidence, descending, with running error counts: each threshold is one binary search.
  const sorted = [...items].sort((a, b) => b.confidence - a.confidence);
  const errorsUpTo: number[] = [];
  let errors = 0;
  for (const item of sorted) {
    if (!item.correct) errors++;
    errorsUpTo.push(errors);
  }
  return thresholds.map((threshold): ThresholdRow => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((sorted[mid] as CalibrationItem).confidence >= threshold) lo = mid + 1;
      else hi = mid;
    }
    const autoCount = lo;
    const e = autoCount === 0 ? 0 : (errorsUpTo[autoCount - 1] as number);
    return {
      threshold,
      autoCount,
      autoRate: items.length ? autoCount / items.length : 0,
      errors: e,
      errorRate: autoCount ? e / autoCount : null,
      errorUpperBound: clopperPearsonUpper(e, autoCount, level),
    };
  });
}

export interface Recommendation {
  /** The lowest threshold whose bound holds, or null when none does. */
  threshold: number | null;
  /** The row of the recommended threshold. */
  row: ThresholdRow | null;
  maxError: number;
  level: number;
  /** Fewest cases above a threshold for it to be testable: with zero errors the bound meets maxError. */
  minCases: number;
  /** Why there is no recommendation, in plain language. */
  reason?: string;
  /** Which bound and procedure, for the report. */
  method: string;
}

export const RECOMMENDATION_METHOD =
  "one-sided Clopper-Pearson upper bound on the auto-routed error rate, tested threshold by threshold from the strictest down, stopping at the first that fails (fixed-sequence testing, as in Learn-then-Test, Angelopoulos et al. 2021): the chance that the recommended threshold's true error rate exceeds maxError is at most 1 - level";

/**
 * The most permissive threshold whose error rate is, with confidence `level`, at most `maxError`.
 *
 * Choosing the lowest of many thresholds that "pass" would test many hypotheses and overstate the
 * guarantee. Testing them in a fixed order (strictest first) and stopping at the first failure keeps
 * the error guarantee at 1 − level without a multiplicity correction. The order starts at the first
 * threshold with enough cases to be testable at all (`minCases`); that depends only on the confidences,
 * not on which proposals were right, so the order is fixed given the data's confidences.
 */
export function recommendThreshold(
  items: ReadonlyArray<CalibrationItem>,
  maxError: number,
  opts: ThresholdOptions = {},
): Recommendation {
  if (!(maxError > 0 && maxError < 1)) throw new RangeError(`maxError must be in (0, 1), got ${maxError}`);
  const level = opts.level ?? 0.95;
  // Zero errors in n cases gives the upper bound 1 − (1 − level)^(1/n); it meets maxError from this n on.
  const minCases = Math.ceil(Math.log(1 - level) / Math.log(1 - maxError));
  const base = { maxError, level, minCases, method: RECOMMENDATION_METHOD };
  const rows = thresholdTable(items, opts).reverse();
  let best: ThresholdRow | null = null;
  let tested = false;
  for (const row of rows) {
    if (row.autoCount < minCases) continue;
    tested = true;
    if (row.errorUpperBound > maxError) break;
    best = row;
  }
  if (best) return { ...base, threshold: best.threshold, row: best };
  const reason = tested
    ? `even the strictest testable threshold cannot show an error rate at most ${maxError} at ${level * 100} % confidence`
    : `too few reviewed cases: a threshold needs at least ${minCases} cases above it (with no errors) to show an error rate at most ${maxError} at ${level * 100} % confidence`;
  return { ...base, threshold: null, row: null, reason };
}
