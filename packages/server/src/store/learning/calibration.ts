import { sql } from "kysely";
import { auditVerdicts } from "../oversight/audits.js";
import { outcomeFacts } from "../oversight/outcomes.js";
import type { Db } from "../rows.js";
import { windowDays } from "../window-days.js";

/**
 * The rows behind the learning loop's reports (issue 6): what reviewed history says about the model's
 * confidence (threshold calibration) and which ranked option reviewers accepted (decision support).
 * The statistics are the pure functions of `@loopgate/core` (learning/).
 *
 * Shadow cases (catch trials and overlap copies, migration 008) are left out everywhere: they repeat a
 * real case or a known answer, so counting them would weigh some proposals twice.
 *
 * Scaling: a window costs a read of its decided cases and their decisions (proposals included), through
 * `cases_metrics_decided` (migration 010), a day at a time (window-days.ts).
 */

export interface LearningWindow {
  workflow: string;
  /** [since, until) of the cases' decision time, epoch ms. */
  since: number;
  until: number;
}

/** One decided case's model confidence and whether its proposal was right: core `CalibrationItem`. */
export interface CalibrationRow {
  confidence: number;
  correct: boolean;
  riskClass: string;
  /** true: a person decided it; false: the policy auto-routed it and an outcome or audit judged it. */
  reviewed: boolean;
}

/** The human decision in force on a real decision-support case, with the options it chose from. */
export interface DecisionSupportRow {
  proposal: unknown;
  verdict: string;
  output: unknown;
  reasonCode: string | null;
}

const POLICY = "policy";
const SLA = "sla";

const parse = (json: string | null): unknown => (json === null ? null : JSON.parse(json));

/** The latest decision not revoked of each real case of the workflow decided in the window. */
async function decisionsInForce(db: Db, w: LearningWindow & { riskClass?: string }) {
  let q = db
    .selectFrom("decisions as d")
    .innerJoin("cases as c", "c.id", "d.case_id")
    .select([
      "c.id as case_id",
      "c.confidence",
      "c.risk_class",
      "c.proposal",
      "d.id",
      "d.decided_by",
      "d.verdict",
      "d.output",
      "d.reason_code",
      "d.decided_at",
    ])
    .where("c.workflow", "=", w.workflow)
    .where("c.status", "=", "decided")
    .where("c.decided_at", ">=", w.since)
    .where("c.decided_at", "<", w.until)
    .where("d.revoked_at", "is", null)
    // Real cases, said as migration 010's partial index says it: SQLite uses the index only when the
    // query visibly implies its condition, and would otherwise read `cases_overlap_of` for every
    // case without a copy (all but a few), seconds on a busy workflow.
    .where(sql<boolean>`coalesce(c.gold_id, c.overlap_of) is null`);
  if (w.riskClass !== undefined) q = q.where("c.risk_class", "=", w.riskClass);
  const rows = await q.execute();
  const latest = new Map<string, (typeof rows)[number]>();
  for (const r of rows) {
    const prev = latest.get(r.case_id);
    const at = Number(r.decided_at);
    if (!prev || at > Number(prev.decided_at) || (at === Number(prev.decided_at) && r.id > prev.id)) {
      latest.set(r.case_id, r);
    }
  }
  return [...latest.values()];
}

/**
 * Whether a person's verdict took the model's proposal as it was. Approve does; edit, override and
 * reject do not; a label does when it is the label the model proposed (active learning). A ranking
 * orders candidates and says nothing about one proposal: `undefined`, left out.
 */
function acceptedAsProposed(verdict: string, output: unknown, proposal: unknown): boolean | undefined {
  switch (verdict) {
    case "approve":
      return true;
    case "label": {
      const label = (v: unknown) =>
        typeof v === "object" && v !== null ? (v as { label?: unknown }).label : undefined;
      return label(output) !== undefined && label(output) === label(proposal);
    }
    case "rank":
      return undefined;
    default:
      return false;
  }
}

/**
 * Calibration items of the workflow's real cases decided in [since, until), optionally of one risk
 * class. A case counts when a person decided it (its decision in force is not the policy's or an SLA
 * default): correct when they took the proposal unchanged and no outcome or audit since says it was
 * wrong. An auto-routed case counts only once its latest outcome or an audit judged it.
 */
export async function calibrationItems(
  db: Db,
  w: LearningWindow & { riskClass?: string },
): Promise<CalibrationRow[]> {
  const window = { workflows: [w.workflow], since: w.since, until: w.until };
  const [facts, audits] = await Promise.all([outcomeFacts(db, window), auditVerdicts(db, window)]);
  const out: CalibrationRow[] = [];
  // Every decision of a case comes with the case, in the day it was decided: no case spans two reads.
  for await (const day of windowDays(w)) {
    for (const d of await decisionsInForce(db, { ...w, ...day })) {
      const item = calibrationItem(d, facts.get(d.case_id)?.outcome ?? null, audits.get(d.case_id)?.result);
      if (item) out.push(item);
    }
  }
  return out;
}

/** What one decision in force says of its proposal, given the case's latest outcome and audit result. */
function calibrationItem(
  d: Awaited<ReturnType<typeof decisionsInForce>>[number],
  outcome: string | null,
  audit: string | null | undefined,
): CalibrationRow | undefined {
  if (d.decided_by === SLA) return undefined;
  const judgedWrong = outcome === "incorrect" || audit === "incorrect";
  const base = { confidence: Number(d.confidence), riskClass: d.risk_class };
  if (d.decided_by === POLICY) {
    if (d.verdict !== "approve" || (outcome === null && (audit ?? null) === null)) return undefined;
    return { ...base, correct: !judgedWrong, reviewed: false };
  }
  const accepted = acceptedAsProposed(d.verdict, parse(d.output), parse(d.proposal));
  if (accepted === undefined) return undefined;
  return { ...base, correct: accepted && !judgedWrong, reviewed: true };
}

/** The human decision in force on each real case of the workflow decided in [since, until). */
export async function decisionSupportRows(db: Db, w: LearningWindow): Promise<DecisionSupportRow[]> {
  const out: DecisionSupportRow[] = [];
  for await (const day of windowDays(w)) {
    for (const d of await decisionsInForce(db, { ...w, ...day })) {
      if (d.decided_by === POLICY || d.decided_by === SLA) continue;
      out.push({
        proposal: parse(d.proposal),
        verdict: d.verdict,
        output: parse(d.output),
        reasonCode: d.reason_code,
      });
    }
  }
  return out;
}
