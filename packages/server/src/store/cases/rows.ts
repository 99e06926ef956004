import type { CaseStatus, Route, RouteExplanation, Verdict } from "@loopgate/core";
import type { Insertable, Selectable } from "kysely";
import { type Db, fromJson, fromJsonOrNull, toJson, toJsonOrNull } from "../rows.js";
import type { CasesTable, DecisionsTable } from "../schema.js";
import type { ChainLinkColumns } from "../schema-audit.js";
import type { CaseRecord, DecisionRecord, NewCase, NewDecision } from "./types.js";

/** Case and decision rows <-> records: snake_case to camelCase, JSON text to values, lease columns to one object. */

export function caseToRow(c: NewCase, decidedAt: number | null): Insertable<CasesTable> {
  return {
    id: c.id,
    workflow: c.workflow,
    action: c.action,
    status: c.status,
    route: c.route,
    risk_class: c.riskClass,
    confidence: c.confidence,
    input: toJson(c.input),
    proposal: toJson(c.proposal),
    rationale: c.rationale,
    evidence: toJsonOrNull(c.evidence),
    subject: c.subject,
    metadata: toJsonOrNull(c.metadata),
    context: toJsonOrNull(c.context),
    explanation: toJson(c.explanation),
    idempotency_key: c.idempotencyKey,
    request_hash: c.requestHash,
    callback_url: c.callbackUrl,
    submitted_by: c.submittedBy,
    policy_version: c.policyVersion,
    created_at: c.createdAt,
    decided_at: decidedAt,
    gold_id: c.goldId ?? null,
    priority: c.priority ?? 0,
    overlap_of: c.overlapOf ?? null,
    blind_sampled: c.blindSampled ? 1 : 0,
    revision_of: c.revisionOf ?? null,
    version: c.version ?? 1,
    tool_input_schema: toJsonOrNull(c.toolInputSchema ?? null),
  };
}

function leaseOf(r: Selectable<CasesTable>): CaseRecord["lease"] {
  if (
    r.lease_id === null ||
    r.lease_holder === null ||
    r.claimed_at === null ||
    r.lease_expires_at === null
  ) {
    return null;
  }
  return { id: r.lease_id, holder: r.lease_holder, claimedAt: r.claimed_at, expiresAt: r.lease_expires_at };
}

export function rowToCase(r: Selectable<CasesTable>): CaseRecord {
  return {
    id: r.id,
    workflow: r.workflow,
    action: r.action,
    status: r.status as CaseStatus,
    route: r.route as Route,
    riskClass: r.risk_class,
    confidence: r.confidence,
    input: fromJson(r.input),
    proposal: fromJson(r.proposal),
    rationale: r.rationale,
    evidence: fromJsonOrNull<unknown[]>(r.evidence),
    subject: r.subject,
    metadata: fromJsonOrNull<Record<string, unknown>>(r.metadata),
    context: fromJsonOrNull<Record<string, unknown>>(r.context),
    explanation: fromJson<RouteExplanation>(r.explanation),
    idempotencyKey: r.idempotency_key,
    requestHash: r.request_hash,
    callbackUrl: r.callback_url,
    submittedBy: r.submitted_by,
    policyVersion: r.policy_version,
    createdAt: r.created_at,
    decidedAt: r.decided_at,
    lease: leaseOf(r),
    assignedTo: r.assigned_to ?? null,
    releaseAt: r.release_at ?? null,
    releasedAt: r.released_at ?? null,
    revertedAt: r.reverted_at ?? null,
    slaDueAt: r.sla_due_at ?? null,
    escalatedTo: r.escalated_to ?? null,
    handoff: r.handoff ?? null,
    goldId: r.gold_id ?? null,
    priority: r.priority ?? 0,
    overlapOf: r.overlap_of ?? null,
    blindSampled: r.blind_sampled === 1,
    revisionOf: r.revision_of ?? null,
    version: r.version ?? 1,
    toolInputSchema: fromJsonOrNull<Record<string, unknown>>(r.tool_input_schema ?? null),
  };
}

export function decisionToRow(caseId: string, d: NewDecision): Insertable<DecisionsTable> {
  return {
    id: d.id,
    case_id: caseId,
    decided_by: d.decidedBy,
    verdict: d.verdict,
    output: toJson(d.output),
    reason_code: d.reasonCode,
    note: d.note,
    claimed_at: d.claimedAt,
    decided_at: d.decidedAt,
    held_ms: d.heldMs,
  };
}

/** A decision row as a record (its audit-chain columns are the chain's business, not the record's). */
export function rowToDecision(r: Omit<Selectable<DecisionsTable>, keyof ChainLinkColumns>): DecisionRecord {
  return {
    id: r.id,
    caseId: r.case_id,
    decidedBy: r.decided_by,
    verdict: r.verdict as Verdict,
    output: fromJson(r.output),
    reasonCode: r.reason_code,
    note: r.note,
    claimedAt: r.claimed_at,
    decidedAt: r.decided_at,
    heldMs: r.held_ms,
    ...(r.revoked_at != null && { revokedAt: r.revoked_at }),
  };
}

/** The case row as it is now, inside the caller's transaction (it must exist). */
export function selectCase(db: Db, id: string): Promise<Selectable<CasesTable>> {
  return db.selectFrom("cases").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}
