import { setImmediate } from "node:timers/promises";
import {
  type Recommendation,
  type ReliabilityCurve,
  recommendThreshold,
  reliabilityCurve,
  type ThresholdRow,
  thresholdTable,
  type Workflow,
} from "@loopgate/core";
import type { Store } from "../store/index.js";

/**
 * Threshold calibration of one workflow (issue 6, item 5), as `GET /v1/thresholds` answers it and
 * `loopgate thresholds` prints it: one place computes it so the API and the CLI never disagree.
 */

export interface ThresholdQuery {
  workflow: Workflow;
  /** Only this risk class (every class of the policy, and any other found in history, when undefined). */
  riskClass?: string;
  /** Tolerated error rate of what auto-routes, in (0, 1). */
  maxError: number;
  /** Confidence level of the upper bounds, in (0, 1). */
  level: number;
  /** [since, until) of the cases' decision time, epoch ms. */
  since: number;
  until: number;
}

/** What routing at one threshold would have done to the history: a row of `table`, or null. */
export interface ThresholdEffect {
  threshold: number;
  autoCount: number;
  autoRate: number;
  errors: number;
  errorRate: number | null;
  errorUpperBound: number;
}

export interface ClassCalibration {
  riskClass: string;
  /** autoMinConfidence of the class in the loaded policy; null = never auto-routes (or not in the policy). */
  currentThreshold: number | null;
  /** Calibration items: reviewed cases plus auto-routed cases with a reported outcome or audit. */
  items: number;
  /** Of those, the cases a person decided. */
  reviewed: number;
  reliability: ReliabilityCurve;
  table: ThresholdRow[];
  recommendation: Recommendation;
  /** Auto-route rate and error at the current and the recommended threshold, over the same history. */
  change: { current: ThresholdEffect | null; recommended: ThresholdEffect | null };
}

export interface ThresholdReport {
  workflow: string;
  since: string;
  until: string;
  maxError: number;
  level: number;
  /** Why the figures lean the way they do; shown beside them. */
  selectionBias: string;
  classes: ClassCalibration[];
}

const SELECTION_BIAS =
  "Reviewed cases are the ones the policy sent to people: below the current threshold, or caught by an escalation trigger. Above the current threshold only auto-routed cases with a reported outcome or audit count, so thresholds above it rest on fewer (and possibly different) cases than those below it.";

function effectAt(items: Parameters<typeof thresholdTable>[0], threshold: number | null, level: number) {
  if (threshold === null) return null;
  const [row] = thresholdTable(items, { thresholds: [threshold], level });
  return row ?? null;
}

export async function thresholdReport(store: Store, q: ThresholdQuery): Promise<ThresholdReport> {
  const { workflow: wf, maxError, level, since, until } = q;
  const rows = await store.learning.calibrationItems({
    workflow: wf.workflow,
    since,
    until,
    ...(q.riskClass === undefined ? {} : { riskClass: q.riskClass }),
  });
  const policyClasses = Object.keys(wf.risk.classes);
  const seen = [...new Set(rows.map((r) => r.riskClass))].filter((c) => !policyClasses.includes(c)).sort();
  const classes = q.riskClass === undefined ? [...policyClasses, ...seen] : [q.riskClass];
  const calibrated: ClassCalibration[] = [];
  for (const riskClass of classes) {
    // A class at a time, each on its own turn of the event loop: tens of thousands of items each.
    await setImmediate();
    calibrated.push(calibrate(riskClass));
  }
  return {
    workflow: wf.workflow,
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    maxError,
    level,
    selectionBias: SELECTION_BIAS,
    classes: calibrated,
  };

  function calibrate(riskClass: string): ClassCalibration {
    const items = rows.filter((r) => r.riskClass === riskClass);
    const currentThreshold = wf.risk.classes[riskClass]?.autoMinConfidence ?? null;
    const recommendation = recommendThreshold(items, maxError, { level });
    return {
      riskClass,
      currentThreshold,
      items: items.length,
      reviewed: items.filter((i) => i.reviewed).length,
      reliability: reliabilityCurve(items),
      table: thresholdTable(items, { level }),
      recommendation,
      change: {
        current: effectAt(items, currentThreshold, level),
        recommended: recommendation.row,
      },
    };
  }
}
