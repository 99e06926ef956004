import { describe, expect, it } from "vitest";
import { PolicyError, type PolicyIssue } from "../errors.js";
import { parseWorkflow, RETENTION_MIN_DAYS, retentionDays } from "./index.js";

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

describe("retention.days (EU AI Act Art. 26(6))", () => {
  it("defaults to 183 days and reads longer ones", () => {
    expect(RETENTION_MIN_DAYS).toBe(183);
    expect(retentionDays(parseWorkflow(BASE, "a.yaml"))).toBe(183);
    expect(retentionDays(parseWorkflow(`${BASE}retention: { days: 400 }\n`, "a.yaml"))).toBe(400);
  });

  it("refuses fewer than 183 days without a recorded reason, at the line of days", () => {
    const [issue] = issuesOf(`${BASE}retention:\n  days: 30\n`);
    expect(issue).toMatchObject({ file: "bad.yaml", line: 11, column: 9, field: "retention.days" });
    expect(issue?.message).toMatch(/below the 183 days .*belowMinimumBecause/);
    const wf = parseWorkflow(
      `${BASE}retention:\n  days: 30\n  belowMinimumBecause: "DPA 2026-14: erase after 30 days"\n`,
      "a.yaml",
    );
    expect(wf.retention).toEqual({ days: 30, belowMinimumBecause: "DPA 2026-14: erase after 30 days" });
  });

  it("names a bad value, a missing days and an unknown key", () => {
    expect(issuesOf(`${BASE}retention:\n  days: 0.5\n`)[0]).toMatchObject({ field: "retention.days" });
    expect(issuesOf(`${BASE}retention:\n  belowMinimumBecause: x\n`)[0]).toMatchObject({
      field: "retention.days",
    });
    expect(issuesOf(`${BASE}retention:\n  dayz: 200\n`)[0]?.message).toMatch(/did you mean "days"/);
  });
});
