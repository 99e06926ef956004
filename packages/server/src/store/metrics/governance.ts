import { type GovernanceTallies, type GroupBy, QuantileSketch } from "@loopgate/core";
import { type OverlapRating, overlapItems, ratingsOfItems } from "../oversight/shadows.js";
import type { Db } from "../rows.js";
import { type GovernanceWindow, type ScannedTallies, scanTallies } from "./governance-scan.js";
import { DAY_MS } from "./rollup-docs.js";
import { rollupOverlapItems, rollupTallies } from "./rollup-reads.js";

/**
 * The tallies behind the governance metrics (`GET /v1/metrics/governance`, `loopgate report`); the
 * figures are computed from them by `@loopgate/core` (metrics/governance.ts).
 *
 * The whole UTC days inside [since, until) come from the rollups (rollup-reads.ts: a few rows per
 * workflow and day, however many cases a day holds), and the partial days at the edges, if any, are
 * counted from the base tables (governance-scan.ts), so a 90-day report reads hundreds of rows and at
 * most two days' cases. A window inside one day is counted from the tables alone. Resolution times are
 * sketches either way (core sketch.ts): percentiles within 1 % of the exact ones.
 */
export async function governanceTallies(
  db: Db,
  w: GovernanceWindow & { groupBy?: GroupBy },
): Promise<GovernanceTallies> {
  const [tallies] = await talliesOf(db, w, [w.groupBy]);
  return tallies as GovernanceTallies;
}

/**
 * The tallies of a report: grouped by `groupBy` and, by reviewer, also of the whole window (a reviewer
 * group holds only people's decisions), from one read of the rollups.
 */
export async function reportTallies(
  db: Db,
  w: GovernanceWindow & { groupBy?: GroupBy },
): Promise<{ tallies: GovernanceTallies; byReviewer?: GovernanceTallies }> {
  if (w.groupBy !== "reviewer") return { tallies: await governanceTallies(db, w) };
  const [tallies, byReviewer] = await talliesOf(db, w, [undefined, "reviewer"]);
  return { tallies: tallies as GovernanceTallies, byReviewer: byReviewer as GovernanceTallies };
}

async function talliesOf(
  db: Db,
  w: GovernanceWindow,
  groupings: (GroupBy | undefined)[],
): Promise<GovernanceTallies[]> {
  const fromDay = Math.ceil(w.since / DAY_MS);
  const toDay = Math.floor(w.until / DAY_MS);
  if (fromDay >= toDay) {
    return Promise.all(groupings.map(async (groupBy) => sketched(await scanTallies(db, { ...w, groupBy }))));
  }
  const edges = (groupBy: GroupBy | undefined) =>
    Promise.all([
      scanTallies(db, { ...w, groupBy, until: fromDay * DAY_MS }),
      scanTallies(db, { ...w, groupBy, since: toDay * DAY_MS }),
    ]);
  const [wholeDays, ...edgesOf] = await Promise.all([
    rollupTallies(db, { workflows: w.workflows, fromDay, toDay }, groupings),
    ...groupings.map(edges),
  ]);
  return wholeDays.map((whole, i) => {
    for (const edge of edgesOf[i] ?? []) {
      whole.routes.push(...edge.routes);
      whole.triggers.push(...edge.triggers);
      whole.verdicts.push(...edge.verdicts);
      whole.reported.push(...edge.reported);
      for (const [key, ms] of edge.resolutionMs) {
        const sketch = whole.resolutionMs.get(key) ?? new QuantileSketch();
        for (const v of ms) sketch.add(v);
        whole.resolutionMs.set(key, sketch);
      }
    }
    return whole;
  });
}

/**
 * The ratings behind the report's reviewer consistency: every rating known by `until` of the overlap
 * groups rated in the window, the groups found in the rollups for whole days and in the tables for the
 * partial days at the edges (the same as store.oversight.overlapRatings, without reading every decision
 * of the window to find the few on overlap groups).
 */
export async function overlapRatings(db: Db, w: GovernanceWindow): Promise<OverlapRating[]> {
  const fromDay = Math.ceil(w.since / DAY_MS);
  const toDay = Math.floor(w.until / DAY_MS);
  const parts =
    fromDay >= toDay
      ? [overlapItems(db, w)]
      : [
          rollupOverlapItems(db, { workflows: w.workflows, fromDay, toDay }),
          overlapItems(db, { ...w, until: fromDay * DAY_MS }),
          overlapItems(db, { ...w, since: toDay * DAY_MS }),
        ];
  const items = new Set((await Promise.all(parts)).flat());
  return ratingsOfItems(db, [...items], w.until);
}

/** Scanned tallies with their resolution times as sketches, as the rollups give them. */
function sketched(t: ScannedTallies): GovernanceTallies {
  return {
    ...t,
    resolutionMs: new Map([...t.resolutionMs].map(([key, ms]) => [key, QuantileSketch.of(ms)])),
  };
}
