import { describe, expect, it } from "vitest";
import { PolicyError, type PolicyIssue } from "../errors.js";
import { parseWorkflow } from "./index.js";

const TRIAGE = `workflow: ticket.triage
owner: support-ops@example.com
pattern: active_learning
reasons: [wrong_category, other]
risk:
  default: standard
  classes:
    standard: { autoMinConfidence: 0.85 }
actions:
  set_category: { boundary: auto }
`;

function issuesOf(text: string): PolicyIssue[] {
  try {
    parseWorkflow(text, "triage.yaml");
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return (err as PolicyError).issues;
  }
  throw new Error("expected a PolicyError");
}

describe("activeLearning in a policy", () => {
  it("reads the strategy and the daily budget; absent means oldest first, no budget", () => {
    expect(parseWorkflow(TRIAGE, "triage.yaml").activeLearning).toBeUndefined();
    const w = parseWorkflow(
      `${TRIAGE}activeLearning: { strategy: margin, dailyBudget: 200 }\n`,
      "triage.yaml",
    );
    expect(w.activeLearning).toEqual({ strategy: "margin", dailyBudget: 200 });
    expect(
      parseWorkflow(`${TRIAGE}activeLearning: { strategy: entropy }\n`, "t.yaml").activeLearning,
    ).toEqual({
      strategy: "entropy",
    });
  });

  it("names the line of an unknown strategy, a bad budget, or the wrong pattern", () => {
    const [unknown] = issuesOf(`${TRIAGE}activeLearning: { strategy: random }\n`);
    expect(unknown?.message).toMatch(/least_confidence, margin, entropy/);
    expect(unknown?.line).toBe(11);
    const [budget] = issuesOf(`${TRIAGE}activeLearning: { strategy: margin, dailyBudget: 0 }\n`);
    expect(budget?.field).toBe("activeLearning.dailyBudget");
    const [missing] = issuesOf(`${TRIAGE}activeLearning: { dailyBudget: 5 }\n`);
    expect(missing?.message).toMatch(/strategy is required/);
    const [pattern] = issuesOf(
      `${TRIAGE.replace("pattern: active_learning", "pattern: review_and_approve")}activeLearning: { strategy: margin }\n`,
    );
    expect(pattern?.message).toMatch(/only an active_learning workflow/);
  });
});
