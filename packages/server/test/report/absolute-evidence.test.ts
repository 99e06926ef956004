import { describe, expect, it } from "vitest";
import { evidenceSentences } from "../../src/report/evidence.js";

/** The absolute checks' evidence (issue 15, item 1) as the report and the alert pages say it. */
describe("evidenceSentences for the absolute checks", () => {
  it("states each rate against its tolerance and the dwell floor", () => {
    expect(
      evidenceSentences({
        basis: ["absolute"],
        maxMissRate: 0.1,
        catchTrialMissRate: 0.7,
        knownWrongChecked: 9,
        knownWrongApproved: 8,
        knownWrongApprovalRate: 8 / 9,
        dwellFloorMs: 10_000,
        decisionsBelowFloor: 30,
        belowFloorShare: 1,
      }),
    ).toEqual([
      "Catch-trial miss rate 70% (tolerated 10%).",
      "Failed 8 of 9 checks for approved wrong work (wrong catch-trial proposals approved, audited approvals judged incorrect; tolerated 10%).",
      "30 decisions (100%) held less than the 10 s floor (the minimum review time plus 5 s).",
      "Flagged on absolute signals.",
    ]);
  });

  it("lists a team alert's other figures by name and leaves out what was not measured", () => {
    expect(
      evidenceSentences({
        reviewers: 3,
        maxMissRate: 0.1,
        catchTrialMissRate: null,
        knownWrongChecked: 0,
        knownWrongApproved: 0,
        knownWrongApprovalRate: null,
        dwellFloorMs: null,
        decisionsBelowFloor: 0,
        belowFloorShare: null,
      }),
    ).toEqual(["Reviewers: 3."]);
  });
});
