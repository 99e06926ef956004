import type { DecisionSigner } from "../../decision-signature.js";
import type { CaseDetail, CaseRecord, DecisionRecord, EventRecord } from "../../store/index.js";
import { handedBack, signedDecision } from "../../webhooks/bodies.js";

/**
 * Records as the API shows them: ISO times, no internal fields (request hashes, shadow markers).
 *
 * A case's automation plumbing (its idempotency key, callback URL, the key that submitted it and the
 * webhook deliveries to it) is shown only to the automation that submitted it (`plumbing: true`, see
 * `ownsCase`). Everyone else (reviewers, admins, auditors) gets the case without it: catch trials and
 * overlap copies carry no idempotency key or callback, so any of it would tell a real case from a copy.
 */

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** Who the events an automation causes name instead of its key, in views without plumbing. */
const AUTOMATION_ACTOR = "automation";
/** Events about deliveries to the callback URL (which they carry): only real cases have them. */
const WEBHOOK_EVENTS: ReadonlySet<string> = new Set(["webhook_delivered", "webhook_failed"]);

export function caseView(c: CaseRecord | CaseDetail, opts: { plumbing?: boolean } = {}) {
  const plumbing = opts.plumbing === true;
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
    revisionOf: c.revisionOf,
    version: c.version,
    toolInputSchema: c.toolInputSchema,
    ...(plumbing && { idempotencyKey: c.idempotencyKey, callbackUrl: c.callbackUrl }),
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
    // Without plumbing, `seq` counts the case's own events (1, 2, …): the log's global sequence would
    // show that a catch trial or an overlap copy was written just after the real case it repeats.
    const events = plumbing
      ? c.events
      : c.events.flatMap((e) => withoutPlumbing(c, e)).map((e, i) => ({ ...e, seq: i + 1 }));
    return { ...view, decisions: c.decisions.map(decisionView), events: events.map(eventView) };
  }
  return view;
}

/**
 * An event as someone other than the submitting automation sees it: no webhook deliveries, no
 * idempotency key, and the submitting key named `automation`. Only the events an automation writes
 * (submitted, outcome_reported) name its key; an admin reporting an outcome stays named.
 */
function withoutPlumbing(c: CaseRecord, e: EventRecord): EventRecord[] {
  if (WEBHOOK_EVENTS.has(e.type)) return [];
  const actor = e.actor === c.submittedBy ? AUTOMATION_ACTOR : e.actor;
  if (e.type === "submitted") {
    const { idempotencyKey: _, ...data } = e.data;
    return [{ ...e, actor, data }];
  }
  if (e.type === "outcome_reported") return [{ ...e, actor }];
  return [e];
}

/** What a submit (and a revision) answers: the route, and for a revision its place along the chain. */
export function submittedView(c: CaseRecord) {
  return {
    id: c.id,
    route: c.route,
    status: c.status,
    riskClass: c.riskClass,
    explanation: c.explanation,
    revisionOf: c.revisionOf,
    version: c.version,
  };
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

/**
 * The long-poll answer: the decision once there is one (the webhook body is webhooks/bodies.ts). On a
 * human_only case `humanOwned` is true and `output` is the person's own record, never the proposal.
 */
export function decisionResult(c: CaseRecord, d: DecisionRecord | undefined, signer?: DecisionSigner) {
  const humanOwned = c.route === "human_only";
  if (c.status !== "decided" || !d) return { caseId: c.id, status: c.status, route: c.route, humanOwned };
  return {
    caseId: c.id,
    status: c.status,
    route: c.route,
    ...handedBack(c, d),
    verdict: d.verdict,
    reasonCode: d.reasonCode,
    note: d.note,
    decidedBy: d.decidedBy,
    decidedAt: iso(d.decidedAt),
    workflow: c.workflow,
    action: c.action,
    ...(signer && signedDecision(signer, c, d)),
  };
}
