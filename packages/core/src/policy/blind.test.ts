import { describe, expect, it } from "vitest";
import { blindExplanation, evaluatePolicy, parseWorkflow } from "./index.js";

const workflow = parseWorkflow(
  `workflow: hiring.screen
owner: talent@example.com
pattern: decision_support
reasons: [other]
risk:
  classify: 'input.seniority == "staff" ? "high" : "standard"'
  classes:
    standard: { autoMinConfidence: 0.8 }
    high: { autoMinConfidence: null }
actions:
  advance: { boundary: auto }
escalate:
  - name: career_gap
    when: "has(input.careerGap) && input.careerGap == true"
`,
  "hiring.yaml",
);

const route = (input: Record<string, unknown>, confidence: number) =>
  evaluatePolicy({ workflow: "hiring.screen", action: "advance", input, proposal: {}, confidence }, workflow);

describe("blindExplanation", () => {
  it("drops the confidence, the threshold and every reason that weighs the confidence", () => {
    const full = route({ seniority: "junior" }, 0.42);
    expect(full.reasons.some((r) => r.includes("0.42"))).toBe(true);
    const blind = blindExplanation(full);
    expect(blind).toMatchObject({
      confidence: null,
      threshold: null,
      riskClass: "standard",
      route: "review",
    });
    expect(blind.reasons).toEqual(["risk.classify put the case in class standard"]);
    expect(JSON.stringify(blind)).not.toContain("0.42");
    expect(JSON.stringify(blind)).not.toContain("0.8");
  });

  it("keeps the risk class, the fired triggers and the policy's own reasons", () => {
    const blind = blindExplanation(route({ seniority: "staff", careerGap: true }, 0.99));
    expect(blind.triggers).toEqual(["career_gap"]);
    expect(blind.reasons).toEqual([
      "risk.classify put the case in class high",
      "trigger career_gap fired",
      "escalation trigger career_gap: a person reviews",
    ]);
  });
});
