import { describe, expect, it } from "vitest";
import { absoluteSignals, binomialUpperTail, dwellFloorMs, type ReviewDecision } from "./index.js";

/** P(X ≥ k), X ~ Binomial(n, num/den), by exact enumeration in integers: Σ C(n,x)·num^x·(den−num)^(n−x) / den^n. */
function exactTail(k: number, n: number, num: number, den: number): number {
  const [a, b, d] = [BigInt(num), BigInt(den - num), BigInt(den)];
  let choose = 1n;
  let sum = 0n;
  for (let x = 0; x <= n; x++) {
    if (x > 0) choose = (choose * BigInt(n - x + 1)) / BigInt(x);
    if (x >= k) sum += choose * a ** BigInt(x) * b ** BigInt(n - x);
  }
  return Number(sum) / Number(d ** BigInt(n));
}

describe("binomialUpperTail against published and enumerated values", () => {
  it("reproduces the sign test's classic tails", () => {
    // Sign test, 8 of 10 pairs one way: P(X ≥ 8 | 10, ½) = (45 + 10 + 1)/1024 = 56/1024.
    expect(binomialUpperTail(8, 10, 0.5)).toBeCloseTo(56 / 1024, 14);
    // 60 heads in 100 tosses: the exact one-sided tail 0.028444 quoted beside the normal approximation.
    expect(binomialUpperTail(60, 100, 0.5)).toBeCloseTo(0.028444, 6);
  });

  it("matches the cumulative binomial table for n = 20, p = 0.1", () => {
    // Table A.1 of Walpole, Myers, Myers & Ye, Probability & Statistics for Engineers & Scientists:
    // P(X ≤ 2) = 0.6769, P(X ≤ 4) = 0.9568, P(X ≤ 5) = 0.9887.
    expect(binomialUpperTail(3, 20, 0.1)).toBeCloseTo(1 - 0.6769, 4);
    expect(binomialUpperTail(5, 20, 0.1)).toBeCloseTo(1 - 0.9568, 4);
    expect(binomialUpperTail(6, 20, 0.1)).toBeCloseTo(1 - 0.9887, 4);
  });

  it("equals exact integer enumeration for every k at the sizes the checks meet", () => {
    for (const [n, num, den] of [
      [30, 1, 10],
      [30, 1, 2],
      [57, 3, 20],
      [6, 1, 10],
    ] as const) {
      for (let k = 0; k <= n + 1; k++) {
        const exact = exactTail(k, n, num, den);
        const got = binomialUpperTail(k, n, num / den);
        if (exact === 0) expect(got).toBe(0);
        else expect(Math.abs(got / exact - 1)).toBeLessThan(1e-9);
      }
    }
  });
});

const decision = (over: Partial<ReviewDecision>): ReviewDecision => ({
  reviewer: "r",
  workflow: "w",
  verdict: "approve",
  heldMs: 60_000,
  at: 0,
  ...over,
});

describe("absoluteSignals", () => {
  it("counts misses, known-wrong approvals and decisions below the floor, and tests each exactly", () => {
    const decisions: ReviewDecision[] = [
      // 6 trials of a wrong proposal: 4 approved (missed), 2 rejected.
      ...Array.from({ length: 6 }, (_, i) =>
        decision({
          verdict: i < 4 ? "approve" : "reject",
          catchTrial: { passed: i >= 4, expected: "reject" },
          heldMs: 1_000,
        }),
      ),
      // 2 trials of a right proposal, both approved (passed).
      ...Array.from({ length: 2 }, () => decision({ catchTrial: { passed: true, expected: "approve" } })),
      // 3 audited approvals, one judged incorrect.
      decision({ audit: { correct: false }, heldMs: 2_000 }),
      decision({ audit: { correct: true } }),
      decision({ audit: { correct: true } }),
      // Held 9 s on a class with a 5 s minimum: under the 10 s floor.
      decision({ minReviewMs: 5_000, heldMs: 9_000 }),
    ];
    const { signals, evidence } = absoluteSignals(decisions, { maxMissRate: 0.1 });
    expect(evidence).toMatchObject({
      maxMissRate: 0.1,
      catchTrialMissRate: 4 / 8,
      knownWrongChecked: 9,
      knownWrongApproved: 5,
      decisionsBelowFloor: 8,
      belowFloorShare: 8 / 12,
      dwellFloorMs: 5_000,
    });
    const byKind = Object.fromEntries(signals.map((s) => [s.kind, s]));
    expect(byKind.catch_trial_miss_rate).toMatchObject({ cases: 8, failures: 4, tolerance: 0.1 });
    expect(byKind.catch_trial_miss_rate?.pValue).toBeCloseTo(binomialUpperTail(4, 8, 0.1), 14);
    expect(byKind.known_wrong_approvals).toMatchObject({ cases: 9, failures: 5, tolerance: 0.1 });
    expect(byKind.dwell_below_floor).toMatchObject({ cases: 12, failures: 8, tolerance: 0.5 });
    expect(byKind.dwell_below_floor?.pValue).toBeCloseTo(exactTail(8, 12, 1, 2), 14);
  });

  it("skips the trial tests below minCatchTrials and ignores dwell that was not measured", () => {
    const { signals, evidence } = absoluteSignals([
      decision({ catchTrial: { passed: false, expected: "reject" }, heldMs: -1 }),
    ]);
    expect(signals).toEqual([]);
    expect(evidence.catchTrialMissRate).toBe(1);
    expect(evidence.belowFloorShare).toBeNull();
  });

  it("derives the floor from the policy minimum plus the margin", () => {
    expect(dwellFloorMs({})).toBe(5_000);
    expect(dwellFloorMs({ minReviewMs: 30_000 })).toBe(35_000);
    expect(dwellFloorMs({ minReviewMs: 30_000 }, 0)).toBe(30_000);
  });

  it("refuses a tolerance outside (0, 1)", () => {
    expect(() => absoluteSignals([], { maxMissRate: 0 })).toThrow(RangeError);
    expect(() => absoluteSignals([], { maxMissRate: 1 })).toThrow(RangeError);
  });
});
