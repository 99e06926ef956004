import { describe, expect, it } from "vitest";
import {
  approvalOf,
  type DecisionRow,
  type GovernanceRows,
  type GovernanceTallies,
  governanceFigures,
  governanceGroups,
  nearestRank,
  percentilesOf,
  postReviewErrors,
  QuantileSketch,
  type ResolvedCaseRow,
  talliedFigures,
  talliedGroups,
  tallyRows,
  utcDay,
} from "./index.js";

const T0 = Date.parse("2026-11-02T10:00:00Z");
const DAY = 86_400_000;

const decision = (o: Partial<DecisionRow>): DecisionRow => ({
  decidedBy: "alice",
  verdict: "approve",
  reasonCode: null,
  decidedAt: T0 + 60_000,
  revokedAt: null,
  riskClass: "low",
  caseCreatedAt: T0,
  ...o,
});

// Four cases: one auto, two review (one with trigger "flagged"), one human_only with two triggers.
const rows: GovernanceRows = {
  submitted: [
    { route: "auto", riskClass: "low", createdAt: T0, triggers: [] },
    { route: "review", riskClass: "low", createdAt: T0, triggers: ["flagged"] },
    { route: "review", riskClass: "high", createdAt: T0 + DAY, triggers: [] },
    { route: "human_only", riskClass: "high", createdAt: T0 + DAY, triggers: ["flagged", "amount"] },
  ],
  resolved: [
    { riskClass: "low", createdAt: T0, decidedAt: T0 },
    { riskClass: "low", createdAt: T0, decidedAt: T0 + 30_000 },
    { riskClass: "high", createdAt: T0 + DAY, decidedAt: T0 + DAY + 120_000 },
  ],
  decisions: [
    decision({ decidedBy: "policy", decidedAt: T0, caseCreatedAt: T0 }),
    decision({ decidedBy: "alice", verdict: "edit", reasonCode: "wrong_amount", decidedAt: T0 + 30_000 }),
    decision({
      decidedBy: "bob",
      verdict: "reject",
      reasonCode: "wrong_amount",
      riskClass: "high",
      caseCreatedAt: T0 + DAY,
      decidedAt: T0 + DAY + 120_000,
    }),
    decision({
      decidedBy: "bob",
      verdict: "approve",
      riskClass: "high",
      caseCreatedAt: T0 + DAY,
      decidedAt: T0 + DAY + 10_000,
    }),
    // Revoked inside its release window, and a timeout default: neither is a human decision.
    decision({ decidedBy: "bob", verdict: "override", reasonCode: "other", revokedAt: T0 + DAY }),
    decision({ decidedBy: "sla", verdict: "reject", reasonCode: "timeout" }),
  ],
};

describe("nearest-rank percentiles", () => {
  it("takes the value at rank ceil(p/100 × n)", () => {
    // The textbook example: 15, 20, 35, 40, 50 → p30 = 20 (rank 2), p40 = 20, p50 = 35, p100 = 50.
    const v = [15, 20, 35, 40, 50];
    expect(nearestRank(v, 30)).toBe(20);
    expect(nearestRank(v, 40)).toBe(20);
    expect(nearestRank(v, 50)).toBe(35);
    expect(nearestRank(v, 100)).toBe(50);
    expect(nearestRank([], 50)).toBeNull();
    expect(() => nearestRank(v, 0)).toThrow(RangeError);
  });

  it("sorts its input, and p99 of 1..100 is 99", () => {
    const v = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentilesOf(v)).toEqual({ p50: 50, p90: 90, p99: 99 });
    expect(percentilesOf([7])).toEqual({ p50: 7, p90: 7, p99: 7 });
  });
});

describe("respond and request_changes in the figures", () => {
  it("both count as overrides; a respond is a person's approval, a request for changes is not", () => {
    const f = governanceFigures({
      ...rows,
      decisions: [
        decision({ verdict: "approve" }),
        decision({ verdict: "respond" }),
        decision({ verdict: "request_changes" }),
        decision({ verdict: "approve" }),
      ],
    });
    expect(f.decisions).toBe(4);
    expect(f.overrideRate).toBe(0.5);
    expect(approvalOf({ decidedBy: "alice", verdict: "respond" })).toBe("human");
    expect(approvalOf({ decidedBy: "alice", verdict: "request_changes" })).toBeNull();
  });
});

describe("governance figures", () => {
  it("computes the window's rates by hand", () => {
    const f = governanceFigures(rows);
    expect(f.cases).toBe(4);
    // review, review, human_only out of 4.
    expect(f.escalationRate).toBe(0.75);
    // Human, not revoked: alice edit, bob reject, bob approve → 2 of 3.
    expect(f.decisions).toBe(3);
    expect(f.overrideRate).toBeCloseTo(2 / 3, 12);
    // Resolution times 0, 30, 120 s: p50 = rank 2 = 30; p90 = rank 3 = 120; p99 = 120.
    expect(f.resolutionSeconds).toEqual({ p50: 30, p90: 120, p99: 120 });
    expect(f.exceptionPatterns).toEqual([
      { kind: "reasonCode", name: "wrong_amount", count: 2, share: 2 / 3 },
      { kind: "trigger", name: "flagged", count: 2, share: 0.5 },
      { kind: "trigger", name: "amount", count: 1, share: 0.25 },
    ]);
  });

  it("gives null rates, not NaN, for an empty window", () => {
    expect(governanceFigures({ submitted: [], resolved: [], decisions: [] })).toEqual({
      cases: 0,
      decisions: 0,
      escalationRate: null,
      overrideRate: null,
      resolutionSeconds: { p50: null, p90: null, p99: null },
      exceptionPatterns: [],
      postReviewErrorRate: { auto: null, human: null },
      postReviewErrorCounts: { auto: { incorrect: 0, reported: 0 }, human: { incorrect: 0, reported: 0 } },
    });
  });

  it("keeps the ten most frequent patterns, ties by name", () => {
    const many = Array.from({ length: 12 }, (_, i) =>
      decision({ verdict: "reject", reasonCode: `r${String(i).padStart(2, "0")}` }),
    );
    many.push(decision({ verdict: "reject", reasonCode: "r11" }));
    const f = governanceFigures({ submitted: [], resolved: [], decisions: many });
    expect(f.exceptionPatterns.map((p) => p.name)).toEqual([
      "r11",
      "r00",
      "r01",
      "r02",
      "r03",
      "r04",
      "r05",
      "r06",
      "r07",
      "r08",
    ]);
  });
});

describe("governance groups", () => {
  it("groups by reviewer: only their own human decisions", () => {
    const g = governanceGroups(rows, "reviewer");
    expect(g.map((x) => x.key)).toEqual(["alice", "bob"]);
    const bob = g[1]?.figures;
    expect(bob).toMatchObject({ cases: 2, decisions: 2, escalationRate: null, overrideRate: 0.5 });
    // Decision − case submit: reject 120 s, approve 10 s → p50 = 10, p90 = 120.
    expect(bob?.resolutionSeconds).toEqual({ p50: 10, p90: 120, p99: 120 });
    expect(bob?.exceptionPatterns).toEqual([
      { kind: "reasonCode", name: "wrong_amount", count: 1, share: 0.5 },
    ]);
  });

  it("groups by risk class", () => {
    const g = governanceGroups(rows, "riskClass");
    expect(g.map((x) => x.key)).toEqual(["high", "low"]);
    expect(g[0]?.figures).toMatchObject({ cases: 2, escalationRate: 1, decisions: 2, overrideRate: 0.5 });
    expect(g[1]?.figures).toMatchObject({ cases: 2, escalationRate: 0.5, decisions: 1, overrideRate: 1 });
    expect(g[1]?.figures.resolutionSeconds).toEqual({ p50: 0, p90: 30, p99: 30 });
  });

  it("groups by UTC day", () => {
    expect(utcDay(Date.parse("2026-11-02T23:59:59.999Z"))).toBe("2026-11-02");
    expect(utcDay(Date.parse("2026-11-03T00:00:00Z"))).toBe("2026-11-03");
    const g = governanceGroups(rows, "day");
    expect(g.map((x) => x.key)).toEqual(["2026-11-02", "2026-11-03"]);
    // Day 1: auto + review submitted; alice's edit decided (policy, revoked and sla left out).
    expect(g[0]?.figures).toMatchObject({ cases: 2, escalationRate: 0.5, decisions: 1, overrideRate: 1 });
    // Day 2: review + human_only; bob's reject and approve.
    expect(g[1]?.figures).toMatchObject({ cases: 2, escalationRate: 1, decisions: 2, overrideRate: 0.5 });
    expect(g[1]?.figures.resolutionSeconds).toEqual({ p50: 120, p90: 120, p99: 120 });
  });
});

describe("postReviewErrors", () => {
  const c = (o: Partial<ResolvedCaseRow>): ResolvedCaseRow => ({
    riskClass: "low",
    createdAt: T0,
    decidedAt: T0,
    ...o,
  });

  it("is null with nothing to count, and ignores cases without an outcome or an approval", () => {
    expect(postReviewErrors([])).toEqual({
      postReviewErrorRate: { auto: null, human: null },
      postReviewErrorCounts: { auto: { incorrect: 0, reported: 0 }, human: { incorrect: 0, reported: 0 } },
    });
    const r = postReviewErrors([
      c({ approval: "auto", outcome: null }),
      c({ approval: "human" }),
      c({ approval: null, outcome: "incorrect" }), // rejected: not an approval
      c({ outcome: "incorrect" }),
    ]);
    expect(r.postReviewErrorRate).toEqual({ auto: null, human: null });
  });

  it("splits by who approved: 1 of 4 auto, 2 of 3 human", () => {
    const r = postReviewErrors([
      c({ approval: "auto", outcome: "incorrect" }),
      c({ approval: "auto", outcome: "correct" }),
      c({ approval: "auto", outcome: "correct" }),
      c({ approval: "auto", outcome: "correct" }),
      c({ approval: "auto" }),
      c({ approval: "human", outcome: "incorrect" }),
      c({ approval: "human", outcome: "incorrect" }),
      c({ approval: "human", outcome: "correct" }),
    ]);
    expect(r.postReviewErrorRate).toEqual({ auto: 0.25, human: 2 / 3 });
    expect(r.postReviewErrorCounts).toEqual({
      auto: { incorrect: 1, reported: 4 },
      human: { incorrect: 2, reported: 3 },
    });
  });

  it("counts a reviewer's own approvals in the reviewer groups", () => {
    const g = governanceGroups(
      {
        submitted: [],
        resolved: [
          c({ approval: "human", approvedBy: "alice", outcome: "incorrect" }),
          c({ approval: "human", approvedBy: "bob", outcome: "correct" }),
          c({ approval: "auto", outcome: "incorrect" }),
        ],
        decisions: [decision({ decidedBy: "alice" }), decision({ decidedBy: "bob" })],
      },
      "reviewer",
    );
    expect(g.map((x) => [x.key, x.figures.postReviewErrorRate])).toEqual([
      ["alice", { auto: null, human: 1 }],
      ["bob", { auto: null, human: 0 }],
    ]);
  });
});

const ms = (...seconds: number[]) => QuantileSketch.of(seconds.map((s) => s * 1000));
const sketched = (m: ReadonlyMap<string, QuantileSketch>) => new Map([...m].map(([k, s]) => [k, s.toJSON()]));

describe("tallies: the counts the store keeps in its rollups", () => {
  it("tallies rows by route, trigger, verdict and reason, and a sketch of the resolution times", () => {
    const t = tallyRows(rows);
    const sortBy = <T>(xs: readonly T[]) =>
      [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    expect(sortBy(t.routes)).toEqual(
      sortBy([
        { key: "", route: "auto", count: 1 },
        { key: "", route: "review", count: 2 },
        { key: "", route: "human_only", count: 1 },
      ]),
    );
    expect(sortBy(t.triggers)).toEqual(
      sortBy([
        { key: "", trigger: "flagged", count: 2 },
        { key: "", trigger: "amount", count: 1 },
      ]),
    );
    // Human and in force only: the policy's, the revoked and the SLA default are not tallied.
    expect(sortBy(t.verdicts)).toEqual(
      sortBy([
        { key: "", verdict: "edit", reasonCode: "wrong_amount", count: 1 },
        { key: "", verdict: "reject", reasonCode: "wrong_amount", count: 1 },
        { key: "", verdict: "approve", reasonCode: null, count: 1 },
      ]),
    );
    expect(sketched(t.resolutionMs)).toEqual(new Map([["", ms(0, 30, 120).toJSON()]]));
    expect(sketched(tallyRows(rows, "reviewer").resolutionMs)).toEqual(
      new Map([
        ["alice", ms(30).toJSON()],
        ["bob", ms(120, 10).toJSON()],
      ]),
    );
  });

  it("computes the figures from counts, with percentiles over every key's times together", () => {
    const t: GovernanceTallies = {
      routes: [
        { key: "2026-11-02", route: "auto", count: 6 },
        { key: "2026-11-03", route: "review", count: 3 },
        { key: "2026-11-03", route: "human_only", count: 1 },
      ],
      triggers: [
        { key: "2026-11-02", trigger: "rush", count: 1 },
        { key: "2026-11-03", trigger: "rush", count: 2 },
      ],
      verdicts: [
        { key: "2026-11-03", verdict: "approve", reasonCode: null, count: 3 },
        { key: "2026-11-03", verdict: "reject", reasonCode: "duplicate", count: 1 },
      ],
      // 1 2 3 4 | 10: p50 = rank 3 of 5 = 3 across both keys; the second day alone has 10 only.
      resolutionMs: new Map([
        ["2026-11-02", ms(4, 1, 3, 2)],
        ["2026-11-03", ms(10)],
      ]),
      reported: [
        { key: "2026-11-02", approval: "auto", outcome: "incorrect", count: 1 },
        { key: "2026-11-02", approval: "auto", outcome: "correct", count: 3 },
      ],
    };
    expect(talliedFigures(t)).toEqual({
      cases: 10,
      decisions: 4,
      escalationRate: 0.4,
      overrideRate: 0.25,
      resolutionSeconds: { p50: 3, p90: 10, p99: 10 },
      exceptionPatterns: [
        { kind: "reasonCode", name: "duplicate", count: 1, share: 0.25 },
        { kind: "trigger", name: "rush", count: 3, share: 0.3 },
      ],
      postReviewErrorRate: { auto: 0.25, human: null },
      postReviewErrorCounts: { auto: { incorrect: 1, reported: 4 }, human: { incorrect: 0, reported: 0 } },
    });
    const [first, second] = talliedGroups(t, "day");
    expect(first).toMatchObject({
      key: "2026-11-02",
      figures: { cases: 6, escalationRate: 0, decisions: 0 },
    });
    expect(first?.figures.resolutionSeconds).toEqual({ p50: 2, p90: 4, p99: 4 });
    expect(second).toMatchObject({
      key: "2026-11-03",
      figures: { cases: 4, escalationRate: 1, overrideRate: 0.25 },
    });
    expect(second?.figures.postReviewErrorRate).toEqual({ auto: null, human: null });
  });

  it("gives a reviewer group their decisions as cases and no escalation rate", () => {
    const t: GovernanceTallies = {
      routes: [],
      triggers: [],
      verdicts: [{ key: "carol", verdict: "edit", reasonCode: "wrong_amount", count: 2 }],
      resolutionMs: new Map([["carol", ms(60, 30)]]),
      // Dan decided nothing in the window, but a case he approved was reported on: he has a group.
      reported: [{ key: "dan", approval: "human", outcome: "incorrect", count: 1 }],
    };
    const g = talliedGroups(t, "reviewer");
    expect(g.map((x) => x.key)).toEqual(["carol", "dan"]);
    expect(g[0]?.figures).toMatchObject({
      cases: 2,
      decisions: 2,
      escalationRate: null,
      overrideRate: 1,
      resolutionSeconds: { p50: 30, p90: 60, p99: 60 },
    });
    expect(g[1]?.figures).toMatchObject({ cases: 0, overrideRate: null, postReviewErrorRate: { human: 1 } });
  });

  it("leaves out a reviewer with approvals but nothing decided nor reported in the window", () => {
    const g = governanceGroups(
      {
        submitted: [],
        resolved: [{ riskClass: "low", createdAt: T0, decidedAt: T0, approval: "human", approvedBy: "erin" }],
        decisions: [decision({ decidedBy: "alice" })],
      },
      "reviewer",
    );
    expect(g.map((x) => x.key)).toEqual(["alice"]);
  });
});
