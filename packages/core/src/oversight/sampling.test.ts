import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AuditItem,
  auditInclusionProbabilities,
  auditInclusionProbability,
  auditWeight,
  drawAuditSample,
  errorRateStandardError,
  estimateErrorRate,
  medianHumanHeldMs,
  uniform,
} from "./index.js";

const itemShape = fc.record({
  heldMs: fc.option(fc.integer({ min: 0, max: 600_000 }), { nil: null }),
  route: fc.constantFrom<AuditItem["route"]>("auto", "review", "human_only"),
});

/** Items with unique case ids `${prefix}${index}`. */
function itemsArb(prefix: string, minLength = 0, maxLength = 80): fc.Arbitrary<AuditItem[]> {
  return fc
    .array(itemShape, { minLength, maxLength })
    .map((shapes) => shapes.map((shape, i) => ({ caseId: `${prefix}${i}`, ...shape })));
}

const rateArb = fc.double({ min: 0.001, max: 1, noNaN: true });

function ids(sample: Array<{ caseId: string }>): string[] {
  return sample.map((draw) => draw.caseId).sort();
}

describe("uniform", () => {
  it("is in [0, 1), deterministic, and depends on both seed and case id", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (seed, caseId) => {
        const u = uniform(seed, caseId);
        expect(u).toBeGreaterThanOrEqual(0);
        expect(u).toBeLessThan(1);
        expect(uniform(seed, caseId)).toBe(u);
      }),
    );
    expect(uniform("ab", "c")).not.toBe(uniform("a", "bc"));
    expect(uniform("s", "case-1")).not.toBe(uniform("s", "case-2"));
    expect(uniform("s1", "case-1")).not.toBe(uniform("s2", "case-1"));
  });

  it("has mean ≈ 1/2 and each decile ≈ 1/10 over 20,000 ids", () => {
    const n = 20_000;
    const counts = new Array<number>(10).fill(0);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const u = uniform("uniformity", `case-${i}`);
      sum += u;
      counts[Math.floor(u * 10)] = (counts[Math.floor(u * 10)] ?? 0) + 1;
    }
    // Mean of n U(0,1): sd = sqrt(1/12/n) ≈ 0.002; allow 5 sd.
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    // Pearson χ² with 9 df; 99.9th percentile is 27.88.
    const expected = n / 10;
    const chi2 = counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(27.88);
  });
});

describe("auditWeight / auditInclusionProbability", () => {
  const opts = { rate: 0.1, fastBelowMs: 10_000, fastWeight: 4, autoWeight: 2 };

  it("weights fast human approvals by fastWeight, auto approvals by autoWeight, others by 1", () => {
    expect(auditWeight({ heldMs: 5_000, route: "review" }, opts)).toBe(4);
    expect(auditWeight({ heldMs: 5_000, route: "human_only" }, opts)).toBe(4);
    expect(auditWeight({ heldMs: 10_000, route: "review" }, opts)).toBe(1);
    expect(auditWeight({ heldMs: null, route: "review" }, opts)).toBe(1);
    expect(auditWeight({ heldMs: 0, route: "auto" }, opts)).toBe(2);
    expect(auditWeight({ heldMs: null, route: "auto" }, opts)).toBe(2);
    expect(auditWeight({ heldMs: 1, route: "review" }, { rate: 0.1 })).toBe(1);
  });

  it("is min(1, rate · w / meanWeight)", () => {
    expect(auditInclusionProbability({ heldMs: 5_000, route: "review" }, opts)).toBeCloseTo(0.4, 12);
    expect(auditInclusionProbability({ heldMs: 60_000, route: "review" }, opts)).toBeCloseTo(0.1, 12);
    expect(
      auditInclusionProbability({ heldMs: null, route: "auto" }, { ...opts, meanWeight: 2 }),
    ).toBeCloseTo(0.1, 12);
    expect(auditInclusionProbability({ heldMs: 5_000, route: "review" }, { ...opts, rate: 0.5 })).toBe(1);
  });

  it("rejects invalid options", () => {
    const item = { heldMs: 1, route: "review" } as const;
    expect(() => auditInclusionProbability(item, { rate: -0.1 })).toThrow(RangeError);
    expect(() => auditInclusionProbability(item, { rate: 1.5 })).toThrow(RangeError);
    expect(() => auditInclusionProbability(item, { rate: Number.NaN })).toThrow(RangeError);
    expect(() => auditInclusionProbability(item, { rate: 0.1, fastWeight: 0 })).toThrow(RangeError);
    expect(() => auditInclusionProbability(item, { rate: 0.1, meanWeight: -1 })).toThrow(RangeError);
    expect(() => drawAuditSample([], { seed: "s", rate: 2 })).toThrow(RangeError);
  });
});

describe("medianHumanHeldMs", () => {
  it("is the median of known human heldMs, ignoring auto and null", () => {
    expect(
      medianHumanHeldMs([
        { heldMs: 3, route: "review" },
        { heldMs: 1, route: "human_only" },
        { heldMs: 100, route: "auto" },
        { heldMs: null, route: "review" },
        { heldMs: 2, route: "review" },
      ]),
    ).toBe(2);
    expect(
      medianHumanHeldMs([
        { heldMs: 4, route: "review" },
        { heldMs: 1, route: "review" },
      ]),
    ).toBe(2.5);
    expect(medianHumanHeldMs([{ heldMs: null, route: "review" }])).toBeUndefined();
    expect(medianHumanHeldMs([])).toBeUndefined();
  });
});

describe("auditInclusionProbabilities (batch design)", () => {
  it("gives probabilities in (0, 1] that sum to exactly rate × N, capped or not", () => {
    fc.assert(
      fc.property(
        itemsArb("c", 1),
        rateArb,
        fc.double({ min: 1, max: 20, noNaN: true }),
        (items, rate, fw) => {
          const pi = auditInclusionProbabilities(items, { rate, fastWeight: fw });
          for (const p of pi) {
            expect(p).toBeGreaterThan(0);
            expect(p).toBeLessThanOrEqual(1);
          }
          const sum = pi.reduce((a, b) => a + b, 0);
          expect(Math.abs(sum - rate * items.length)).toBeLessThan(1e-9 * items.length);
        },
      ),
    );
  });

  it("is rate · w_i / mean(w) when nothing is capped", () => {
    fc.assert(
      fc.property(itemsArb("c", 1), fc.double({ min: 0.001, max: 0.2, noNaN: true }), (items, rate) => {
        const opts = { rate, fastWeight: 3, autoWeight: 1.5 };
        const fastBelowMs = medianHumanHeldMs(items);
        const w = items.map((item) =>
          auditWeight(item, fastBelowMs === undefined ? opts : { ...opts, fastBelowMs }),
        );
        const meanW = w.reduce((a, b) => a + b, 0) / w.length;
        // Only batches where no π reaches 1 (otherwise the capping redistributes).
        fc.pre(w.every((wi) => (rate * wi) / meanW < 1));
        const pi = auditInclusionProbabilities(items, opts);
        pi.forEach((p, i) => {
          expect(p).toBeCloseTo((rate * (w[i] as number)) / meanW, 12);
        });
      }),
    );
  });

  it("gives fast human approvals a higher probability than slow ones in the same batch", () => {
    fc.assert(
      fc.property(itemsArb("c", 2), fc.double({ min: 0.001, max: 0.99, noNaN: true }), (items, rate) => {
        const fastBelowMs = medianHumanHeldMs(items);
        fc.pre(fastBelowMs !== undefined);
        const pi = auditInclusionProbabilities(items, { rate, fastWeight: 3 });
        items.forEach((fast, i) => {
          items.forEach((slow, j) => {
            if (
              fast.route === "auto" ||
              slow.route === "auto" ||
              fast.heldMs === null ||
              slow.heldMs === null
            )
              return;
            if (fast.heldMs < (fastBelowMs as number) && slow.heldMs >= (fastBelowMs as number)) {
              const pf = pi[i] as number;
              const ps = pi[j] as number;
              // Strictly higher unless both are capped at 1.
              if (ps < 1) expect(pf).toBeGreaterThan(ps);
              else expect(pf).toBe(1);
            }
          });
        });
      }),
    );
  });
});

describe("drawAuditSample", () => {
  it("is reproducible: same seed → same sample, whatever the input order", () => {
    fc.assert(
      fc.property(itemsArb("c"), rateArb, fc.string(), (items, rate, seed) => {
        const first = drawAuditSample(items, { seed, rate });
        expect(drawAuditSample(items, { seed, rate })).toEqual(first);
        const reversed = drawAuditSample([...items].reverse(), { seed, rate });
        expect(ids(reversed)).toEqual(ids(first));
      }),
    );
  });

  it("differs between seeds", () => {
    const items = Array.from({ length: 500 }, (_, i) => ({
      caseId: `case-${i}`,
      heldMs: i * 100,
      route: "review" as const,
    }));
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        fc.pre(a !== b);
        // Equal samples have probability Π(π²+(1−π)²) ≤ (0.625)^500 at rate 0.25: never in practice.
        expect(ids(drawAuditSample(items, { seed: a, rate: 0.25 }))).not.toEqual(
          ids(drawAuditSample(items, { seed: b, rate: 0.25 })),
        );
      }),
      { numRuns: 50 },
    );
  });

  it("frozen design: a case's inclusion does not change when other cases are added", () => {
    fc.assert(
      fc.property(itemsArb("c"), itemsArb("x"), rateArb, fc.string(), (items, extra, rate, seed) => {
        const opts = { seed, rate, fastBelowMs: 30_000, fastWeight: 3, meanWeight: 2 };
        const before = drawAuditSample(items, opts);
        const after = drawAuditSample([...extra, ...items], opts).filter((d) => d.caseId.startsWith("c"));
        expect(after).toEqual(before);
      }),
    );
  });

  it("batch design: adding cases only moves a case across its fixed draw u = uniform(seed, id)", () => {
    fc.assert(
      fc.property(itemsArb("c", 1), itemsArb("x"), rateArb, fc.string(), (items, extra, rate, seed) => {
        const grown = [...items, ...extra];
        const pi = auditInclusionProbabilities(grown, { rate });
        const included = new Set(ids(drawAuditSample(grown, { seed, rate })));
        grown.forEach((item, i) => {
          expect(included.has(item.caseId)).toBe(uniform(seed, item.caseId) < (pi[i] as number));
        });
      }),
    );
  });

  it("reports π and the design weight 1/π for each included case", () => {
    fc.assert(
      fc.property(itemsArb("c"), rateArb, fc.string(), (items, rate, seed) => {
        const pi = auditInclusionProbabilities(items, { rate });
        const byId = new Map(items.map((item, i) => [item.caseId, pi[i] as number]));
        for (const draw of drawAuditSample(items, { seed, rate })) {
          expect(draw.probability).toBe(byId.get(draw.caseId));
          expect(draw.weight).toBeCloseTo(1 / draw.probability, 12);
          expect(draw.weight).toBeGreaterThanOrEqual(1);
        }
      }),
    );
  });

  it("edge cases: rate 0, rate 1, no items, all heldMs null", () => {
    const items: AuditItem[] = Array.from({ length: 50 }, (_, i) => ({
      caseId: `case-${i}`,
      heldMs: i % 3 === 0 ? null : i * 1_000,
      route: i % 4 === 0 ? "auto" : "review",
    }));
    expect(drawAuditSample(items, { seed: "s", rate: 0 })).toEqual([]);
    expect(auditInclusionProbabilities(items, { rate: 0 }).every((p) => p === 0)).toBe(true);

    const census = drawAuditSample(items, { seed: "s", rate: 1, fastWeight: 5 });
    expect(census.map((d) => d.caseId)).toEqual(items.map((item) => item.caseId));
    expect(census.every((d) => d.probability === 1 && d.weight === 1)).toBe(true);

    expect(drawAuditSample([], { seed: "s", rate: 0.3 })).toEqual([]);
    expect(auditInclusionProbabilities([], { rate: 0.3 })).toEqual([]);

    const unknownSpeed = items.map((item) => ({ ...item, heldMs: null }));
    const pi = auditInclusionProbabilities(unknownSpeed, { rate: 0.3, fastWeight: 5 });
    for (const p of pi) expect(p).toBeCloseTo(0.3, 12);
  });
});

describe("estimateErrorRate", () => {
  it("is Σ incorrect · w / N, null for an empty population", () => {
    const sample = [
      { weight: 2, incorrect: true },
      { weight: 5, incorrect: true },
      { weight: 10, incorrect: false },
    ];
    expect(estimateErrorRate(sample, 100)).toBeCloseTo(0.07, 12);
    expect(estimateErrorRate([], 100)).toBe(0);
    expect(estimateErrorRate(sample, 0)).toBeNull();
    // V̂ = Σ y (w² − w) / N² = (2 + 20) / 10^4.
    expect(errorRateStandardError(sample, 100)).toBeCloseTo(Math.sqrt(22) / 100, 12);
    expect(errorRateStandardError(sample, 0)).toBeNull();
  });

  it("is exact for a census (rate 1)", () => {
    const items: AuditItem[] = Array.from({ length: 40 }, (_, i) => ({
      caseId: `c${i}`,
      heldMs: i * 500,
      route: "review",
    }));
    const sample = drawAuditSample(items, { seed: "census", rate: 1 });
    const audited = sample.map((d) => ({ weight: d.weight, incorrect: Number(d.caseId.slice(1)) % 4 === 0 }));
    expect(estimateErrorRate(audited, items.length)).toBe(0.25);
    expect(errorRateStandardError(audited, items.length)).toBe(0);
  });

  // Monte-Carlo check of the design property (Horvitz & Thompson 1952): over repeated Poisson samples
  // E[Σ_s y_i/π_i] = Σ_U y_i, so the HT rate averages to the true rate although fast approvals — which
  // here are wrong far more often — are oversampled; the naive audited share is biased upward.
  it("Horvitz–Thompson is unbiased where the naive audited error rate is biased upward", () => {
    const population: Array<AuditItem & { incorrect: boolean }> = [];
    const add = (
      prefix: string,
      count: number,
      wrong: number,
      heldMs: number | null,
      route: AuditItem["route"],
    ) => {
      for (let i = 0; i < count; i++)
        population.push({ caseId: `${prefix}${i}`, heldMs, route, incorrect: i < wrong });
    };
    add("fast-", 500, 100, 1_000, "review"); // 20% wrong
    add("slow-", 500, 10, 60_000, "review"); // 2% wrong
    add("auto-", 1_000, 50, null, "auto"); // 5% wrong
    const n = population.length;
    const trueRate = 160 / n; // 0.08
    const opts = { rate: 0.1, fastWeight: 4 };
    const incorrect = new Map(population.map((item) => [item.caseId, item.incorrect]));

    // Exact design variance of the HT rate under Poisson sampling: Σ_U y (1 − π)/π / N².
    const pi = auditInclusionProbabilities(population, opts);
    const htVariance =
      population.reduce(
        (acc, item, i) => acc + (item.incorrect ? (1 - (pi[i] as number)) / (pi[i] as number) : 0),
        0,
      ) /
      (n * n);
    // Expected naive rate ≈ Σ π y / Σ π (ratio of expectations).
    const naiveApprox =
      population.reduce((acc, item, i) => acc + (item.incorrect ? (pi[i] as number) : 0), 0) /
      pi.reduce((a, b) => a + b, 0);

    const runs = 300;
    let htSum = 0;
    let htSquares = 0;
    let naiveSum = 0;
    for (let r = 0; r < runs; r++) {
      const sample = drawAuditSample(population, { ...opts, seed: `mc-seed-${r}` });
      const audited = sample.map((d) => ({ weight: d.weight, incorrect: incorrect.get(d.caseId) === true }));
      const ht = estimateErrorRate(audited, n) as number;
      htSum += ht;
      htSquares += ht * ht;
      naiveSum += audited.filter((a) => a.incorrect).length / audited.length;
    }
    const htMean = htSum / runs;
    const naiveMean = naiveSum / runs;
    const standardErrorOfMean = Math.sqrt(htVariance / runs);

    // Unbiased: the mean of 300 HT estimates is within 4 standard errors of the true rate.
    expect(Math.abs(htMean - trueRate)).toBeLessThan(4 * standardErrorOfMean);
    // The empirical spread agrees with the design variance (within 25%).
    const empiricalVariance = (htSquares - runs * htMean * htMean) / (runs - 1);
    expect(empiricalVariance / htVariance).toBeGreaterThan(0.75);
    expect(empiricalVariance / htVariance).toBeLessThan(1.25);
    // Naive: biased upward, far beyond the HT tolerance, towards Σπy/Σπ ≈ 0.131.
    expect(naiveApprox).toBeGreaterThan(0.12);
    expect(naiveMean - trueRate).toBeGreaterThan(10 * standardErrorOfMean);
    expect(Math.abs(naiveMean - naiveApprox)).toBeLessThan(0.01);
  });
});
