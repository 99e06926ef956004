/**
 * Exact binomial confidence bounds (Clopper & Pearson 1934, "The use of confidence or fiducial limits
 * illustrated in the case of the binomial", Biometrika 26(4):404–413) and the Wilson score interval
 * (Wilson 1927, JASA 22(158):209–212). The Clopper–Pearson bounds invert the binomial tail exactly, so
 * a bound at level 1 − α is never anti-conservative: that is why threshold calibration uses them.
 */

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7, nine coefficients; relative error < 1e-13). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let sum = c[0] as number;
  for (let i = 1; i < 9; i++) sum += (c[i] as number) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Continued fraction of the incomplete beta function, evaluated with the modified Lentz method. */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b), a, b > 0, x in [0, 1]. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  // The continued fraction converges fast only on one side of the mean; use the symmetry elsewhere.
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaContinuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(lnFront) * betaContinuedFraction(1 - x, b, a)) / b;
}

/** P(X ≤ k) for X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  return incompleteBeta(1 - p, n - k, k + 1);
}

/** The p in [lo, hi] where a decreasing function crosses `target` (bisection to machine precision). */
function solveDecreasing(f: (p: number) => number, target: number, lo: number, hi: number): number {
  for (let i = 0; i < 200 && hi - lo > 1e-15; i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) > target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function checkCounts(k: number, n: number, level: number): void {
  if (!Number.isInteger(k) || !Number.isInteger(n) || n < 0 || k < 0 || k > n) {
    throw new RangeError(`need integers 0 <= k <= n, got k=${k}, n=${n}`);
  }
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
}

/**
 * One-sided Clopper–Pearson upper bound at `level` (e.g. 0.95): the largest p for which seeing k or
 * fewer events in n trials still has probability ≥ 1 − level. With n = 0 nothing is known: 1.
 */
export function clopperPearsonUpper(k: number, n: number, level = 0.95): number {
  checkCounts(k, n, level);
  if (k === n) return 1;
  return solveDecreasing((p) => binomialCdf(k, n, p), 1 - level, k / n, 1);
}

/** One-sided Clopper–Pearson lower bound at `level`. 0 when k = 0. */
export function clopperPearsonLower(k: number, n: number, level = 0.95): number {
  checkCounts(k, n, level);
  if (k === 0) return 0;
  // P(X ≥ k) = 1 − P(X ≤ k − 1) increases with p; find where it reaches 1 − level.
  return solveDecreasing((p) => binomialCdf(k - 1, n, p), level, 0, k / n);
}

/** Two-sided Clopper–Pearson interval at `level` (each tail (1 − level) / 2). */
export function clopperPearsonInterval(k: number, n: number, level = 0.95): [number, number] {
  const oneSided = 1 - (1 - level) / 2;
  return [clopperPearsonLower(k, n, oneSided), clopperPearsonUpper(k, n, oneSided)];
}

/** Wilson score interval (z = 1.96 for 95 %); [0, 1] when n = 0. */
export function wilsonInterval(k: number, n: number, z = 1.959963984540054): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
