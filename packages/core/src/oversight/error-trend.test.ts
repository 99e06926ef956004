import { describe, expect, it } from "vitest";
import { seededRandom } from "../random.js";
import { approvalHighErrorsRising, binomialUpperTail, type ErrorTrendCounts, windowCounts } from "./index.js";

const DAY = 86_400_000;
const MID = Date.parse("2026-11-01T00:00:00Z");

/** Two 30-day windows: 40 human decisions each with `approve` approvals, 25 outcomes with `wrong` wrong. */
function windows(
  prev: { approve: number; wrong: number },
  recent: { approve: number; wrong: number },
  reported = 25,
) {
  const counts = (since: number, w: { approve: number; wrong: number }): ErrorTrendCounts => ({
    since,
    until: since + 30 * DAY,
    humanDecisions: 40,
    approvals: w.approve,
    reported,
    incorrect: w.wrong,
  });
  return { previous: counts(MID - 30 * DAY, prev), recent: counts(MID, recent) };
}

describe("approvalHighErrorsRising", () => {
  it("flags errors rising from 1/25 to 9/25 while 95 % of decisions approve", () => {
    const f = approvalHighErrorsRising(windows({ approve: 38, wrong: 1 }, { approve: 38, wrong: 9 }));
    expect(f.flagged).toBe(true);
    expect(f.reason).toBeNull();
    expect(f.previous).toMatchObject({ approvalRate: 0.95, reported: 25, incorrect: 1, errorRate: 0.04 });
    expect(f.recent).toMatchObject({ approvalRate: 0.95, reported: 25, incorrect: 9, errorRate: 0.36 });
    // Hypergeometric upper tail P(X ≥ 9), X ~ Hyp(N = 50, K = 10 errors, n = 25 recent), summed exactly
    // from binomial coefficients outside this code: 0.0052902709701445.
    expect(f.pValue).toBeCloseTo(0.0052902709701445, 12);
    expect(f).toMatchObject({ approvalThreshold: 0.9, alpha: 0.01, minReported: 20 });
  });

  it("does not flag a rise that is not significant at 1 % (8/25 vs 1/25: p = 0.0116)", () => {
    const f = approvalHighErrorsRising(windows({ approve: 38, wrong: 1 }, { approve: 38, wrong: 8 }));
    expect(f.pValue).toBeCloseTo(0.011607710872572681, 12);
    expect(f).toMatchObject({ flagged: false, reason: "not_significant" });
  });

  it("does not flag falling errors", () => {
    const f = approvalHighErrorsRising(windows({ approve: 38, wrong: 9 }, { approve: 38, wrong: 1 }));
    expect(f).toMatchObject({ flagged: false, reason: "not_significant" });
    expect(f.pValue).toBeGreaterThan(0.99);
  });

  it("does not flag when the approval rate is below the threshold in either window", () => {
    const lowBefore = approvalHighErrorsRising(windows({ approve: 30, wrong: 1 }, { approve: 38, wrong: 9 }));
    expect(lowBefore).toMatchObject({ flagged: false, reason: "approval_below_threshold" });
    expect(lowBefore.previous.approvalRate).toBe(0.75);
    const stricter = approvalHighErrorsRising(windows({ approve: 38, wrong: 1 }, { approve: 38, wrong: 9 }), {
      approvalThreshold: 0.96,
    });
    expect(stricter).toMatchObject({ flagged: false, reason: "approval_below_threshold" });
  });

  it("needs minReported outcomes in each window before testing", () => {
    const few = windows({ approve: 38, wrong: 0 }, { approve: 38, wrong: 15 }, 19);
    expect(approvalHighErrorsRising(few)).toMatchObject({
      flagged: false,
      reason: "too_few_outcomes",
      pValue: null,
    });
    expect(approvalHighErrorsRising(few, { minReported: 19 }).flagged).toBe(true);
  });

  it("raises false alarms at most at the documented 1 % when nothing changed (seeded, 2000 runs)", () => {
    const rand = seededRandom(7 >>> 0 || 1);
    const runs = 2000;
    let flagged = 0;
    for (let r = 0; r < runs; r++)
      if (approvalHighErrorsRising(simulated(rand, 0.1, 0.1, 40)).flagged) flagged++;
    // Under H0 the flags are Binomial(2000, ≤ 0.01); 35 is its 99.9 % quantile at exactly 1 % (Fisher's
    // discrete test is conservative, so the count is usually far lower).
    expect(binomialUpperTail(36, runs, 0.01)).toBeLessThan(0.001);
    expect(flagged).toBeLessThanOrEqual(35);
  });

  it("catches a real rise from 5 % to 30 % errors with 60 outcomes a window in most runs", () => {
    const rand = seededRandom(11 >>> 0 || 1);
    let flagged = 0;
    for (let r = 0; r < 200; r++)
      if (approvalHighErrorsRising(simulated(rand, 0.05, 0.3, 60)).flagged) flagged++;
    expect(flagged).toBeGreaterThanOrEqual(180);
  });
});

describe("windowCounts", () => {
  it("counts human approvals among human decisions and human-approved outcomes only", () => {
    const counts = windowCounts(
      {
        verdicts: [
          { key: "a", verdict: "approve", reasonCode: null, count: 30 },
          { key: "b", verdict: "edit", reasonCode: "wrong_amount", count: 5 },
          { key: "a", verdict: "reject", reasonCode: "other", count: 4 },
          { key: "b", verdict: "label", reasonCode: null, count: 1 },
        ],
        reported: [
          { key: "a", approval: "human", outcome: "incorrect", count: 3 },
          { key: "b", approval: "human", outcome: "correct", count: 20 },
          { key: "a", approval: "auto", outcome: "incorrect", count: 50 },
        ],
      },
      1,
      2,
    );
    expect(counts).toEqual({
      since: 1,
      until: 2,
      humanDecisions: 40,
      approvals: 36,
      reported: 23,
      incorrect: 3,
    });
  });
});

/** Both windows with 95 % approvals and `n` outcomes each, wrong at the given probabilities. */
function simulated(rand: () => number, pPrevious: number, pRecent: number, n: number) {
  const wrong = (p: number) => Array.from({ length: n }, () => rand() < p).filter(Boolean).length;
  const w = windows({ approve: 38, wrong: 0 }, { approve: 38, wrong: 0 }, n);
  return {
    previous: { ...w.previous, incorrect: wrong(pPrevious) },
    recent: { ...w.recent, incorrect: wrong(pRecent) },
  };
}
