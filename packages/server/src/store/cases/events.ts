import type { Insertable, Selectable, Updateable } from "kysely";
import { appendChained } from "../audit/append.js";
import type { ChainHead } from "../audit/chain.js";
import { type Db, fromJson, toJson } from "../rows.js";
import type { CasesTable, EventsTable } from "../schema.js";

/**
 * The append-only event log: the record for audit and later metrics. Every aggregate writes events in
 * its own transactions through `insertEvents`; the folder named in each group below writes that type.
 */
export type EventType =
  | "submitted"
  | "routed"
  | "claimed"
  | "released"
  | "lease_expired"
  | "decided"
  | "webhook_delivered"
  | "webhook_failed"
  | "blind_judgment"
  // Review rules: four-eyes and ownership (review/)
  | "approved"
  | "second_review_needed"
  | "assigned"
  // Release delay, revert and SLA (review/reversible.ts, timers/, workers/timers.ts)
  | "revoked"
  | "decision_released"
  | "reverted"
  | "sla_reminder"
  | "escalated"
  | "sla_breached"
  // Outcomes reported by the automation (oversight/outcomes.ts)
  | "outcome_reported"
  // Audit sampling (oversight/audits.ts)
  | "audit_drawn"
  | "audit_verdict"
  // Oversight alerts (oversight/alerts.ts); case_id null
  | "oversight_alert"
  | "oversight_alert_acknowledged"
  // Shadow mode: what a draft policy would have done at submit (http shadow mode)
  | "shadow_routed"
  // The stop button and retention (suspensions/, retention/); case_id null, in the system chain
  | "workflow_suspended"
  | "workflow_resumed"
  | "cases_purged"
  // The owner's inbox: a reviewer paused from an alert, and resumed (pauses/); case_id null
  | "reviewer_paused"
  | "reviewer_resumed";

export interface NewEvent {
  type: EventType;
  caseId: string | null;
  /** Key id of whoever caused it, or "system". */
  actor: string;
  data: Record<string, unknown>;
  at: number;
}

export interface EventRecord extends NewEvent {
  seq: number;
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

/**
 * One multi-row INSERT, each event linked into its case's audit chain (audit/append.ts); inside a
 * transaction it commits with the rest, outside one it opens its own. `heads`: chain heads the caller
 * read under the case's row lock (an UPDATE … RETURNING chain_head, chain_length), saving that read.
 * `alsoSet`: columns of the (one) case the events are of, written with its new head.
 */
export async function insertEvents(
  db: Db,
  events: NewEvent[],
  heads?: ReadonlyMap<string, ChainHead>,
  alsoSet?: Updateable<CasesTable>,
): Promise<void> {
  await appendChained(
    db,
    events.map((e) => ({ table: "events", row: eventToRow(e) })),
    heads,
    alsoSet,
  );
}
