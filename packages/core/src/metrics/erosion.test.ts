import { describe, expect, it } from "vitest";
import {
  afterReveal,
  type ErosionCount,
  erosionFigures,
  erosionGroups,
  erosionRate,
  type Judgment,
  sidesWithModel,
} from "./erosion.js";

const proposal = { amount: 100, payee: "acme" };
const approve: Judgment = { verdict: "approve", output: null };
const reject: Judgment = { verdict: "reject", output: null };
const edit = (amount: number): Judgment => ({ verdict: "edit", output: { ...proposal, amount } });

describe("sidesWithModel", () => {
  it("approve takes the model's side, reject does not", () => {
    expect(sidesWithModel(approve, proposal)).toBe(true);
    expect(sidesWithModel(reject, proposal)).toBe(false);
  });

  it("an edit sides with the model only when it changes nothing", () => {
    expect(sidesWithModel(edit(100), proposal)).toBe(true);
    expect(sidesWithModel(edit(90), proposal)).toBe(false);
  });

  it("a label compares with the model's label, else its most probable candidate", () => {
    const label = (l: string): Judgment => ({ verdict: "label", output: { label: l } });
    expect(sidesWithModel(label("spam"), { label: "spam" })).toBe(true);
    const candidates = {
      candidates: [
        { label: "ham", probability: 0.3 },
        { label: "spam", probability: 0.7 },
      ],
    };
    expect(sidesWithModel(label("spam"), candidates)).toBe(true);
    expect(sidesWithModel(label("ham"), candidates)).toBe(false);
    expect(sidesWithModel(label("ham"), { text: "no choice stated" })).toBeNull();
  });

  it("a ranking compares with the proposal's ranking, and is not comparable without one", () => {
    const rank: Judgment = { verdict: "rank", output: { ranking: ["a", "b"], tie: false } };
    expect(sidesWithModel(rank, { ranking: ["a", "b"] })).toBe(true);
    expect(sidesWithModel(rank, { ranking: ["b", "a"] })).toBe(false);
    expect(sidesWithModel(rank, { candidates: [{ id: "a" }, { id: "b" }] })).toBeNull();
  });
});

describe("afterReveal", () => {
  it.each([
    ["no decision yet", reject, null, null],
    ["reject then reject", reject, reject, "kept"],
    ["approve then approve", approve, approve, "kept"],
    ["the same edit twice", edit(90), edit(90), "kept"],
    ["an unchanged edit then approve: the model's answer both times", edit(100), approve, "kept"],
    ["reject then approve", reject, approve, "towards_model"],
    ["edit then approve", edit(90), approve, "towards_model"],
    ["approve then reject", approve, reject, "away_from_model"],
    ["approve then a real edit", approve, edit(80), "away_from_model"],
    ["reject then a real edit", reject, edit(80), "other"],
    ["one edit then another", edit(90), edit(80), "other"],
  ] as const)("%s", (_, blind, final, expected) => {
    expect(afterReveal({ blind, final, proposal })).toBe(expected);
  });
});

describe("erosionRate", () => {
  it("has no rate and no interval without a denominator", () => {
    expect(erosionRate(0, 0)).toEqual({ count: 0, of: 0, rate: null, interval: null });
  });

  it("carries the Wilson 95 % interval", () => {
    // Worked by hand: p̂ = 0.4, n = 10, z = 1.96: centre = (0.4 + 0.19208) / 1.38415 = 0.42776,
    // half = 1.96 × √(0.024 + 0.0096040) / 1.38415 = 0.25954 → [0.16822, 0.68730].
    const r = erosionRate(4, 10);
    expect(r.rate).toBe(0.4);
    expect(r.interval?.low).toBeCloseTo(0.16822, 4);
    expect(r.interval?.high).toBeCloseTo(0.6873, 4);
  });
});

describe("erosionFigures", () => {
  // A hand-worked window. Ann judged 10 cases blind: 4 took the model's side (all kept), 6 disagreed:
  // 5 decided the model's way after the reveal, 1 still open. Bob judged 5: 1 with the model then
  // decided against it, 3 against it and kept, 1 label the proposal could not be compared with.
  const counts: ErosionCount[] = [
    { workflow: "pay", reviewer: "ann", matchedModel: true, afterReveal: "kept", count: 4 },
    { workflow: "pay", reviewer: "ann", matchedModel: false, afterReveal: "towards_model", count: 5 },
    { workflow: "pay", reviewer: "ann", matchedModel: false, afterReveal: null, count: 1 },
    { workflow: "pay", reviewer: "bob", matchedModel: true, afterReveal: "away_from_model", count: 1 },
    { workflow: "pay", reviewer: "bob", matchedModel: false, afterReveal: "kept", count: 3 },
    { workflow: "tag", reviewer: "bob", matchedModel: null, afterReveal: "other", count: 1 },
  ];

  it("counts the whole window", () => {
    const f = erosionFigures(counts);
    expect(f.judgments).toBe(15);
    // 5 of the 14 comparable judgments took the model's side.
    expect(f.matchedModel).toMatchObject({ count: 5, of: 14 });
    expect(f.decided).toBe(14);
    // Changed: Ann's 5 towards, Bob's 1 away and 1 other.
    expect(f.changedAfterReveal).toMatchObject({ count: 7, of: 14, rate: 0.5 });
    expect(f.direction).toEqual({ towardsModel: 5, awayFromModel: 1, other: 1 });
    // Decided against the model blind: Ann's 5 and Bob's 3; 5 of them switched.
    expect(f.switchedToModel).toMatchObject({ count: 5, of: 8, rate: 0.625 });
  });

  it("tells a reviewer who follows the model after the reveal from one who keeps their judgment", () => {
    const byReviewer = erosionGroups(counts, "reviewer");
    expect(byReviewer.map((g) => g.key)).toEqual(["ann", "bob"]);
    const [ann, bob] = byReviewer.map((g) => g.figures);
    expect(ann?.switchedToModel).toMatchObject({ count: 5, of: 5, rate: 1 });
    expect(ann?.matchedModel).toMatchObject({ count: 4, of: 10, rate: 0.4 });
    expect(bob?.switchedToModel).toMatchObject({ count: 0, of: 3, rate: 0 });
    expect(bob?.direction).toEqual({ towardsModel: 0, awayFromModel: 1, other: 1 });
    // Wilson for 0 of 3 by hand: centre = half = (1.96² / 6) / (1 + 1.96² / 3) = 0.28075 → [0, 0.5615]:
    // three cases do not prove a reviewer immune.
    expect(bob?.switchedToModel.interval?.low).toBeCloseTo(0, 10);
    expect(bob?.switchedToModel.interval?.high).toBeCloseTo(0.5615, 3);
  });

  it("groups by workflow", () => {
    const byWorkflow = erosionGroups(counts, "workflow");
    expect(byWorkflow.map((g) => [g.key, g.figures.judgments])).toEqual([
      ["pay", 14],
      ["tag", 1],
    ]);
    expect(byWorkflow[1]?.figures.matchedModel).toEqual({ count: 0, of: 0, rate: null, interval: null });
  });

  it("is all zeros and nulls without judgments", () => {
    const f = erosionFigures([]);
    expect(f).toEqual({
      judgments: 0,
      matchedModel: { count: 0, of: 0, rate: null, interval: null },
      decided: 0,
      changedAfterReveal: { count: 0, of: 0, rate: null, interval: null },
      direction: { towardsModel: 0, awayFromModel: 0, other: 0 },
      switchedToModel: { count: 0, of: 0, rate: null, interval: null },
    });
  });
});
