import { describe, expect, it } from "vitest";
import type { PolicyError } from "../errors.js";
import { inBlindSample, parseWorkflow } from "./index.js";

/** `review.blindSampleRate` (issue 15, item 5): a share of cases asks for a blind judgment. */
const MINIMAL = `workflow: invoice.approve
owner: ap-lead@example.com
pattern: exception_routing
reasons: [amount_mismatch, other]
risk:
  classes:
    low: { autoMinConfidence: 0.9 }
actions:
  pay: { boundary: review }
review:
  approvals: 1
`;

const issuesOf = (text: string) => {
  try {
    parseWorkflow(text, "wf.yaml");
  } catch (err) {
    return (err as PolicyError).issues;
  }
  throw new Error("expected the policy to be refused");
};

describe("review.blindSampleRate", () => {
  it("is absent by default, which samples nothing", () => {
    expect(parseWorkflow(MINIMAL, "wf.yaml").review.blindSampleRate).toBeUndefined();
  });

  it.each([0, 0.25, 1])("accepts %s", (rate) => {
    expect(parseWorkflow(`${MINIMAL}  blindSampleRate: ${rate}\n`, "wf.yaml").review.blindSampleRate).toBe(
      rate,
    );
  });

  it.each(["1.5", "-0.1", "half", "true"])("refuses %s with file, line and column", (value) => {
    const issues = issuesOf(`${MINIMAL}  blindSampleRate: ${value}\n`);
    expect(issues).toEqual([
      expect.objectContaining({
        file: "wf.yaml",
        line: 12,
        column: 20,
        field: "review.blindSampleRate",
        message: expect.stringContaining("between 0 and 1"),
      }),
    ]);
  });
});

describe("inBlindSample", () => {
  const ids = Array.from({ length: 4000 }, (_, i) => `case_${i.toString(36).padStart(6, "0")}`);

  it("takes nothing at 0 and everything at 1", () => {
    expect(ids.some((id) => inBlindSample(id, 0))).toBe(false);
    expect(ids.every((id) => inBlindSample(id, 1))).toBe(true);
  });

  it("is the same answer for the same case id, whatever else was drawn", () => {
    const first = ids.map((id) => inBlindSample(id, 0.3));
    const again = [...ids].reverse().map((id) => inBlindSample(id, 0.3));
    expect(again.reverse()).toEqual(first);
  });

  it("takes about the rate's share of cases", () => {
    // Binomial(4000, 0.3): mean 1200, sd 29; ±150 is more than 5 sd, so a fixed hash cannot miss it by chance.
    const drawn = ids.filter((id) => inBlindSample(id, 0.3)).length;
    expect(drawn).toBeGreaterThan(1050);
    expect(drawn).toBeLessThan(1350);
  });

  it("nests: a case drawn at a rate is drawn at every higher rate", () => {
    for (const id of ids.slice(0, 500)) {
      if (inBlindSample(id, 0.2)) expect(inBlindSample(id, 0.5)).toBe(true);
    }
  });
});
