import type { CaseRecord, NewDecision } from "../store/index.js";

/** The webhook body for a decided case: what the automation needs to act, and nothing it must not see. */
export function decidedWebhookBody(c: CaseRecord, d: NewDecision): string {
  return JSON.stringify({
    type: "case.decided",
    caseId: c.id,
    workflow: c.workflow,
    action: c.action,
    route: c.route,
    verdict: d.verdict,
    output: d.output,
    reasonCode: d.reasonCode,
    note: d.note,
    decidedBy: d.decidedBy,
    decidedAt: new Date(d.decidedAt).toISOString(),
    idempotencyKey: c.idempotencyKey,
    subject: c.subject,
    metadata: c.metadata,
  });
}
