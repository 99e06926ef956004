import { describe, expect, it } from "vitest";
import { agreementFromLabels, cohenKappa, fleissKappa, krippendorffAlphaNominal } from "./index.js";

describe("agreementFromLabels", () => {
  it("computes all three figures from review labels", () => {
    const ratings = [
      // Three items seen by alice, bob and carol.
      { item: "c1", rater: "alice", label: "approve" },
      { item: "c1", rater: "bob", label: "approve" },
      { item: "c1", rater: "carol", label: "approve" },
      { item: "c2", rater: "alice", label: "reject" },
      { item: "c2", rater: "bob", label: "reject" },
      { item: "c2", rater: "carol", label: "approve" },
      { item: "c3", rater: "alice", label: "reject" },
      { item: "c3", rater: "bob", label: "reject" },
      { item: "c3", rater: "carol", label: "reject" },
      // One item seen by alice and bob only; one by alice only (no overlap).
      { item: "c4", rater: "alice", label: "approve" },
      { item: "c4", rater: "bob", label: "reject" },
      { item: "c5", rater: "alice", label: "approve" },
    ];
    const summary = agreementFromLabels(ratings);
    expect(summary.items).toBe(4);

    // Pairs: alice–bob on c1..c4, alice–carol and bob–carol on c1..c3.
    const ab = cohenKappa([
      ["approve", "approve"],
      ["reject", "reject"],
      ["reject", "reject"],
      ["approve", "reject"],
    ]).kappa as number;
    const ac = cohenKappa([
      ["approve", "approve"],
      ["reject", "approve"],
      ["reject", "reject"],
    ]).kappa as number;
    expect(summary.cohenKappa.pairs).toBe(3);
    expect(summary.cohenKappa.undefinedPairs).toBe(0);
    expect(summary.cohenKappa.items).toBe(4);
    expect(summary.cohenKappa.kappa).toBeCloseTo((ab + ac + ac) / 3, 12);

    // Fleiss: modal rater count is 3 (three items), c4 (two raters) is left out.
    expect(summary.fleissKappa).toEqual(
      fleissKappa([
        [3, 0],
        [1, 2],
        [0, 3],
      ]),
    );
    expect(summary.fleissKappa.items).toBe(3);

    // Alpha: every item; c5 has one value and is not pairable.
    expect(summary.krippendorffAlpha).toEqual(
      krippendorffAlphaNominal([
        ["approve", "approve", "approve"],
        ["reject", "reject", "approve"],
        ["reject", "reject", "reject"],
        ["approve", "reject"],
      ]),
    );
    expect(summary.krippendorffAlpha.items).toBe(4);
  });

  it("reproduces the Krippendorff (2011) nominal example when fed as labels", () => {
    const observers: Record<string, Array<string | null>> = {
      A: ["1", "2", "3", "3", "2", "1", "4", "1", "2", null, null, null],
      B: ["1", "2", "3", "3", "2", "2", "4", "1", "2", "5", null, "3"],
      C: [null, "3", "3", "3", "2", "3", "4", "2", "2", "5", "1", null],
      D: ["1", "2", "3", "3", "2", "4", "4", "1", "2", "5", "1", null],
    };
    const ratings = Object.entries(observers).flatMap(([rater, row]) =>
      row.flatMap((label, u) => (label === null ? [] : [{ item: `u${u + 1}`, rater, label }])),
    );
    const summary = agreementFromLabels(ratings);
    expect(summary.krippendorffAlpha.alpha).toBeCloseTo(0.743, 3);
    expect(summary.items).toBe(11);
    // Eight units have all four observers: the modal count.
    expect(summary.fleissKappa.items).toBe(8);
    expect(summary.fleissKappa.raters).toBe(4);
    expect(summary.cohenKappa.pairs).toBe(6);
  });

  it("lets the last label win, ignores blank labels, and reports null figures without overlap", () => {
    const summary = agreementFromLabels([
      { item: "c1", rater: "alice", label: "reject" },
      { item: "c1", rater: "alice", label: "approve" },
      { item: "c1", rater: "bob", label: "approve" },
      { item: "c2", rater: "alice", label: "approve" },
      { item: "c2", rater: "bob", label: "" },
    ]);
    expect(summary.items).toBe(1);
    // Only "approve" on the single overlapping item: undefined everywhere, with reasons.
    expect(summary.cohenKappa).toEqual({
      kappa: null,
      reason: "one category only",
      pairs: 0,
      undefinedPairs: 1,
      items: 0,
    });
    expect(summary.fleissKappa.kappa).toBeNull();
    expect(summary.fleissKappa.reason).toBe("one category only");
    expect(summary.krippendorffAlpha.alpha).toBeNull();
    expect(summary.krippendorffAlpha.reason).toBe("one category only");

    const empty = agreementFromLabels([{ item: "c1", rater: "alice", label: "approve" }]);
    expect(empty.items).toBe(0);
    expect(empty.cohenKappa.kappa).toBeNull();
    expect(empty.cohenKappa.reason).toBe("no items");
    expect(empty.fleissKappa).toMatchObject({ kappa: null, reason: "no items", items: 0 });
    expect(empty.krippendorffAlpha).toMatchObject({ alpha: null, reason: "no items", items: 0 });
  });

  it("breaks a tie in rater counts toward more raters for Fleiss", () => {
    const summary = agreementFromLabels([
      { item: "c1", rater: "a", label: "x" },
      { item: "c1", rater: "b", label: "y" },
      { item: "c2", rater: "a", label: "x" },
      { item: "c2", rater: "b", label: "x" },
      { item: "c2", rater: "c", label: "y" },
    ]);
    expect(summary.fleissKappa.items).toBe(1);
    expect(summary.fleissKappa.raters).toBe(3);
  });
});
