import type { GovernanceTallies, GroupBy } from "@loopgate/core";
import type { StoreEngine } from "../engine.js";
import {
  type CountedEvent,
  countedEventsAfter,
  type GovernanceWindow,
  governanceTallies,
} from "./governance.js";

/**
 * Governance metrics, the store's side: tallies counted by the database (GROUP BY over the indexes of
 * migration 010), from which core computes the rates; and the event feed behind the Prometheus counters.
 */
export interface MetricsStore {
  /**
   * The tallies behind the governance metrics of [since, until) in `workflows` (all when undefined),
   * keyed by `groupBy`: cases submitted, cases decided, and decisions recorded in the window.
   */
  governanceTallies(args: GovernanceWindow & { groupBy?: GroupBy }): Promise<GovernanceTallies>;
  /** Up to `limit` `routed` and `decided` events after `afterSeq` (oldest first), for the Prometheus counters. */
  countedEventsAfter(afterSeq: number, limit: number): Promise<CountedEvent[]>;
}

export function metricsStore(engine: StoreEngine): MetricsStore {
  const { db } = engine;
  return {
    governanceTallies: (args) => governanceTallies(db, args),
    countedEventsAfter: (afterSeq, limit) => countedEventsAfter(db, afterSeq, limit),
  };
}
