import type { ErosionCount, GovernanceTallies, GroupBy } from "@loopgate/core";
import type { StoreEngine } from "../engine.js";
import type { OverlapRating } from "../oversight/shadows.js";
import { type CountedEvent, countedEventsAfter } from "./counted-events.js";
import { erosionCounts } from "./erosion-reads.js";
import { governanceTallies, overlapRatings, reportTallies } from "./governance.js";
import { type GovernanceWindow, type ScannedTallies, scanTallies } from "./governance-scan.js";
import { rebuildRollups } from "./rollup-rebuild.js";

/**
 * Governance metrics, the store's side: tallies kept in rollups per workflow and UTC day (maintained in
 * the transaction of every write they count, migration 014), from which core computes the rates; and
 * the event feed behind the Prometheus counters.
 */
export interface MetricsStore {
  /**
   * The tallies behind the governance metrics of [since, until) in `workflows` (all when undefined),
   * keyed by `groupBy`: cases submitted, cases decided, and decisions recorded in the window. Whole
   * days from the rollups, partial days at the edges from the tables.
   */
  governanceTallies(args: GovernanceWindow & { groupBy?: GroupBy }): Promise<GovernanceTallies>;
  /**
   * A report's tallies: grouped by `groupBy`, and by reviewer those of the whole window too (a reviewer
   * group holds only people's decisions), from one read of the rollups.
   */
  reportTallies(
    args: GovernanceWindow & { groupBy?: GroupBy },
  ): Promise<{ tallies: GovernanceTallies; byReviewer?: GovernanceTallies }>;
  /**
   * The same tallies counted from the base tables alone, with exact resolution times: the reference
   * the rollups must equal. Its cost grows with the window's cases (seconds over 90 busy days).
   */
  scannedTallies(args: GovernanceWindow & { groupBy?: GroupBy }): Promise<ScannedTallies>;
  /**
   * The overlap ratings behind the reviewer consistency of [since, until): the groups rated in the
   * window from the rollups (edges from the tables), then every rating of those groups known by `until`.
   * Equal to `oversight.overlapRatings`, which finds the groups by reading the window's decisions.
   */
  overlapRatings(args: GovernanceWindow): Promise<OverlapRating[]>;
  /**
   * The blind judgments recorded in [since, until), each compared with the model's proposal and with
   * the decision that ended its claim, counted by workflow, reviewer and what they showed (core
   * `ErosionCount`). Read through the index of blind judgments (migration 023): its cost follows the
   * judgments in the window.
   */
  erosionCounts(args: GovernanceWindow): Promise<ErosionCount[]>;
  /**
   * Recomputes every rollup from the tables, in one transaction: after rows were written around the
   * store (a bulk load, a restore of some tables). Migration 014 runs it once.
   */
  rebuildRollups(): Promise<{ cases: number; documents: number }>;
  /** Up to `limit` `routed` and `decided` events after `afterSeq` (oldest first), for the Prometheus counters. */
  countedEventsAfter(afterSeq: number, limit: number): Promise<CountedEvent[]>;
}

export function metricsStore(engine: StoreEngine): MetricsStore {
  const { db } = engine;
  return {
    governanceTallies: (args) => governanceTallies(db, args),
    reportTallies: (args) => reportTallies(db, args),
    scannedTallies: (args) => scanTallies(db, args),
    overlapRatings: (args) => overlapRatings(db, args),
    erosionCounts: (args) => erosionCounts(db, args),
    rebuildRollups: () => rebuildRollups(db),
    countedEventsAfter: (afterSeq, limit) => countedEventsAfter(db, afterSeq, limit),
  };
}
