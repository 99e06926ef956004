import { describe, expect, it } from "vitest";
import { seededRandom, standardNormal } from "../random.js";
import {
  binomialUpperTail,
  detectRubberStamps,
  fisherExactGreater,
  longestRun,
  longestRunBound,
  mannWhitneyLess,
  normalCdf,
  type ReviewDecision,
} from "./index.js";

describe("binomialUpperTail", () => {
  it("matches hand-computed tails", () => {
    expect(binomialUpperTail(2, 3, 0.5)).toBeCloseTo(4 / 8, 12);
    expect(binomialUpperTail(3, 3, 0.5)).toBeCloseTo(1 / 8, 12);
    expect(binomialUpperTail(9, 10, 0.5)).toBeCloseTo(11 / 1024, 12);
    // P(X ≥ 2 | n = 4, p = 0.2) = 1 − 0.8⁴ − 4·0.2·0.8³ = 0.1808
    expect(binomialUpperTail(2, 4, 0.2)).toBeCloseTo(0.1808, 12);
  });

  it("handles the edges", () => {
    expect(binomialUpperTail(0, 5, 0.3)).toBe(1);
    expect(binomialUpperTail(6, 5, 0.3)).toBe(0);
    expect(binomialUpperTail(1, 5, 0)).toBe(0);
    expect(binomialUpperTail(5, 5, 1)).toBe(1);
  });
});

describe("fisherExactGreater", () => {
  // Fisher (1935), The Design of Experiments, "lady tasting tea": 8 cups, 4 milk-first; all 4 right has
  // probability 1/C(8,4) = 1/70; 3 right or better has (16 + 1)/70.
  it("reproduces the lady-tasting-tea tails", () => {
    expect(fisherExactGreater(4, 0, 0, 4)).toBeCloseTo(1 / 70, 12);
    expect(fisherExactGreater(3, 1, 1, 3)).toBeCloseTo(17 / 70, 12);
    expect(fisherExactGreater(0, 4, 4, 0)).toBeCloseTo(1, 12);
  });
});

describe("normalCdf", () => {
  it("matches tabulated values", () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(-1.959963984540054)).toBeCloseTo(0.025, 6);
    expect(normalCdf(1.6448536269514722)).toBeCloseTo(0.95, 6);
    // Φ(−5) = 2.866515718791939e-7: relative accuracy in the far tail.
    expect(normalCdf(-5) / 2.866515718791939e-7).toBeCloseTo(1, 5);
  });
});

describe("mannWhitneyLess", () => {
  it("gives U = 0 for complete separation, with the untied variance n1·n2·(N+1)/12", () => {
    const r = mannWhitneyLess([1, 2, 3], [4, 5, 6]);
    expect(r.u).toBe(0);
    expect(r.mean).toBe(4.5);
    expect(r.variance).toBeCloseTo(5.25, 12);
    // z = (0 − 4.5 + 0.5) / √5.25 = −1.7457
    expect(r.z).toBeCloseTo(-4 / Math.sqrt(5.25), 12);
    expect(r.pLess).toBeCloseTo(normalCdf(-4 / Math.sqrt(5.25)), 12);
    expect(r.pLess).toBeCloseTo(0.04043, 4);
  });

  it("counts pairs (U of x = 3 for x = [1,3,5], y = [2,4,6])", () => {
    expect(mannWhitneyLess([1, 3, 5], [2, 4, 6]).u).toBe(3);
    expect(mannWhitneyLess([2, 4, 6], [1, 3, 5]).u).toBe(6);
  });

  it("uses average ranks and the tie-corrected variance", () => {
    // Ranks of 1,2,2,2,3,4: 1, 3, 3, 3, 5, 6 → R_x = 7, U = 7 − 6 = 1 (pair count: 0 + ½ + ½).
    // Ties: one group of 3 → Σ(t³ − t) = 24; Var = 9/12 · (7 − 24/30) = 4.65.
    const r = mannWhitneyLess([1, 2, 2], [2, 3, 4]);
    expect(r.u).toBe(1);
    expect(r.variance).toBeCloseTo(4.65, 12);
  });

  it("returns p = 1 when every value is tied", () => {
    expect(mannWhitneyLess([5, 5], [5, 5, 5]).pLess).toBe(1);
  });
});

describe("longest run and its bound", () => {
  it("finds the longest run", () => {
    expect(longestRun([])).toBe(0);
    expect(longestRun([true, true, false, true, true, true, false])).toBe(3);
  });

  it("bounds P(run ≥ L) by q^L·(1 + (n − L)(1 − q))", () => {
    // n = 3, L = 3: exact probability q³; the bound is exact.
    expect(longestRunBound(3, 3, 0.5)).toBeCloseTo(0.125, 12);
    // n = 3, L = 2, q = ½: exact P = P(TT·) + P(FTT) = ¼ + ⅛ = 0.375; the bound is ¼·(1 + ½) = 0.375.
    expect(longestRunBound(2, 3, 0.5)).toBeCloseTo(0.375, 12);
    expect(longestRunBound(0, 10, 0.1)).toBe(1);
    expect(longestRunBound(11, 10, 0.9)).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------
// Seeded simulation

interface Profile {
  medianMs: number;
  approval: number;
  catchPass: number;
}

const DILIGENT: Profile = { medianMs: 60_000, approval: 0.8, catchPass: 0.95 };
const STAMPER: Profile = { medianMs: 5_000, approval: 0.99, catchPass: 0.5 };

function simulate(seed: number, population: Array<[string, Profile]>, perReviewer = 200): ReviewDecision[] {
  const rand = seededRandom(seed);
  const out: ReviewDecision[] = [];
  for (const [reviewer, profile] of population) {
    for (let i = 0; i < perReviewer; i++) {
      const isCatch = rand() < 0.1;
      out.push({
        reviewer,
        workflow: "refunds",
        verdict: rand() < profile.approval ? "approve" : "reject",
        heldMs: Math.round(Math.exp(Math.log(profile.medianMs) + 0.5 * standardNormal(rand))),
        at: i * 60_000,
        ...(isCatch ? { catchTrial: { passed: rand() < profile.catchPass } } : {}),
      });
    }
  }
  return out;
}

const diligent = (count: number): Array<[string, Profile]> =>
  Array.from({ length: count }, (_, i): [string, Profile] => [`diligent-${i}`, DILIGENT]);
const stampers = (count: number): Array<[string, Profile]> =>
  Array.from({ length: count }, (_, i): [string, Profile] => [`stamper-${i}`, STAMPER]);

describe("detectRubberStamps", () => {
  it("does not flag below minDecisions, and reports the evidence", () => {
    const decisions = simulate(7, [...diligent(5), ...stampers(1)], 20);
    const findings = detectRubberStamps(decisions);
    expect(findings).toHaveLength(6);
    expect(findings.every((f) => !f.flagged)).toBe(true);
    const stamper = findings.find((f) => f.reviewer === "stamper-0");
    expect(stamper?.evidence.decisions).toBe(20);
    expect(stamper?.evidence.peerDecisions).toBe(100);
  });

  it("computes the peer dwell test as a direct Mann–Whitney of the reviewer against the other reviewers", () => {
    const decisions = simulate(9, [...diligent(3), ...stampers(1)], 40).map((d) => ({
      ...d,
      heldMs: Math.round(d.heldMs / 1000) * 1000, // coarse values force ties
    }));
    for (const f of detectRubberStamps(decisions)) {
      const own = decisions.filter((d) => d.reviewer === f.reviewer).map((d) => d.heldMs);
      const peers = decisions.filter((d) => d.reviewer !== f.reviewer).map((d) => d.heldMs);
      const direct = mannWhitneyLess(own, peers).pLess;
      expect(f.signals.find((s) => s.kind === "dwell_vs_peers")?.pValue).toBeCloseTo(direct, 12);
    }
  });

  it("flags every rubber-stamper among 20 diligent peers (seeded, 5 runs)", () => {
    for (let seed = 1; seed <= 5; seed++) {
      const findings = detectRubberStamps(simulate(seed, [...diligent(20), ...stampers(4)]));
      const flagged = findings.filter((f) => f.flagged).map((f) => f.reviewer);
      for (let i = 0; i < 4; i++) expect(flagged).toContain(`stamper-${i}`);
      const s = findings.find((f) => f.reviewer === "stamper-0");
      expect(s?.evidence.approvalRate).toBeGreaterThan(s?.evidence.peerApprovalRate ?? 1);
      expect(s?.evidence.medianHeldMs).toBeLessThan(s?.evidence.peerMedianHeldMs ?? 0);
      expect(s?.evidence.longestFastApprovalStreak).toBeGreaterThan(10);
      expect(s?.signals.find((x) => x.kind === "dwell_vs_peers")?.significant).toBe(true);
    }
  });

  it("flags a reviewer who turns into a rubber-stamper, on the own-history signals", () => {
    const peers = simulate(11, diligent(10));
    const early = simulate(12, [["turner", DILIGENT]], 100);
    const late = simulate(13, [["turner", STAMPER]], 100).map((d) => ({
      ...d,
      at: (d.at as number) + 6_000_000,
    }));
    const turner = detectRubberStamps([...peers, ...early, ...late]).find((f) => f.reviewer === "turner");
    expect(turner?.flagged).toBe(true);
    const kinds = turner?.signals.filter((s) => s.significant).map((s) => s.kind) ?? [];
    expect(kinds).toContain("approval_vs_own_history");
    expect(kinds).toContain("dwell_vs_own_history");
    expect(turner?.evidence.recentApprovalRate).toBeGreaterThan(turner?.evidence.earlierApprovalRate ?? 1);
  });

  it("flags a burst of fast approvals on the streak signal", () => {
    const peers = simulate(21, diligent(10));
    const own = simulate(22, [["burst", DILIGENT]], 200).map((d, i) =>
      i >= 90 && i < 110 ? { ...d, verdict: "approve", heldMs: 2_000 } : d,
    );
    const burst = detectRubberStamps([...peers, ...own]).find((f) => f.reviewer === "burst");
    expect(burst?.evidence.longestFastApprovalStreak).toBeGreaterThanOrEqual(20);
    expect(burst?.signals.find((s) => s.kind === "fast_approval_streak")?.significant).toBe(true);
    expect(burst?.flagged).toBe(true);
  });

  it("keeps the false-alarm share of diligent reviewers within alpha plus binomial tolerance (50 runs)", () => {
    const alpha = 0.01;
    const runs = 50;
    const reviewers = 20;
    let flagged = 0;
    for (let seed = 1000; seed < 1000 + runs; seed++) {
      const findings = detectRubberStamps(simulate(seed, diligent(reviewers)), { alpha });
      expect(findings).toHaveLength(reviewers);
      flagged += findings.filter((f) => f.flagged).length;
    }
    const trials = runs * reviewers;
    // Tolerance: the smallest m with P(Binomial(trials, alpha) > m) ≤ 0.001.
    let tolerance = 0;
    while (binomialUpperTail(tolerance + 1, trials, alpha) > 0.001) tolerance++;
    // Measured at the time of writing: 3 of 1000 reviewer-runs flagged (0.3 %; 6 before the absolute
    // signals joined the Bonferroni family); tolerance 21.
    expect(flagged).toBeLessThanOrEqual(tolerance);
  });
});
