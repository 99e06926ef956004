/**
 * The exact and rank tests behind the rubber-stamp detector and the errors-rising check, written here
 * without dependencies: Fisher's exact test (Fisher 1922), the binomial upper tail, Mann–Whitney U with
 * tie and continuity correction (Mann & Whitney 1947), and the longest-run bound. Each is tested against
 * published worked examples in rubber-stamp.test.ts.
 */

const logFactorials: number[] = [0];

/** ln(n!) from a growing table of exact partial sums. */
export function logFactorial(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`logFactorial: bad n ${n}`);
  for (let i = logFactorials.length; i <= n; i++)
    logFactorials.push((logFactorials[i - 1] ?? 0) + Math.log(i));
  return logFactorials[n] ?? 0;
}

/** ln C(n, k); -Infinity outside 0 ≤ k ≤ n. */
export function logChoose(n: number, k: number): number {
  if (k < 0 || k > n) return Number.NEGATIVE_INFINITY;
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

/** ln(Σ exp(terms)) without overflow. */
function logSumExp(terms: number[]): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const t of terms) if (t > max) max = t;
  if (max === Number.NEGATIVE_INFINITY) return max;
  let sum = 0;
  for (const t of terms) sum += Math.exp(t - max);
  return max + Math.log(sum);
}

const clampP = (p: number): number => Math.min(1, Math.max(0, p));

/** P(X ≥ k) for X ~ Binomial(n, p), exact. */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const terms: number[] = [];
  for (let x = k; x <= n; x++) terms.push(logChoose(n, x) + x * Math.log(p) + (n - x) * Math.log1p(-p));
  return clampP(Math.exp(logSumExp(terms)));
}

/**
 * One-sided Fisher exact test for the 2×2 table [[a, b], [c, d]] (row 1 = tested group with a successes
 * and b failures; row 2 = comparison group): P(X ≥ a) under the hypergeometric law with all margins fixed.
 */
export function fisherExactGreater(a: number, b: number, c: number, d: number): number {
  const n1 = a + b;
  const total = a + b + c + d;
  const successes = a + c;
  const denominator = logChoose(total, n1);
  const terms: number[] = [];
  for (let x = a; x <= Math.min(n1, successes); x++) {
    terms.push(logChoose(successes, x) + logChoose(total - successes, n1 - x) - denominator);
  }
  return clampP(Math.exp(logSumExp(terms)));
}

/**
 * Standard normal CDF via the complementary error function approximation of Press et al., Numerical
 * Recipes (Chebyshev fit, fractional error < 1.2e-7 everywhere), accurate in the far tails.
 */
export function normalCdf(z: number): number {
  const x = -z / Math.SQRT2;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.5 * ax);
  const poly =
    -ax * ax -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const erfcAbs = t * Math.exp(poly);
  const erfc = x >= 0 ? erfcAbs : 2 - erfcAbs;
  return clampP(0.5 * erfc);
}

export interface MannWhitneyResult {
  /** U of sample x: #pairs with x > y plus half the ties. */
  u: number;
  mean: number;
  /** Tie-corrected variance of U under H0. */
  variance: number;
  z: number;
  /** One-sided p-value for "x tends to be smaller than y". */
  pLess: number;
}

/**
 * Mann–Whitney U test (Mann & Whitney 1947) of x against y, one-sided "x smaller", normal approximation
 * with tie-corrected variance n1·n2/12·((N+1) − Σ(t³−t)/(N(N−1))) and a 0.5 continuity correction.
 */
export function mannWhitneyLess(x: ReadonlyArray<number>, y: ReadonlyArray<number>): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  const all = [...x.map((v) => ({ v, g: 0 })), ...y.map((v) => ({ v, g: 1 }))].sort((p, q) => p.v - q.v);
  const total = all.length;
  let rankSumX = 0;
  let tieTerm = 0;
  for (let i = 0; i < total; ) {
    let j = i;
    while (j + 1 < total && all[j + 1]?.v === all[i]?.v) j++;
    const avgRank = (i + j + 2) / 2;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    for (let m = i; m <= j; m++) if (all[m]?.g === 0) rankSumX += avgRank;
    i = j + 1;
  }
  return mannWhitneyFromRankSum(rankSumX, n1, n2, tieTerm);
}

/** Mann–Whitney U from the rank sum of x in the pooled sample and the pooled Σ(t³ − t) over tie groups. */
export function mannWhitneyFromRankSum(
  rankSumX: number,
  n1: number,
  n2: number,
  tieTerm: number,
): MannWhitneyResult {
  const total = n1 + n2;
  const u = rankSumX - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = total > 1 ? ((n1 * n2) / 12) * (total + 1 - tieTerm / (total * (total - 1))) : 0;
  if (!(variance > 0)) return { u, mean, variance: 0, z: 0, pLess: 1 };
  const z = (u - mean + 0.5) / Math.sqrt(variance);
  return { u, mean, variance, z, pLess: normalCdf(z) };
}

/** Longest run of `true` in order. */
export function longestRun(flags: ReadonlyArray<boolean>): number {
  let best = 0;
  let current = 0;
  for (const f of flags) {
    current = f ? current + 1 : 0;
    if (current > best) best = current;
  }
  return best;
}

/**
 * Upper bound on P(longest run of successes ≥ L) in n independent trials with success probability q:
 * a run of length L starts at trial 1 (probability q^L) or right after a failure (probability
 * (1 − q)·q^L, n − L possible starts); the union bound gives q^L·(1 + (n − L)(1 − q)), capped at 1.
 */
export function longestRunBound(length: number, n: number, q: number): number {
  if (length <= 0) return 1;
  if (length > n) return 0;
  return clampP(q ** length * (1 + (n - length) * (1 - q)));
}

/** Median of numbers (null when empty). */
export function median(values: ReadonlyArray<number>): number | null {
  return medianOfSorted([...values].sort((a, b) => a - b));
}

export function medianOfSorted(sorted: ReadonlyArray<number>): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? null) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
