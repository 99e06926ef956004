import { describe, expect, it } from "vitest";
import { PolicyError, type PolicyIssue } from "../errors.js";
import { parseWorkflow } from "./index.js";

const BASE = `workflow: invoice.approve
owner: ap-lead
pattern: exception_routing
reasons: [other]
risk:
  classes:
    low: { autoMinConfidence: 0.9 }
actions:
  pay: { boundary: auto }
`;

function issuesOf(text: string): PolicyIssue[] {
  try {
    parseWorkflow(text, "bad.yaml");
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return (err as PolicyError).issues;
  }
  throw new Error("expected a PolicyError");
}

describe("suspension.onSubmit (the stop button's effect on submissions)", () => {
  it("is absent by default (routes to review) and reads review or reject", () => {
    expect(parseWorkflow(BASE, "a.yaml").suspension).toBeUndefined();
    for (const onSubmit of ["review", "reject"]) {
      const wf = parseWorkflow(`${BASE}suspension:\n  onSubmit: ${onSubmit}\n`, "a.yaml");
      expect(wf.suspension).toEqual({ onSubmit });
    }
  });

  it("locates a bad value and an unknown key by file, line, column and field", () => {
    const [bad] = issuesOf(`${BASE}suspension:\n  onSubmit: approve\n`);
    expect(bad).toMatchObject({ file: "bad.yaml", line: 11, column: 13, field: "suspension.onSubmit" });
    expect(bad?.message).toMatch(/review, reject/);
    const [typo] = issuesOf(`${BASE}suspension:\n  onSubmt: reject\n`);
    expect(typo).toMatchObject({ line: 11, field: "suspension.onSubmt" });
    expect(typo?.message).toMatch(/did you mean "onSubmit"/);
  });
});
