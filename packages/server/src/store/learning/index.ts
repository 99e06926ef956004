import type { HistoricalCase } from "@loopgate/core";
import type { StoreEngine } from "../engine.js";
import { countHumanDecisions } from "./budget.js";
import {
  type CalibrationRow,
  calibrationItems,
  type DecisionSupportRow,
  decisionSupportRows,
  type LearningWindow,
} from "./calibration.js";
import { type ExportCursor, type ExportDecision, type ExportFilter, exportDecisions } from "./exports.js";
import { historicalCases, type ShadowPair, type SimulationWindow, shadowPairs } from "./simulation.js";

/**
 * The learning loop, the store's side: reviewed history read back for calibration, decision support,
 * dataset exports and policy simulation (all in keyset batches or aggregates, never whole tables in
 * memory), and the active-learning labelling budget.
 */
export interface LearningStore {
  /**
   * Confidence and correctness of the workflow's real cases decided in [since, until): every case a
   * person decided (correct = proposal taken unchanged, no outcome or audit saying otherwise) and every
   * auto-routed case an outcome or audit has judged.
   */
  calibrationItems(args: LearningWindow & { riskClass?: string }): Promise<CalibrationRow[]>;
  /** The human decision in force on each real case of the workflow decided in [since, until). */
  decisionSupportRows(args: LearningWindow): Promise<DecisionSupportRow[]>;
  /** Up to `limit` decided cases after `after` (submission order) with the human decision in force, filtered. */
  exportDecisions(filter: ExportFilter, after: ExportCursor | null, limit: number): Promise<ExportDecision[]>;
  /** The workflow's real cases submitted in [since, until), oldest first, in batches, with what people and outcomes said. */
  historicalCases(args: SimulationWindow): AsyncIterable<HistoricalCase[]>;
  /** Like historicalCases, only those shadow mode saw: the live route beside the draft's `shadow_routed`. */
  shadowPairs(args: SimulationWindow): AsyncIterable<ShadowPair[]>;
  /** Human decisions on a workflow's real cases since `since` (an active-learning labelling budget). */
  countHumanDecisions(args: { workflow: string; since: number }): Promise<number>;
}

export function learningStore(engine: StoreEngine): LearningStore {
  const { db } = engine;
  return {
    calibrationItems: (args) => calibrationItems(db, args),
    decisionSupportRows: (args) => decisionSupportRows(db, args),
    exportDecisions: (filter, after, limit) => exportDecisions(db, filter, after, limit),
    historicalCases: (args) => historicalCases(db, args),
    shadowPairs: (args) => shadowPairs(db, args),
    countHumanDecisions: (args) => countHumanDecisions(db, args),
  };
}
