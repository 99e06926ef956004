import { describe, expect, it } from "vitest";
import { parseWorkflow } from "./index.js";

/** `oversight.maxCatchTrialMissRate`: the tolerance of the absolute rubber-stamp checks (issue 15, item 1). */
const MINIMAL = `workflow: invoice.approve
owner: ap-lead@example.com
pattern: exception_routing
reasons: [amount_mismatch, other]
risk:
  classes:
    low: { autoMinConfidence: 0.9 }
actions:
  pay: { boundary: auto }
oversight:
  catchTrialRate: 0.05
`;

describe("oversight.maxCatchTrialMissRate", () => {
  it("defaults to 0.1", () => {
    expect(parseWorkflow(MINIMAL, "a.yaml").oversight.maxCatchTrialMissRate).toBe(0.1);
    const bare = MINIMAL.replace("oversight:\n  catchTrialRate: 0.05\n", "");
    expect(parseWorkflow(bare, "a.yaml").oversight.maxCatchTrialMissRate).toBe(0.1);
  });

  it("reads a tolerance strictly between 0 and 1", () => {
    const wf = parseWorkflow(`${MINIMAL}  maxCatchTrialMissRate: 0.02\n`, "a.yaml");
    expect(wf.oversight.maxCatchTrialMissRate).toBe(0.02);
  });

  it.each([
    ["0", "0"],
    ["1", "1"],
    ["1.5", "1.5"],
    ["-0.1", "-0.1"],
    ["ten", '"ten"'],
  ])("refuses %s with file:line:column and the field", (value, shown) => {
    expect(() =>
      parseWorkflow(`${MINIMAL}  maxCatchTrialMissRate: ${value}\n`, "policies/invoice.yaml"),
    ).toThrow(
      `policies/invoice.yaml:12:26 oversight.maxCatchTrialMissRate: must be a number above 0 and below 1, e.g. 0.1 (got ${shown})`,
    );
  });
});
