import type { CaseDetail, CaseRecord, DecisionRecord, EventRecord } from "../../store/index.js";

/** Records as the API shows them: ISO times, no internal fields (request hashes, submitter key ids). */

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function caseView(c: CaseRecord | CaseDetail) {
  const view = {
    id: c.id,
    workflow: c.workflow,
    action: c.action,
    status: c.status,
    route: c.route,
    riskClass: c.riskClass,
    confidence: c.confidence,
    input: c.input,
    proposal: c.proposal,
    rationale: c.rationale,
    evidence: c.evidence,
    subject: c.subject,
    metadata: c.metadata,
    context: c.context,
    explanation: c.explanation,
    idempotencyKey: c.idempotencyKey,
    callbackUrl: c.callbackUrl,
    policyVersion: c.policyVersion,
    createdAt: iso(c.createdAt),
    decidedAt: isoOrNull(c.decidedAt),
    lease: c.lease ? { holder: c.lease.holder, expiresAt: iso(c.lease.expiresAt) } : null,
    assignedTo: c.assignedTo ?? null,
    releaseAt: isoOrNull(c.releaseAt),
    releasedAt: isoOrNull(c.releasedAt),
    revertedAt: isoOrNull(c.revertedAt),
    slaDueAt: isoOrNull(c.slaDueAt),
    escalatedTo: c.escalatedTo,
    handoff: c.handoff,
    /** True while blind-first review hides the model's recommendation from the caller (case-screen.ts). */
    blind: false as boolean,
  };
  if ("decisions" in c) {
    return { ...view, decisions: c.decisions.map(decisionView), events: c.events.map(eventView) };
  }
  return view;
}

export function decisionView(d: DecisionRecord) {
  return {
    id: d.id,
    verdict: d.verdict,
    output: d.output,
    reasonCode: d.reasonCode,
    note: d.note,
    decidedBy: d.decidedBy,
    claimedAt: isoOrNull(d.claimedAt),
    decidedAt: iso(d.decidedAt),
    heldSeconds: d.heldMs === null ? null : d.heldMs / 1000,
    ...(d.revokedAt != null && { revokedAt: iso(d.revokedAt) }),
  };
}

function eventView(e: EventRecord) {
  return { seq: e.seq, type: e.type, actor: e.actor, data: e.data, at: iso(e.at) };
}

/** The long-poll answer: the decision once there is one (the webhook body is webhooks/bodies.ts). */
export function decisionResult(c: CaseRecord, d: DecisionRecord | undefined) {
  if (c.status !== "decided" || !d) return { caseId: c.id, status: c.status, route: c.route };
  return {
    caseId: c.id,
    status: c.status,
    route: c.route,
    verdict: d.verdict,
    output: d.output,
    reasonCode: d.reasonCode,
    note: d.note,
    decidedBy: d.decidedBy,
    decidedAt: iso(d.decidedAt),
  };
}
