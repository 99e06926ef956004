import { describe, expect, test } from "vitest";
import {
  classProbabilities,
  normaliseProbabilities,
  orderByUncertainty,
  uncertainty,
} from "./active-learning.js";

// Three cases on which the strategies disagree (each strategy's definition is in active-learning.ts):
// - tie:    the two best classes are exactly level        → margin's pick
// - spread: the runner-up mass is spread over two classes  → entropy's pick
// - weak:   the weakest top class of the three            → least confidence's pick
const tie = { id: "tie", p: { spam: 0.5, ham: 0.5, phishing: 0 } };
const spread = { id: "spread", p: { spam: 0.45, ham: 0.275, phishing: 0.275 } };
const weak = { id: "weak", p: { spam: 0.44, ham: 0.4, phishing: 0.16 } };
const sure = { id: "sure", p: { spam: 0.98, ham: 0.01, phishing: 0.01 } };
const cases = [sure, tie, spread, weak];

describe("active learning strategies", () => {
  test("least_confidence asks first about the case whose best guess is weakest", () => {
    expect(orderByUncertainty(cases, (c) => c.p, "least_confidence").map((c) => c.id)).toEqual([
      "weak",
      "spread",
      "tie",
      "sure",
    ]);
    expect(uncertainty(weak.p, "least_confidence")).toBeCloseTo(0.56, 12);
  });

  test("margin asks first about the case whose two best classes are closest", () => {
    expect(orderByUncertainty(cases, (c) => c.p, "margin").map((c) => c.id)).toEqual([
      "tie",
      "weak",
      "spread",
      "sure",
    ]);
    expect(uncertainty(tie.p, "margin")).toBe(1);
  });

  test("entropy asks first about the case whose probability is most spread out", () => {
    expect(orderByUncertainty(cases, (c) => c.p, "entropy").map((c) => c.id)).toEqual([
      "spread",
      "weak",
      "tie",
      "sure",
    ]);
    // Normalised by ln 3: a uniform distribution over three classes scores exactly 1.
    expect(uncertainty({ a: 1, b: 1, c: 1 }, "entropy")).toBeCloseTo(1, 12);
    expect(uncertainty(tie.p, "entropy")).toBeCloseTo(Math.log(2) / Math.log(3), 12);
  });

  test("ties keep the given order (oldest first), and a single class is certain", () => {
    const same = [
      { id: "a", p: { x: 0.6, y: 0.4 } },
      { id: "b", p: { x: 0.4, y: 0.6 } },
    ];
    expect(orderByUncertainty(same, (c) => c.p, "margin").map((c) => c.id)).toEqual(["a", "b"]);
    expect(uncertainty({ only: 1 }, "entropy")).toBe(0);
    expect(uncertainty({ only: 1 }, "margin")).toBe(0);
  });

  test("probabilities are normalised, and bad ones refused", () => {
    expect(normaliseProbabilities({ a: 2, b: 6 })).toEqual([0.25, 0.75]);
    expect(uncertainty({ a: 2, b: 6 }, "least_confidence")).toBeCloseTo(0.25, 12);
    expect(() => uncertainty({}, "entropy")).toThrow(RangeError);
    expect(() => uncertainty({ a: -0.1, b: 1.1 }, "entropy")).toThrow(RangeError);
    expect(() => uncertainty({ a: 0, b: 0 }, "margin")).toThrow(RangeError);
  });
});

describe("class probabilities of a case", () => {
  test("read from proposal.candidates, else the confidence against the rest", () => {
    const proposal = {
      category: "billing",
      candidates: [
        { label: "billing", probability: 0.5 },
        { label: "account", probability: 0.4 },
        { label: "other", probability: 0.1 },
      ],
    };
    expect(classProbabilities(proposal, 0.5)).toEqual({ billing: 0.5, account: 0.4, other: 0.1 });
    expect(uncertainty(classProbabilities(proposal, 0.5), "margin")).toBeCloseTo(0.9, 12);
    expect(classProbabilities({ category: "billing" }, 0.8)).toEqual({
      proposed: 0.8,
      other: expect.closeTo(0.2, 12),
    });
    expect(classProbabilities({ candidates: [{ label: "x", probability: "high" }] }, 0.3)).toEqual({
      proposed: 0.3,
      other: 0.7,
    });
  });
});
