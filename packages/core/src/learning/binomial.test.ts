import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  binomialCdf,
  clopperPearsonInterval,
  clopperPearsonLower,
  clopperPearsonUpper,
  lnGamma,
  wilsonInterval,
} from "./binomial.js";

/** P(X ≤ k) by direct summation of the probability mass (each term in log space, so no underflow). */
function cdfBySum(k: number, n: number, p: number): number {
  let total = 0;
  for (let i = 0; i <= k; i++) {
    const lnChoose = lnGamma(n + 1) - lnGamma(i + 1) - lnGamma(n - i + 1);
    total += Math.exp(lnChoose + i * Math.log(p) + (n - i) * Math.log1p(-p));
  }
  return total;
}

describe("Clopper-Pearson and Wilson intervals", () => {
  // Newcombe R.G. (1998) "Two-sided confidence intervals for the single proportion: comparison of
  // seven methods", Statistics in Medicine 17:857-872, Table I: method 3 (Wilson score) and method 5
  // (Clopper-Pearson "exact"), 95 %, to four decimals.
  test.each([
    [81, 263, [0.2527, 0.3676], [0.2553, 0.3662]],
    [15, 148, [0.0578, 0.1617], [0.0624, 0.1605]],
    [0, 20, [0.0, 0.1684], [0.0, 0.1611]],
    [1, 29, [0.0009, 0.1776], [0.0061, 0.1718]],
  ] as const)("Newcombe 1998 Table I: %i/%i", (k, n, exact, wilson) => {
    const [lo, hi] = clopperPearsonInterval(k, n, 0.95);
    expect(lo).toBeCloseTo(exact[0], 4);
    expect(hi).toBeCloseTo(exact[1], 4);
    const [wl, wh] = wilsonInterval(k, n);
    expect(wl).toBeCloseTo(wilson[0], 4);
    expect(wh).toBeCloseTo(wilson[1], 4);
  });

  test("R's binom.test examples: 5/10 and Conover's 682/925 (7 decimals as R prints them)", () => {
    const [a, b] = clopperPearsonInterval(5, 10);
    expect(a).toBeCloseTo(0.187086, 6);
    expect(b).toBeCloseTo(0.812914, 6);
    const [c, d] = clopperPearsonInterval(682, 925);
    expect(c).toBeCloseTo(0.7076683, 7);
    expect(d).toBeCloseTo(0.7654066, 7);
  });

  test("zero events: the one-sided upper bound is 1 - alpha^(1/n) (the 'rule of three' ~ 3/n)", () => {
    for (const n of [1, 10, 300, 5000])
      expect(clopperPearsonUpper(0, n, 0.95)).toBeCloseTo(1 - 0.05 ** (1 / n), 10);
    // k = n - 1: P(X <= n - 1) = 1 - p^n, so the bound is (1 - level)^(1/n) away from 1 in closed form.
    expect(clopperPearsonUpper(97, 98, 0.95)).toBeCloseTo(0.95 ** (1 / 98), 10);
    expect(clopperPearsonUpper(0, 0)).toBe(1);
    expect(clopperPearsonUpper(7, 7)).toBe(1);
    expect(clopperPearsonLower(0, 9)).toBe(0);
  });

  test("the upper bound inverts the binomial tail: P(X <= k | p_upper) = 1 - level", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, f) => {
        const k = Math.min(n - 1, Math.floor(f * n));
        const upper = clopperPearsonUpper(k, n, 0.95);
        expect(cdfBySum(k, n, upper)).toBeCloseTo(0.05, 6);
        expect(upper).toBeGreaterThanOrEqual(k / n);
      }),
      { numRuns: 200 },
    );
  });

  test("the incomplete-beta binomial CDF agrees with direct summation", () => {
    for (const [k, n, p] of [
      [3, 10, 0.2],
      [0, 50, 0.01],
      [40, 100, 0.45],
      [99, 100, 0.999],
    ] as const) {
      expect(binomialCdf(k, n, p)).toBeCloseTo(cdfBySum(k, n, p), 10);
    }
  });

  test("lnGamma matches factorials", () => {
    expect(lnGamma(1)).toBeCloseTo(0, 12);
    expect(lnGamma(11)).toBeCloseTo(Math.log(3628800), 10);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });

  test("bad counts are refused", () => {
    expect(() => clopperPearsonUpper(5, 3)).toThrow(RangeError);
    expect(() => clopperPearsonUpper(1.5, 3)).toThrow(RangeError);
    expect(() => clopperPearsonUpper(1, 3, 1)).toThrow(RangeError);
  });
});
