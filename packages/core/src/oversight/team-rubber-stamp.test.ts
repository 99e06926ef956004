import { describe, expect, it } from "vitest";
import { seededRandom, standardNormal } from "../random.js";
import {
  binomialUpperTail,
  detectRubberStamps,
  detectTeamRubberStamps,
  type ReviewDecision,
} from "./index.js";

/**
 * The absolute checks in a seeded simulation (issue 15, item 1): a team that meets the standards raises
 * false alarms in at most alpha of the runs, per reviewer and per workflow, even at the very edge of the
 * null hypothesis; a stamping team with no diligent peer and a lone stamper are flagged in every run.
 *
 * A case is a catch trial with probability 0.2 (its proposal wrong for 7 gold items in 10), otherwise a
 * real case whose proposal is wrong with probability 0.15; one real approval in ten is audited, and the
 * auditor finds it incorrect exactly when the proposal was wrong. The policy minimum is 5 s, so the dwell
 * floor is 10 s.
 */
interface Profile {
  /** P(approve | the proposal is right) and P(approve | it is wrong). */
  approveRight: number;
  approveWrong: number;
  /** Dwell: the policy minimum plus a lognormal with this median (σ 0.5 on the log scale). */
  medianMs: number;
}

const MIN_REVIEW_MS = 5_000;
/** 60 s over the minimum; rejects 95 % of wrong proposals (about 4 % of catch trials missed). */
const DILIGENT: Profile = { approveRight: 0.97, approveWrong: 0.05, medianMs: 60_000 };
/**
 * The edge of H0: misses 10 % of catch trials on both sides and approves 10 % of known-wrong proposals,
 * exactly the tolerance, and holds half its cases under the 10 s floor (median 5 s over the minimum).
 */
const EDGE: Profile = { approveRight: 0.9, approveWrong: 0.1, medianMs: 5_000 };
/** Waits out the minimum, then approves nearly everything within 4 s. */
const STAMPER: Profile = { approveRight: 0.99, approveWrong: 0.99, medianMs: 1_500 };

function simulate(
  seed: number,
  team: Array<[string, Profile]>,
  perReviewer: number,
  workflow = "refunds",
): ReviewDecision[] {
  const rand = seededRandom(seed);
  const out: ReviewDecision[] = [];
  for (const [reviewer, p] of team) {
    for (let i = 0; i < perReviewer; i++) {
      const trial = rand() < 0.2;
      const wrong = rand() < (trial ? 0.7 : 0.15);
      const approve = rand() < (wrong ? p.approveWrong : p.approveRight);
      const audited = !trial && approve && rand() < 0.1;
      out.push({
        reviewer,
        workflow,
        verdict: approve ? "approve" : "reject",
        heldMs: MIN_REVIEW_MS + Math.round(p.medianMs * Math.exp(0.5 * standardNormal(rand))),
        at: i * 60_000,
        minReviewMs: MIN_REVIEW_MS,
        ...(trial && { catchTrial: { passed: approve !== wrong, expected: wrong ? "reject" : "approve" } }),
        ...(audited && { audit: { correct: !wrong } }),
      });
    }
  }
  return out;
}

const team = (prefix: string, size: number, p: Profile): Array<[string, Profile]> =>
  Array.from({ length: size }, (_, i): [string, Profile] => [`${prefix}-${i}`, p]);

/** The smallest m with P(Binomial(trials, alpha) > m) ≤ 0.001: the most false alarms a rate ≤ alpha allows. */
function tolerance(trials: number, alpha: number): number {
  let m = 0;
  while (binomialUpperTail(m + 1, trials, alpha) > 0.001) m++;
  return m;
}

describe("absolute checks: a stamping team and a lone stamper", () => {
  it("flags a team of 3 stampers with no diligent peer, and each of them, in every seeded run", () => {
    for (let seed = 1; seed <= 50; seed++) {
      const decisions = simulate(seed, team("stamper", 3, STAMPER), 30);
      const [wf] = detectTeamRubberStamps(decisions);
      expect(wf?.flagged).toBe(true);
      expect(wf?.evidence).toMatchObject({ reviewers: 3, decisions: 90 });
      expect(wf?.signals.find((s) => s.kind === "dwell_below_floor")?.significant).toBe(true);
      const findings = detectRubberStamps(decisions);
      for (const f of findings) {
        expect(f.flagged).toBe(true);
        expect(f.basis).toEqual(["absolute"]);
      }
    }
  });

  it("flags a lone stamper, who has no peer to be compared with, in every seeded run", () => {
    for (let seed = 1; seed <= 50; seed++) {
      const decisions = simulate(seed, [["alone", STAMPER]], 30);
      const [f] = detectRubberStamps(decisions);
      expect(f?.flagged).toBe(true);
      expect(f?.evidence.peerDecisions).toBe(0);
      expect(f?.signals.some((s) => s.basis === "relative" && s.kind.endsWith("_vs_peers"))).toBe(false);
      expect(detectTeamRubberStamps(decisions)[0]?.flagged).toBe(true);
    }
  });

  it("flags the team on catch trials alone when the stampers take their time", () => {
    // Slow stampers: dwell like the diligent, but every trial approved. Only the trial tests can see it.
    const slow: Profile = { ...STAMPER, medianMs: 60_000 };
    let flagged = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const [wf] = detectTeamRubberStamps(simulate(seed, team("slow", 3, slow), 30));
      const hits = wf?.signals.filter((s) => s.significant).map((s) => s.kind) ?? [];
      expect(hits).not.toContain("dwell_below_floor");
      if (wf?.flagged) flagged++;
    }
    expect(flagged).toBe(20);
  });
});

describe("absolute checks: the false-alarm rate", () => {
  const alpha = 0.01;

  it("keeps workflow-level false alarms within alpha for diligent teams and at the edge of H0 (2 000 runs each)", () => {
    const runs = 2000;
    const limit = tolerance(runs, alpha);
    for (const profile of [DILIGENT, EDGE]) {
      let flagged = 0;
      for (let seed = 0; seed < runs; seed++) {
        const [wf] = detectTeamRubberStamps(simulate(50_000 + seed, team("r", 5, profile), 30), { alpha });
        if (wf?.flagged) flagged++;
      }
      // Measured at the time of writing: diligent 0 of 2 000; edge of H0 13 of 2 000 (0.65 %); limit 35.
      expect(flagged).toBeLessThanOrEqual(limit);
    }
  });

  it("keeps per-reviewer false alarms (relative and absolute signals together) within alpha (2 000 reviewer-runs each)", () => {
    const runs = 400;
    const size = 5;
    const limit = tolerance(runs * size, alpha);
    for (const profile of [DILIGENT, EDGE]) {
      let flagged = 0;
      for (let seed = 0; seed < runs; seed++) {
        const findings = detectRubberStamps(simulate(90_000 + seed, team("r", size, profile), 60), { alpha });
        expect(findings).toHaveLength(size);
        flagged += findings.filter((f) => f.flagged).length;
      }
      // Measured at the time of writing: diligent 6 of 2 000 (0.3 %); edge of H0 9 of 2 000 (0.45 %);
      // limit 35.
      expect(flagged).toBeLessThanOrEqual(limit);
    }
  });
});
