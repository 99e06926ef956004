import { describe, expect, it } from "vitest";
import { workloadRefusal } from "./workload.js";

const MIN = 60_000;
const NOW = Date.parse("2026-11-02T15:00:00Z");
const none = { held: 0, decidedToday: 0, recentDecisions: [] };
/** A decision every `everyMin` minutes for `forMin` minutes, ending `endMinAgo` before NOW; newest first. */
const stretch = (forMin: number, everyMin: number, endMinAgo = 0) =>
  Array.from({ length: Math.floor(forMin / everyMin) + 1 }, (_, i) => NOW - (endMinAgo + i * everyMin) * MIN);

describe("workloadRefusal", () => {
  it("refuses at the held limit, not below it, and says to decide one first", () => {
    expect(workloadRefusal("w", { maxHeld: 3 }, { ...none, held: 2 }, NOW)).toBeUndefined();
    const r = workloadRefusal("w", { maxHeld: 3 }, { ...none, held: 3 }, NOW);
    expect(r).toMatchObject({ workflow: "w", limit: "maxHeld", value: 3, retryAt: null });
    expect(r?.detail).toContain("review.limits.maxHeld: 3");
  });

  it("refuses at the daily cap until the next UTC midnight", () => {
    expect(workloadRefusal("w", { dailyDecisions: 50 }, { ...none, decidedToday: 49 }, NOW)).toBeUndefined();
    const r = workloadRefusal("w", { dailyDecisions: 50 }, { ...none, decidedToday: 50 }, NOW);
    expect(r).toMatchObject({ limit: "dailyDecisions", retryAt: Date.parse("2026-11-03T00:00:00Z") });
  });

  const fatigue = { continuousWorkSeconds: 90 * 60, breakSeconds: 10 * 60 };

  it("asks for a break after continuous work, until a break's length after the latest decision", () => {
    // 95 minutes, a decision every 2 minutes, the latest one a minute ago.
    const r = workloadRefusal("w", fatigue, { ...none, recentDecisions: stretch(95, 2, 1) }, NOW);
    expect(r).toMatchObject({ limit: "continuousWork", value: 5400, retryAt: NOW - MIN + 10 * MIN });
  });

  it("lets a shorter stretch, or one broken by a pause as long as the break, go on", () => {
    expect(
      workloadRefusal("w", fatigue, { ...none, recentDecisions: stretch(80, 2, 1) }, NOW),
    ).toBeUndefined();
    // 50 minutes now, a 12-minute pause, 50 minutes before it: two stretches, neither 90 minutes.
    const two = [...stretch(50, 2, 0), ...stretch(50, 2, 62)];
    expect(workloadRefusal("w", fatigue, { ...none, recentDecisions: two }, NOW)).toBeUndefined();
    // The same with a 9-minute pause: one stretch of 109 minutes.
    const one = [...stretch(50, 2, 0), ...stretch(50, 2, 59)];
    expect(workloadRefusal("w", fatigue, { ...none, recentDecisions: one }, NOW)?.limit).toBe(
      "continuousWork",
    );
  });

  it("owes nothing once the break has been taken", () => {
    expect(
      workloadRefusal("w", fatigue, { ...none, recentDecisions: stretch(120, 2, 10) }, NOW),
    ).toBeUndefined();
  });

  it("names the first limit broken, and nothing without limits", () => {
    const all = { maxHeld: 1, dailyDecisions: 1, ...fatigue };
    const facts = { held: 1, decidedToday: 5, recentDecisions: stretch(95, 2, 0) };
    expect(workloadRefusal("w", all, facts, NOW)?.limit).toBe("maxHeld");
    expect(workloadRefusal("w", {}, facts, NOW)).toBeUndefined();
  });
});
