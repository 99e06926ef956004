import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nearestRank } from "./governance.js";
import { QuantileSketch, SKETCH_RELATIVE_ERROR } from "./sketch.js";

const SEEDED = { seed: 20261126, numRuns: 300 };
const PERCENTILES = [1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100];

/** Resolution-like times in ms: many equal ones, long tails, zeros (auto approvals), a few negatives. */
const millis = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 90 * 86_400_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 2_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: -5_000, max: -1 }) },
);
const reals = fc.double({ min: -1e12, max: 1e12, noNaN: true, noDefaultInfinity: true });
const spread = fc.array(fc.oneof(millis, reals), { minLength: 1, maxLength: 400 });
/** Many values per bucket, where a bucket's answer is furthest from some of its values. */
const dense = fc.array(fc.integer({ min: 1_000_000, max: 1_100_000 }), { minLength: 1, maxLength: 400 });

function withinError(estimate: number | null, exact: number | null): boolean {
  if (exact === null || estimate === null) return estimate === exact;
  // A hair of slack for the rounding of log and pow at a bucket's edge.
  return Math.abs(estimate - exact) <= SKETCH_RELATIVE_ERROR * Math.abs(exact) * (1 + 1e-9);
}

describe("QuantileSketch", () => {
  it("answers every nearest-rank percentile within its relative error of the exact one", () => {
    fc.assert(
      fc.property(fc.oneof(spread, dense), (values) => {
        const sorted = [...values].sort((a, b) => a - b);
        const sketch = QuantileSketch.of(values);
        expect(sketch.count).toBe(values.length);
        for (const p of PERCENTILES) {
          const estimate = sketch.percentile(p);
          const exact = nearestRank(sorted, p);
          if (!withinError(estimate, exact)) expect({ p, estimate, exact }).toBeUndefined();
        }
      }),
      SEEDED,
    );
  });

  it("merges into the sketch of both inputs, and taking values out leaves the sketch of the rest", () => {
    fc.assert(
      fc.property(fc.array(millis, { maxLength: 200 }), fc.array(millis, { maxLength: 200 }), (a, b) => {
        const both = QuantileSketch.of([...a, ...b]).toJSON();
        expect(QuantileSketch.of(a).merge(QuantileSketch.of(b)).toJSON()).toEqual(both);
        const rest = QuantileSketch.of([...a, ...b]).merge(QuantileSketch.of(b), -1);
        expect(rest.toJSON()).toEqual(QuantileSketch.of(a).toJSON());
        expect(rest.count).toBe(a.length);
        for (const v of b) rest.add(v);
        expect(rest.toJSON()).toEqual(both);
      }),
      SEEDED,
    );
  });

  it("stores as plain buckets and reads back the same sketch", () => {
    fc.assert(
      fc.property(fc.array(millis, { maxLength: 300 }), (values) => {
        const sketch = QuantileSketch.of(values);
        const stored = JSON.parse(JSON.stringify(sketch.toJSON()));
        const read = QuantileSketch.fromJSON(stored);
        expect(read.toJSON()).toEqual(sketch.toJSON());
        for (const p of PERCENTILES) expect(read.percentile(p)).toBe(sketch.percentile(p));
      }),
      SEEDED,
    );
  });

  it("answers a value exactly when it is alone in its bucket", () => {
    // 0, 70, 80 and 130 s are far apart (more than 1 % each), so each has a bucket of its own.
    const s = QuantileSketch.of([0, 70_000, 80_000, 130_000, 130_000]);
    expect([s.percentile(20), s.percentile(40), s.percentile(60), s.percentile(100)]).toEqual([
      0, 70_000, 80_000, 130_000,
    ]);
    // 1000 and 1005 ms share a bucket: the answer is their mean, within 1 % of either.
    expect(QuantileSketch.of([1000, 1005]).percentile(50)).toBe(1002.5);
  });

  it("is empty after every value is taken out, and says so", () => {
    const s = QuantileSketch.of([5, 7, -3, 0]);
    for (const v of [5, 7, -3, 0]) s.add(v, -1);
    expect(s.count).toBe(0);
    expect(s.toJSON()).toEqual([]);
    expect(s.percentile(50)).toBeNull();
  });

  it("refuses values and percentiles it cannot answer for", () => {
    expect(() => new QuantileSketch().add(Number.NaN)).toThrow(RangeError);
    expect(() => new QuantileSketch().add(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => QuantileSketch.of([1]).percentile(0)).toThrow(RangeError);
    expect(() => QuantileSketch.of([1]).percentile(101)).toThrow(RangeError);
  });
});
