import { describe, expect, it } from "vitest";
import { changedPaths, outputChanges } from "./changes.js";

describe("outputChanges", () => {
  it("lists each changed leaf with both sides, added and removed fields with one", () => {
    const before = { pay: 420, to: "Acme", lines: [{ sku: "A", qty: 1 }], memo: "x" };
    const after = { pay: 60000, to: "Acme", lines: [{ sku: "A", qty: 2 }], note: "rush" };
    expect(outputChanges(before, after)).toEqual([
      { path: "pay", before: 420, after: 60000 },
      { path: "lines.0.qty", before: 1, after: 2 },
      { path: "memo", before: "x" },
      { path: "note", after: "rush" },
    ]);
    expect(changedPaths(before, after)).toEqual(["pay", "lines.0.qty", "memo", "note"]);
  });

  it("finds nothing in an approval, and the whole value when its type changes", () => {
    expect(outputChanges({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
    expect(outputChanges([1], { 0: 1 })).toEqual([{ path: "", before: [1], after: { 0: 1 } }]);
  });
});
