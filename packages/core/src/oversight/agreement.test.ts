import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cohenKappa, fleissKappa, krippendorffAlphaNominal } from "./index.js";

/** Expands a table of (label pair, count) into the list of per-item pairs. */
function pairsFrom(table: Array<[string, string, number]>): Array<[string, string]> {
  return table.flatMap(([a, b, count]) => Array.from({ length: count }, (): [string, string] => [a, b]));
}

describe("cohenKappa", () => {
  // Worked example: Wikipedia, "Cohen's kappa", section "Simple example" (50 proposals read by two
  // readers A and B): 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no → p_o = 0.7, p_e = 0.5, κ = 0.4.
  // Formula: Cohen (1960), Educational and Psychological Measurement 20(1):37–46.
  it("reproduces the 50-item yes/no worked example (p_o 0.7, p_e 0.5, κ 0.4)", () => {
    const pairs = pairsFrom([
      ["yes", "yes", 20],
      ["yes", "no", 5],
      ["no", "yes", 10],
      ["no", "no", 15],
    ]);
    const result = cohenKappa(pairs);
    expect(result.items).toBe(50);
    expect(result.observed).toBeCloseTo(0.7, 12);
    expect(result.expected).toBeCloseTo(0.5, 12);
    expect(result.kappa).toBeCloseTo(0.4, 12);
    expect(result.reason).toBeUndefined();
  });

  it("is 1 for perfect agreement, negative for systematic disagreement", () => {
    expect(
      cohenKappa([
        ["a", "a"],
        ["b", "b"],
        ["c", "c"],
      ]).kappa,
    ).toBe(1);
    expect(
      cohenKappa([
        ["a", "b"],
        ["b", "a"],
      ]).kappa,
    ).toBe(-1);
  });

  it("returns null (not NaN) with a reason when only one category is ever used", () => {
    const result = cohenKappa([
      ["ok", "ok"],
      ["ok", "ok"],
      ["ok", "ok"],
    ]);
    expect(result).toEqual({ kappa: null, reason: "one category only", observed: 1, expected: 1, items: 3 });
  });

  it("returns null with no items", () => {
    expect(cohenKappa([])).toEqual({
      kappa: null,
      reason: "no items",
      observed: null,
      expected: null,
      items: 0,
    });
  });

  it("skips pairs with a blank (missing) label and treats labels as case-sensitive strings", () => {
    const withBlanks = cohenKappa([
      ["a", "a"],
      ["b", "b"],
      ["", "a"],
      ["b", "  "],
    ]);
    expect(withBlanks.items).toBe(2);
    expect(withBlanks.kappa).toBe(1);
    // "Yes" and "yes" are different categories: two items, zero agreement.
    expect(
      cohenKappa([
        ["Yes", "yes"],
        ["no", "no"],
      ]).observed,
    ).toBe(0.5);
  });

  it("handles a rater using a category the other never used", () => {
    // p_o = 2/4, p_e = (2·2 + 1·2 + 1·0)/16 = 6/16 → κ = (8 − 6) / (16 − 6) = 0.2
    const result = cohenKappa([
      ["a", "a"],
      ["a", "b"],
      ["b", "b"],
      ["c", "a"],
    ]);
    expect(result.kappa).toBeCloseTo(0.2, 12);
  });

  it("is symmetric in the raters (property)", () => {
    const label = fc.constantFrom("approve", "edit", "reject", "override");
    fc.assert(
      fc.property(fc.array(fc.tuple(label, label), { minLength: 1, maxLength: 60 }), (pairs) => {
        const swapped = pairs.map(([a, b]): [string, string] => [b, a]);
        expect(cohenKappa(swapped)).toEqual(cohenKappa(pairs));
      }),
    );
  });

  it("is exactly 1 for perfect agreement whenever at least two categories are used (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("a", "b", "c", "d"), { minLength: 2, maxLength: 60 }),
        (labels) => {
          fc.pre(new Set(labels).size >= 2);
          expect(cohenKappa(labels.map((l): [string, string] => [l, l])).kappa).toBe(1);
        },
      ),
    );
  });
});

describe("fleissKappa", () => {
  // Worked example: Wikipedia, "Fleiss' kappa", section "Worked example": 10 subjects, 14 raters,
  // 5 categories; P̄ = 0.378, P̄e = 0.213, κ = 0.210. Formula: Fleiss (1971), Psychological Bulletin
  // 76(5):378–382.
  const table = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
  ];

  it("reproduces the 10 × 5 worked example with 14 raters (P̄ 0.378, P̄e 0.213, κ 0.210)", () => {
    const result = fleissKappa(table);
    expect(result.items).toBe(10);
    expect(result.raters).toBe(14);
    expect(result.observed).toBeCloseTo(0.378, 3);
    expect(result.expected).toBeCloseTo(0.213, 3);
    expect(result.kappa).toBeCloseTo(0.21, 3);
  });

  it("reproduces the worked example's intermediate P_1 = 1.000 and P_2 = 0.253", () => {
    // A one-row matrix's P̄ is that row's P_i.
    expect(fleissKappa([table[0] as number[]]).observed).toBeCloseTo(1, 12);
    expect(fleissKappa([table[1] as number[]]).observed).toBeCloseTo(0.253, 3);
  });

  it("returns null with a reason when all ratings fall in one category", () => {
    const result = fleissKappa([
      [3, 0],
      [3, 0],
    ]);
    expect(result).toEqual({
      kappa: null,
      reason: "one category only",
      observed: 1,
      expected: 1,
      items: 2,
      raters: 3,
    });
  });

  it("returns null with no items", () => {
    expect(fleissKappa([])).toEqual({
      kappa: null,
      reason: "no items",
      observed: null,
      expected: null,
      items: 0,
      raters: 0,
    });
  });

  it("throws a RangeError naming the row when rater counts differ", () => {
    expect(() =>
      fleissKappa([
        [2, 1],
        [1, 1],
      ]),
    ).toThrow(new RangeError("fleissKappa: row 1 has 2 raters, row 0 has 3"));
  });

  it("throws a RangeError naming the row for ragged rows, bad counts or fewer than two raters", () => {
    expect(() => fleissKappa([[1, 1], [2]])).toThrow(/row 1 has 1 categories/);
    expect(() =>
      fleissKappa([
        [1, 1],
        [1.5, 0.5],
      ]),
    ).toThrow(/row 1, category 0: 1.5/);
    expect(() => fleissKappa([[3, -1]])).toThrow(/row 0, category 1/);
    expect(() => fleissKappa([[1, 0]])).toThrow(/row 0 has 1 rating/);
  });

  it("is 1 for perfect agreement over at least two categories", () => {
    expect(
      fleissKappa([
        [4, 0, 0],
        [0, 4, 0],
        [0, 0, 4],
      ]).kappa,
    ).toBeCloseTo(1, 12);
  });
});

describe("krippendorffAlphaNominal", () => {
  // Worked example: Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C
  // ("Nominal data, any number of observers, missing values"): 4 observers × 12 units, nominal α = 0.743.
  // Rows are observers A–D, columns units 1–12, null = missing.
  const observers: Array<Array<string | null>> = [
    ["1", "2", "3", "3", "2", "1", "4", "1", "2", null, null, null],
    ["1", "2", "3", "3", "2", "2", "4", "1", "2", "5", null, "3"],
    [null, "3", "3", "3", "2", "3", "4", "2", "2", "5", "1", null],
    ["1", "2", "3", "3", "2", "4", "4", "1", "2", "5", "1", null],
  ];
  const units = Array.from({ length: 12 }, (_, u) => observers.map((row) => row[u]));

  it("reproduces the 4-observer, 12-unit nominal example with missing values (α 0.743)", () => {
    const result = krippendorffAlphaNominal(units);
    // Unit 12 has a single value: not pairable. n = 40 pairable values.
    expect(result.items).toBe(11);
    expect(result.values).toBe(40);
    // D_o = 8/40, D_e = (40² − (9² + 13² + 10² + 5² + 3²)) / (40 · 39) = 1216/1560.
    expect(result.observedDisagreement).toBeCloseTo(8 / 40, 12);
    expect(result.expectedDisagreement).toBeCloseTo(1216 / 1560, 12);
    expect(result.alpha).toBeCloseTo(0.743, 3);
  });

  it("treats null, undefined and blank values as missing", () => {
    const withUndefined = units.map((unit) => unit.map((v) => (v === null ? undefined : v)));
    const withBlank = units.map((unit) => unit.map((v) => (v === null ? " " : v)));
    const expected = krippendorffAlphaNominal(units).alpha;
    expect(krippendorffAlphaNominal(withUndefined).alpha).toBe(expected);
    expect(krippendorffAlphaNominal(withBlank).alpha).toBe(expected);
  });

  it("skips units with fewer than two values (and does not count them)", () => {
    const result = krippendorffAlphaNominal([["a", "a"], ["b", "b"], ["a"], [], [null, "b"]]);
    expect(result.items).toBe(2);
    expect(result.values).toBe(4);
    expect(result.alpha).toBe(1);
  });

  it("returns null with a reason when every pairable value is the same", () => {
    expect(krippendorffAlphaNominal([["x", "x", null], ["x", "x", "x"], ["y"]])).toEqual({
      alpha: null,
      reason: "one category only",
      observedDisagreement: 0,
      expectedDisagreement: 0,
      items: 2,
      values: 5,
    });
  });

  it("returns null with no pairable units", () => {
    expect(krippendorffAlphaNominal([["a"], [null, null], []])).toMatchObject({
      alpha: null,
      reason: "no items",
      items: 0,
      values: 0,
    });
  });

  it("never exceeds 1, and is exactly 1 when every unit agrees over ≥ 2 values (property)", () => {
    const value = fc.option(fc.constantFrom("a", "b", "c"), { nil: null });
    fc.assert(
      fc.property(fc.array(fc.array(value, { minLength: 0, maxLength: 5 }), { maxLength: 30 }), (data) => {
        const result = krippendorffAlphaNominal(data);
        if (result.alpha !== null) {
          expect(result.alpha).toBeLessThanOrEqual(1);
          expect(Number.isFinite(result.alpha)).toBe(true);
        } else {
          expect(result.reason).toBeDefined();
        }
      }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("a", "b", "c"), fc.integer({ min: 2, max: 5 })), { minLength: 2 }),
        (spec) => {
          fc.pre(new Set(spec.map(([v]) => v)).size >= 2);
          const data = spec.map(([v, m]) => Array.from({ length: m }, () => v));
          expect(krippendorffAlphaNominal(data).alpha).toBe(1);
        },
      ),
    );
  });
});
