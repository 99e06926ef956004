import { describe, expect, test } from "vitest";
import { seededRandom } from "../random.js";
import { clopperPearsonUpper } from "./binomial.js";
import { type CalibrationItem, recommendThreshold, reliabilityCurve, thresholdTable } from "./calibration.js";

/**
 * A model whose confidence is uniform on [0.5, 1] and overconfident by a known amount: the chance its
 * proposal is right at confidence c is c − 0.3·(1 − c). The true error rate of everything at or above
 * threshold t is then the mean of 1.3·(1 − c) over [t, 1] = 0.65·(1 − t).
 */
const trueAccuracy = (c: number) => c - 0.3 * (1 - c);
const trueErrorAbove = (t: number) => 0.65 * (1 - t);

function history(n: number, seed: number): CalibrationItem[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => {
    const confidence = 0.5 + 0.5 * r();
    return { confidence, correct: r() < trueAccuracy(confidence) };
  });
}

describe("reliability curve", () => {
  test("bins hold the items of their confidence range and recover the known accuracy", () => {
    const curve = reliabilityCurve(history(50_000, 1), 10);
    expect(curve.bins).toHaveLength(10);
    expect(curve.bins.slice(0, 5).every((b) => b.count === 0 && b.accuracy === null)).toBe(true);
    expect(curve.bins.reduce((s, b) => s + b.count, 0)).toBe(50_000);
    for (const bin of curve.bins.slice(5)) {
      const mid = (bin.lower + bin.upper) / 2;
      expect(bin.accuracy).toBeCloseTo(trueAccuracy(mid), 1);
      const [lo, hi] = bin.interval as [number, number];
      expect(lo).toBeLessThan(bin.accuracy as number);
      expect(hi).toBeGreaterThan(bin.accuracy as number);
    }
    // Overconfident by 0.3·(1 − c): the mean gap over [0.5, 1] is 0.075.
    expect(curve.expectedCalibrationError).toBeCloseTo(0.075, 2);
  });

  test("a perfectly calibrated model has an expected calibration error near 0; no items gives null", () => {
    const r = seededRandom(7);
    const items = Array.from({ length: 40_000 }, () => {
      const confidence = r();
      return { confidence, correct: r() < confidence };
    });
    expect(reliabilityCurve(items).expectedCalibrationError).toBeLessThan(0.01);
    expect(reliabilityCurve([]).expectedCalibrationError).toBeNull();
    expect(reliabilityCurve([{ confidence: 1, correct: true }]).bins[9]?.count).toBe(1);
  });
});

describe("threshold table", () => {
  test("auto-route rate and error rate at every threshold, counted exactly", () => {
    const items: CalibrationItem[] = [
      { confidence: 0.95, correct: true },
      { confidence: 0.9, correct: false },
      { confidence: 0.9, correct: true },
      { confidence: 0.7, correct: false },
    ];
    const rows = thresholdTable(items, { thresholds: [0.9, 0.5, 0.99, 0.8] });
    expect(rows.map((r) => r.threshold)).toEqual([0.5, 0.8, 0.9, 0.99]);
    expect(rows.map((r) => [r.autoCount, r.errors])).toEqual([
      [4, 2],
      [3, 1],
      [3, 1],
      [0, 0],
    ]);
    expect(rows[1]?.autoRate).toBe(0.75);
    expect(rows[1]?.errorRate).toBeCloseTo(1 / 3, 12);
    expect(rows[1]?.errorUpperBound).toBeCloseTo(clopperPearsonUpper(1, 3), 12);
    expect(rows[3]).toMatchObject({ autoRate: 0, errorRate: null, errorUpperBound: 1 });
  });
});

describe("recommended threshold", () => {
  test("meets the tolerated error rate on fresh data from the same source", () => {
    const maxError = 0.02;
    const rec = recommendThreshold(history(20_000, 11), maxError);
    expect(rec.threshold).not.toBeNull();
    const t = rec.threshold as number;
    // The truth: 0.65·(1 − t) ≤ 0.02 needs t ≥ 0.9693…; the grid's lowest safe step is 0.97.
    expect(trueErrorAbove(t)).toBeLessThanOrEqual(maxError);
    // And not needlessly strict: within a few grid steps of the best possible threshold.
    expect(t).toBeLessThanOrEqual(0.99);
    const fresh = thresholdTable(history(200_000, 12), { thresholds: [t] })[0];
    expect(fresh?.errorRate as number).toBeLessThanOrEqual(maxError);
    expect(rec.row?.errorUpperBound).toBeLessThanOrEqual(maxError);
    expect(rec.method).toContain("Clopper-Pearson");
  });

  test("over many histories, the recommendation breaks the tolerance no more often than 1 - level", () => {
    const maxError = 0.05;
    let violations = 0;
    let recommended = 0;
    const runs = 200;
    for (let seed = 100; seed < 100 + runs; seed++) {
      const rec = recommendThreshold(history(3_000, seed), maxError, { level: 0.9 });
      if (rec.threshold !== null) recommended++;
      if (rec.threshold !== null && trueErrorAbove(rec.threshold) > maxError) violations++;
    }
    // Most histories are large enough to recommend something (so the bound below is not vacuous).
    expect(recommended).toBeGreaterThanOrEqual(100);
    // At most 10 % by construction; the grid makes it far rarer. 0.1·200 = 20 plus binomial slack.
    expect(violations).toBeLessThanOrEqual(30);
  });

  test("says why when no threshold can be shown safe", () => {
    const few = recommendThreshold(history(100, 3), 0.01);
    expect(few.threshold).toBeNull();
    expect(few.minCases).toBe(299);
    expect(few.reason).toMatch(/at least 299 cases/);
    // Plenty of cases, but the model is wrong half the time even at its most confident.
    const r = seededRandom(5);
    const bad = Array.from({ length: 5_000 }, () => ({ confidence: 0.5 + 0.5 * r(), correct: r() < 0.5 }));
    const none = recommendThreshold(bad, 0.01);
    expect(none.threshold).toBeNull();
    expect(none.reason).toMatch(/cannot show/);
    expect(() => recommendThreshold(bad, 0)).toThrow(RangeError);
  });
});
