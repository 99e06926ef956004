import { randomUUID } from "node:crypto";
import { QuantileSketch, talliedFigures, talliedGroups } from "@loopgate/core";
import { describe, expect, it } from "vitest";
import type { Store } from "../../src/store/index.js";
import { ENGINES, useTestDatabase } from "./engines.js";
import { newCase, submitted, T0, uniqueWorkflow } from "./fixtures.js";

/**
 * The `team` rollup document of a workflow, day and risk class is written by every person's decisions
 * (metrics/rollup-docs.ts): five reviewers on five stores, as five processes would be, decide cases of
 * one workflow at the same moments, and no decision may be lost from the figures nor fail.
 */

const REVIEWERS = 5;
const ROUNDS = 8;
const DAY = 86_400_000;

describe.each(ENGINES)("concurrent decisions in the governance rollups (%s)", (engine) => {
  const t = useTestDatabase(engine);

  it("counts every decision of reviewers deciding side by side on one workflow and day", {
    timeout: 60_000,
  }, async () => {
    const workflow = uniqueWorkflow();
    for (let i = 0; i < REVIEWERS * ROUNDS; i++) {
      const c = newCase({ workflow, createdAt: T0 + i });
      await t.store.cases.insert(c, { events: submitted(c) });
    }
    const stores: Store[] = await Promise.all(Array.from({ length: REVIEWERS }, () => t.db.open()));
    let decided = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const now = T0 + 60_000 + round * 1000;
      const claims = await Promise.all(
        stores.map((store, n) =>
          store.review.claimNext({ reviewer: `usr_${n}`, workflows: [workflow], leaseMs: DAY, now }),
        ),
      );
      // All decisions start in the same tick, so their transactions overlap on PostgreSQL (five pools).
      await Promise.all(
        claims.map((claimed, n) =>
          claimed
            ? stores[n]?.review.recordDecision({
                caseId: claimed.case.id,
                reviewer: `usr_${n}`,
                decisionId: `dec_${randomUUID()}`,
                verdict: n % 2 === 0 ? "approve" : "reject",
                output: null,
                reasonCode: n % 2 === 0 ? null : "wrong_amount",
                note: null,
                now: now + 500,
              })
            : undefined,
        ),
      );
      decided += claims.filter(Boolean).length;
    }
    expect(decided).toBe(REVIEWERS * ROUNDS);

    // Whole days, so every figure comes from the rollups, none from the tables at the edges.
    const w = {
      workflows: [workflow],
      since: Math.floor(T0 / DAY) * DAY,
      until: (Math.floor(T0 / DAY) + 2) * DAY,
    };
    const fromRollups = talliedFigures(await t.store.metrics.governanceTallies(w));
    const scanned = await t.store.metrics.scannedTallies(w);
    const resolutionMs = new Map([...scanned.resolutionMs].map(([k, ms]) => [k, QuantileSketch.of(ms)]));
    expect(fromRollups.decisions).toBe(REVIEWERS * ROUNDS);
    expect(fromRollups).toEqual(talliedFigures({ ...scanned, resolutionMs }));
    const byReviewer = talliedGroups(
      await t.store.metrics.governanceTallies({ ...w, groupBy: "reviewer" }),
      "reviewer",
    );
    expect(byReviewer.map((g) => [g.key, g.figures.decisions])).toEqual(
      Array.from({ length: REVIEWERS }, (_, n) => [`usr_${n}`, ROUNDS]),
    );
    for (const store of stores) await store.close();
  });
});
