import { describe, expect, it } from "vitest";
import { formatSeconds, handoffSummary, heldOnRelease, isReversible, slaTimes } from "./sla.js";

describe("slaTimes", () => {
  it("reminds at 80% of the window and is due at its end", () => {
    expect(slaTimes(1_000, 100)).toEqual({ reminderAt: 81_000, dueAt: 101_000 });
  });
});

describe("formatSeconds", () => {
  it.each([
    [14_400, "4h"],
    [5400, "1h30m"],
    [90, "1m30s"],
    [172_800, "2d"],
    [0, "0s"],
  ])("%i -> %s", (seconds, text) => {
    expect(formatSeconds(seconds)).toBe(text);
  });
});

describe("heldOnRelease", () => {
  it("holds what lets the automation act, not a reject", () => {
    expect(heldOnRelease("approve")).toBe(true);
    expect(heldOnRelease("edit")).toBe(true);
    expect(heldOnRelease("reject")).toBe(false);
  });
});

describe("handoffSummary", () => {
  it("says why, who held it and the notes", () => {
    const text = handoffSummary({
      withinSeconds: 14_400,
      escalateTo: "supervisor",
      holders: [{ who: "Alice", outcome: "released" }],
      notes: ["revoked: wrong customer"],
    });
    expect(text).toBe(
      "Escalated to supervisor: no decision within 4h.\nHeld by: Alice (released).\nNote: revoked: wrong customer",
    );
  });

  it("says when nobody claimed it", () => {
    expect(handoffSummary({ withinSeconds: 60, escalateTo: "lead", holders: [], notes: [] })).toContain(
      "Nobody claimed it.",
    );
  });
});

describe("isReversible", () => {
  it("reads true, false and a list of actions", () => {
    expect(isReversible({ reversible: true }, "send")).toBe(true);
    expect(isReversible({ reversible: false }, "send")).toBe(false);
    expect(isReversible({ reversible: ["issue_refund"] }, "issue_refund")).toBe(true);
    expect(isReversible({ reversible: ["issue_refund"] }, "send_reply")).toBe(false);
  });
});
