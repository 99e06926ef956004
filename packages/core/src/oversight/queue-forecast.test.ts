import { describe, expect, it } from "vitest";
import { forecastQueue, forecastReadLimit } from "./queue-forecast.js";

const H = 3_600_000;
const NOW = Date.parse("2026-11-04T12:00:00Z");

describe("forecastQueue", () => {
  it("sees a queue the team cannot clear within the SLA before any deadline passes", () => {
    // 10 decisions an hour; 60 cases submitted in the last 10 minutes; SLA 4 h: the 41st case onwards
    // would be decided after 4 h + its age, none is late yet.
    const created = Array.from({ length: 60 }, (_, i) => NOW - 10 * 60_000 + i * 10_000);
    const f = forecastQueue(
      { waiting: 60, oldestCreatedAt: created, decidedInWindow: 40, paceWindowMs: 4 * H, slaMs: 4 * H },
      NOW,
    );
    expect(f.pacePerHour).toBeCloseTo(10);
    expect(f.clearMs).toBe(6 * H);
    // Case k is decided at NOW + k·6 min; its deadline is NOW − 10 min + (k−1)·10 s + 4 h.
    const misses = created.filter((c, i) => NOW + (i + 1) * 6 * 60_000 > c + 4 * H).length;
    expect(f.atRisk).toBe(misses);
    expect(f.atRisk).toBeGreaterThan(15);
    expect(f.firstMiss?.deadline).toBeGreaterThan(NOW);
  });

  it("raises nothing for a queue the team keeps up with", () => {
    const created = Array.from({ length: 10 }, (_, i) => NOW - i * 60_000).reverse();
    const f = forecastQueue(
      { waiting: 10, oldestCreatedAt: created, decidedInWindow: 40, paceWindowMs: 4 * H, slaMs: 4 * H },
      NOW,
    );
    expect(f).toMatchObject({ atRisk: 0, firstMiss: null, clearMs: H });
  });

  it("counts the cases past the read as missing, from a read bounded by the team's capacity", () => {
    const limit = forecastReadLimit(40, 4 * H, 4 * H);
    expect(limit).toBe(41);
    const created = Array.from({ length: limit }, () => NOW);
    const f = forecastQueue(
      { waiting: 5000, oldestCreatedAt: created, decidedInWindow: 40, paceWindowMs: 4 * H, slaMs: 4 * H },
      NOW,
    );
    expect(f.atRisk).toBe(5000 - 40);
  });

  it("sees every waiting case missing when nobody decided anything in the window", () => {
    const f = forecastQueue(
      { waiting: 3, oldestCreatedAt: [NOW - H], decidedInWindow: 0, paceWindowMs: 4 * H, slaMs: 4 * H },
      NOW,
    );
    expect(f).toMatchObject({ atRisk: 3, pacePerHour: 0, clearMs: Number.POSITIVE_INFINITY });
  });

  it("has nothing to say about an empty queue", () => {
    const f = forecastQueue(
      { waiting: 0, oldestCreatedAt: [], decidedInWindow: 0, paceWindowMs: H, slaMs: H },
      NOW,
    );
    expect(f).toMatchObject({ atRisk: 0, firstMiss: null, clearMs: 0 });
  });
});
