import type { CaseStatus, Route, Verdict } from "@loopgate/core";
import type { Db } from "../rows.js";
import type { HistoryEntry } from "./types.js";

export interface HistoryQuery {
  subject: string;
  excludeCaseId: string;
  before: number;
  workflows?: string[];
  submittedBy?: string;
  limit: number;
}

/** Other cases of `subject` created before `before`, newest first, each with its latest decision. */
export async function subjectHistory(db: Db, args: HistoryQuery): Promise<HistoryEntry[]> {
  const { subject, excludeCaseId, before, workflows, submittedBy, limit } = args;
  if (workflows?.length === 0) return [];
  let query = db
    .selectFrom("cases")
    .select(["id", "workflow", "action", "created_at", "status", "route"])
    .where("subject", "=", subject)
    // Strictly earlier: shadow cases are written in their real case's transaction, at the same instant,
    // so a copy listing its real case (or a catch trial a real case) in its history would give it away.
    .where("created_at", "<", before)
    .where("id", "!=", excludeCaseId)
    // Shadow cases are not part of the subject's history: a catch trial never happened to the subject,
    // and an overlap copy would show one reviewer the other's decision.
    .where("gold_id", "is", null)
    .where("overlap_of", "is", null)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(limit);
  if (workflows) query = query.where("workflow", "in", workflows);
  if (submittedBy !== undefined) query = query.where("submitted_by", "=", submittedBy);
  const cases = await query.execute();
  if (cases.length === 0) return [];
  const decisions = await db
    .selectFrom("decisions")
    .select(["case_id", "verdict", "reason_code", "note", "decided_at"])
    .where(
      "case_id",
      "in",
      cases.map((c) => c.id),
    )
    .orderBy("decided_at")
    .orderBy("id")
    .execute();
  // Ordered oldest first, so the last one written per case is its latest.
  const latest = new Map(decisions.map((d) => [d.case_id, d]));
  return cases.map((c) => {
    const d = latest.get(c.id);
    return {
      id: c.id,
      workflow: c.workflow,
      action: c.action,
      createdAt: c.created_at,
      status: c.status as CaseStatus,
      route: c.route as Route,
      decision: d
        ? {
            verdict: d.verdict as Verdict,
            reasonCode: d.reason_code,
            note: d.note,
            decidedAt: d.decided_at,
          }
        : null,
    };
  });
}
