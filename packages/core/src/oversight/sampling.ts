/**
 * Audit sampling: which approved cases get a second look by an auditor, and how audit verdicts turn
 * into an unbiased estimate of the post-review error rate.
 *
 * Design: Poisson sampling with unequal inclusion probabilities. Every approved case i is drawn
 * independently with probability π_i, larger for fast approvals (they are the ones most likely to be
 * rubber-stamped, so we want to look at them more often). Because the draw is unequal, the plain error
 * rate of the audited cases is biased towards the oversampled group; the Horvitz–Thompson estimator
 * re-weights each audited case by its design weight 1/π_i and is unbiased for the population rate.
 *
 * Reproducibility: case i is included iff u_i < π_i, where u_i = `uniform(seed, caseId)` is a hash of
 * the stored seed and the case id only. A case's draw therefore does not depend on the order of the
 * batch nor on the other cases in it; given the seed and the π_i the sample can be recomputed exactly.
 *
 * Sources: D. G. Horvitz & D. J. Thompson (1952), "A generalization of sampling without replacement
 * from a finite universe", JASA 47(260):663–685; Poisson sampling as in C.-E. Särndal, B. Swensson &
 * J. Wretman (1992), "Model Assisted Survey Sampling", §3.5 (Bernoulli/Poisson designs).
 *
 * Pure: no I/O, no Math.random, no clock.
 */
import { createHash } from "node:crypto";

export type ApprovalRoute = "auto" | "review" | "human_only";

export interface AuditItem {
  caseId: string;
  /** Time the case was held before the approval, in ms; null when unknown (typically auto approvals). */
  heldMs: number | null;
  route: ApprovalRoute;
}

export interface AuditWeightOptions {
  /** Target share of approved items to audit, in [0, 1]. */
  rate: number;
  /** Relative weight of a fast human approval (default 3). Must be > 0. */
  fastWeight?: number;
  /** Relative weight of an auto approval, whatever its heldMs (default 1). Must be > 0. */
  autoWeight?: number;
  /**
   * A human approval with `heldMs < fastBelowMs` is fast. When omitted, `drawAuditSample` uses the
   * median heldMs of the human approvals in the batch; `auditInclusionProbability` treats none as fast.
   */
  fastBelowMs?: number;
}

export interface InclusionOptions extends AuditWeightOptions {
  /**
   * Mean weight used to normalise π = min(1, rate · w / meanWeight) (default 1). Use the batch mean
   * to get an expected sample size of rate × N; keep it fixed across batches for a frozen design.
   */
  meanWeight?: number;
}

export interface AuditSampleOptions extends AuditWeightOptions {
  /** The stored seed the sample is reproducible from. */
  seed: string;
  /**
   * Frozen design: when set, π_i = min(1, rate · w_i / meanWeight) with no batch normalisation, so a
   * case's π — and hence its inclusion — never changes when other cases are added (pass `fastBelowMs`
   * too). The expected sample size is then rate × N only if the batch's mean weight equals
   * `meanWeight`. When omitted, π is normalised over the batch so that Σπ_i = rate × N exactly
   * (see `auditInclusionProbabilities`), and rate 1 audits everything.
   */
  meanWeight?: number;
}

export interface AuditDraw {
  caseId: string;
  /** Inclusion probability π_i in (0, 1]. */
  probability: number;
  /** Horvitz–Thompson design weight 1/π_i (≥ 1): how many population cases this audit stands for. */
  weight: number;
}

const TWO_POW_53 = 2 ** 53;

/**
 * A uniform number in [0, 1) determined by (seed, caseId) alone.
 *
 * Counter-based rather than a sequential PRNG (SplitMix/xoshiro): with a stream, the draw of a case
 * would depend on its position in the batch. SHA-256 (already used in core, no I/O) gives
 * well-mixed, platform-independent bits; the inputs are length-prefixed so that ("ab","c") and
 * ("a","bc") hash differently. The top 53 bits become a double with full mantissa precision.
 */
export function uniform(seed: string, caseId: string): number {
  const hash = createHash("sha256")
    .update(`${seed.length}:${seed}|${caseId.length}:${caseId}`, "utf8")
    .digest();
  const high = hash.readUInt32BE(0) >>> 11; // 21 bits
  const low = hash.readUInt32BE(4); // 32 bits
  return (high * 2 ** 32 + low) / TWO_POW_53;
}

function checkOptions(opts: AuditWeightOptions & { meanWeight?: number }): void {
  if (!Number.isFinite(opts.rate) || opts.rate < 0 || opts.rate > 1) {
    throw new RangeError(`audit rate must be in [0, 1], got ${opts.rate}`);
  }
  for (const [name, value] of [
    ["fastWeight", opts.fastWeight],
    ["autoWeight", opts.autoWeight],
    ["meanWeight", opts.meanWeight],
  ] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw new RangeError(`${name} must be a positive finite number, got ${value}`);
    }
  }
}

/**
 * The relative weight w_i of an approved item: `autoWeight` (default 1) for auto approvals — their
 * heldMs says nothing about human attention; `fastWeight` (default 3) for a human approval held for
 * less than `fastBelowMs`; 1 otherwise, including a human approval with unknown heldMs.
 */
export function auditWeight(item: Pick<AuditItem, "heldMs" | "route">, opts: AuditWeightOptions): number {
  if (item.route === "auto") return opts.autoWeight ?? 1;
  if (item.heldMs !== null && opts.fastBelowMs !== undefined && item.heldMs < opts.fastBelowMs) {
    return opts.fastWeight ?? 3;
  }
  return 1;
}

/** π_i = min(1, rate · w_i / meanWeight) for one item (meanWeight defaults to 1). */
export function auditInclusionProbability(
  item: Pick<AuditItem, "heldMs" | "route">,
  opts: InclusionOptions,
): number {
  checkOptions(opts);
  return Math.min(1, (opts.rate * auditWeight(item, opts)) / (opts.meanWeight ?? 1));
}

/** Median of the known heldMs of human approvals, or undefined when there is none. */
export function medianHumanHeldMs(
  items: ReadonlyArray<Pick<AuditItem, "heldMs" | "route">>,
): number | undefined {
  const held = items
    .filter((item) => item.route !== "auto" && item.heldMs !== null)
    .map((item) => item.heldMs as number)
    .sort((a, b) => a - b);
  if (held.length === 0) return undefined;
  const mid = held.length >> 1;
  return held.length % 2 === 1
    ? (held[mid] as number)
    : ((held[mid - 1] as number) + (held[mid] as number)) / 2;
}

/**
 * Inclusion probabilities for a whole batch.
 *
 * Without `meanWeight` (batch design): π_i ∝ w_i scaled so that Σπ_i = rate × N exactly, i.e.
 * π_i = rate · w_i / mean(w) when nothing exceeds 1. Items that would exceed 1 are set to 1 and the
 * remaining expected size is spread over the others in proportion to w, repeated until no new item
 * caps (the usual πps capping; Särndal et al. 1992, §3.6). So the expected sample size is rate × N.
 *
 * With `meanWeight` (frozen design): π_i = min(1, rate · w_i / meanWeight), independent of the batch.
 */
export function auditInclusionProbabilities(
  items: ReadonlyArray<Pick<AuditItem, "heldMs" | "route">>,
  opts: InclusionOptions,
): number[] {
  checkOptions(opts);
  const fastBelowMs = opts.fastBelowMs ?? medianHumanHeldMs(items);
  const weightOpts: AuditWeightOptions = { ...opts, ...(fastBelowMs === undefined ? {} : { fastBelowMs }) };
  const weights = items.map((item) => auditWeight(item, weightOpts));
  if (opts.meanWeight !== undefined) {
    const meanWeight = opts.meanWeight;
    return weights.map((w) => Math.min(1, (opts.rate * w) / meanWeight));
  }
  // rate 1 means everything: return exact 1s rather than trusting w · N / Σw to round to 1.
  if (opts.rate === 1) return weights.map(() => 1);
  const target = opts.rate * items.length;
  const capped = new Array<boolean>(items.length).fill(false);
  const probabilities = new Array<number>(items.length).fill(0);
  for (;;) {
    let cappedCount = 0;
    let freeWeight = 0;
    weights.forEach((w, i) => {
      if (capped[i]) cappedCount += 1;
      else freeWeight += w;
    });
    const scale = freeWeight > 0 ? (target - cappedCount) / freeWeight : 0;
    let newlyCapped = false;
    weights.forEach((w, i) => {
      if (capped[i]) {
        probabilities[i] = 1;
      } else if (scale * w >= 1) {
        capped[i] = true;
        newlyCapped = true;
      } else {
        probabilities[i] = scale * w;
      }
    });
    if (!newlyCapped) return probabilities;
  }
}

/**
 * Draws the audit sample: item i is included iff `uniform(seed, caseId) < π_i`. Returns the included
 * items in input order with π_i and the Horvitz–Thompson design weight 1/π_i.
 */
export function drawAuditSample(items: ReadonlyArray<AuditItem>, opts: AuditSampleOptions): AuditDraw[] {
  const probabilities = auditInclusionProbabilities(items, opts);
  const sample: AuditDraw[] = [];
  items.forEach((item, i) => {
    const probability = probabilities[i] as number;
    if (probability > 0 && uniform(opts.seed, item.caseId) < probability) {
      sample.push({ caseId: item.caseId, probability, weight: 1 / probability });
    }
  });
  return sample;
}

export interface AuditedCase {
  /** Horvitz–Thompson design weight 1/π_i from `drawAuditSample`. */
  weight: number;
  /** The auditor's verdict: the approval was wrong. */
  incorrect: boolean;
}

/**
 * Horvitz–Thompson estimate of the population error rate: Σ_{i∈sample} incorrect_i · w_i / N, where
 * w_i = 1/π_i and N is the number of approved items the sample was drawn from (Horvitz & Thompson
 * 1952, eq. for the total divided by the known N). Under the sampling design it is unbiased for the
 * error rate of the whole population even though fast approvals are oversampled; the plain share of
 * incorrect cases among the audited ones is not. Every π_i must be > 0 for unbiasedness (true for any
 * rate > 0). Not bounded by 1 for a single sample. Null when N is 0.
 */
export function estimateErrorRate(sample: ReadonlyArray<AuditedCase>, populationSize: number): number | null {
  if (!(populationSize > 0)) return null;
  let total = 0;
  for (const { weight, incorrect } of sample) if (incorrect) total += weight;
  return total / populationSize;
}

/**
 * Unbiased estimate of the standard error of `estimateErrorRate` under Poisson sampling:
 * V̂ = Σ_{i∈sample} y_i (1 − π_i)/π_i² / N² = Σ y_i (w_i² − w_i) / N² (Särndal et al. 1992,
 * §3.5, Poisson design). Null when N is 0.
 */
export function errorRateStandardError(
  sample: ReadonlyArray<AuditedCase>,
  populationSize: number,
): number | null {
  if (!(populationSize > 0)) return null;
  let variance = 0;
  for (const { weight, incorrect } of sample) if (incorrect) variance += weight * weight - weight;
  return Math.sqrt(variance) / populationSize;
}
