import type { CaseStatus, Route, RouteExplanation, Verdict } from "@loopgate/core";
import type { Insertable, Selectable } from "kysely";
import type { ApiKeysTable, CasesTable, DecisionsTable, EventsTable, OutboxTable } from "./schema.js";
import type {
  ApiKeyRecord,
  CaseRecord,
  DecisionRecord,
  EventRecord,
  EventType,
  NewCase,
  NewDecision,
  NewEvent,
  NewOutboxMessage,
  OutboxMessage,
  Role,
} from "./types.js";

/** Row <-> record mapping: snake_case to camelCase, JSON text to values, lease columns to one object. */

// `?? null` because JSON.stringify(undefined) is undefined, which a NOT NULL column would reject.
const toJson = (value: unknown): string => JSON.stringify(value ?? null);
const toJsonOrNull = (value: unknown): string | null => (value == null ? null : JSON.stringify(value));
const fromJson = <T>(text: string): T => JSON.parse(text) as T;
const fromJsonOrNull = <T>(text: string | null): T | null => (text == null ? null : (JSON.parse(text) as T));

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

export function rowToDecision(r: Selectable<DecisionsTable>): DecisionRecord {
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

export function eventToRow(e: NewEvent): Insertable<EventsTable> {
  return { type: e.type, case_id: e.caseId, actor: e.actor, data: toJson(e.data), at: e.at };
}

export function rowToEvent(r: Selectable<EventsTable>): EventRecord {
  return {
    seq: r.seq,
    type: r.type as EventType,
    caseId: r.case_id,
    actor: r.actor,
    data: fromJson<Record<string, unknown>>(r.data),
    at: r.at,
  };
}

/** A new message is due at once: the worker's first attempt should follow the commit immediately. */
export function outboxToRow(m: NewOutboxMessage): Insertable<OutboxTable> {
  return {
    id: m.id,
    case_id: m.caseId,
    key_id: m.keyId,
    url: m.url,
    body: m.body,
    created_at: m.createdAt,
    next_attempt_at: m.notBefore ?? m.createdAt,
  };
}

export function rowToOutbox(r: Selectable<OutboxTable>): OutboxMessage {
  return {
    id: r.id,
    caseId: r.case_id,
    keyId: r.key_id,
    url: r.url,
    body: r.body,
    createdAt: r.created_at,
    attempts: r.attempts,
    // Only due messages are handed out, and a due message has a next attempt time.
    nextAttemptAt: r.next_attempt_at ?? r.created_at,
  };
}

export function keyToRow(k: ApiKeyRecord): Insertable<ApiKeysTable> {
  return {
    id: k.id,
    name: k.name,
    role: k.role,
    workflows: toJsonOrNull(k.workflows),
    token_hash: k.tokenHash,
    signing_secret: k.signingSecret,
    created_at: k.createdAt,
    authority_roles: toJsonOrNull(k.authorityRoles),
  };
}

export function rowToKey(r: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: r.id,
    name: r.name,
    role: r.role as Role,
    workflows: fromJsonOrNull<string[]>(r.workflows),
    tokenHash: r.token_hash,
    signingSecret: r.signing_secret,
    createdAt: r.created_at,
    ...(r.authority_roles !== null && { authorityRoles: fromJson<string[]>(r.authority_roles) }),
  };
}
