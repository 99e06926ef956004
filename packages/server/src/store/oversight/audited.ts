import { SYSTEM_DECIDERS } from "@loopgate/core";
import type { Db } from "../rows.js";
import type { OversightWindow } from "./shadows.js";

/** One audited case with its verdict and the person whose decision in force the auditor judged. */
export interface AuditedDecision {
  caseId: string;
  workflow: string;
  /** The decision in force's decider (a user or key id); system decisions are left out. */
  reviewer: string;
  result: "correct" | "incorrect";
}

/**
 * The done audits of cases decided in [since, until) (the window `auditVerdicts` uses for the post-review
 * error rate), each with who made the decision the auditor judged: the latest one not revoked.
 */
export async function auditedDecisions(db: Db, w: OversightWindow): Promise<AuditedDecision[]> {
  if (w.workflows?.length === 0) return [];
  let q = db
    .selectFrom("audits as a")
    .innerJoin("cases as c", "c.id", "a.case_id")
    .innerJoin("decisions as d", "d.case_id", "c.id")
    .select(["a.case_id", "a.verdict", "c.workflow", "d.id", "d.decided_by", "d.decided_at"])
    .where("a.status", "=", "done")
    .where("c.decided_at", ">=", w.since)
    .where("c.decided_at", "<", w.until)
    .where("d.revoked_at", "is", null);
  if (w.workflows) q = q.where("c.workflow", "in", w.workflows);
  const rows = await q.execute();
  const inForce = new Map<string, (typeof rows)[number]>();
  for (const r of rows) {
    const prev = inForce.get(r.case_id);
    const at = Number(r.decided_at);
    if (!prev || at > Number(prev.decided_at) || (at === Number(prev.decided_at) && r.id > prev.id)) {
      inForce.set(r.case_id, r);
    }
  }
  return [...inForce.values()]
    .filter((r) => !SYSTEM_DECIDERS.includes(r.decided_by))
    .map((r) => ({
      caseId: r.case_id,
      workflow: r.workflow,
      reviewer: r.decided_by,
      result: r.verdict as AuditedDecision["result"],
    }));
}
