/** The webhook outbox: deliveries written in the transaction that decides, sent after it commits. */

export interface NewOutboxMessage {
  id: string;
  caseId: string;
  /** The key whose signing secret signs this delivery. */
  keyId: string;
  url: string;
  /** The exact JSON body to POST (signed as sent). */
  body: string;
  createdAt: number;
  /** Not delivered before this time (a held decision's release); default createdAt. */
  notBefore?: number;
}

/**
 * A delivery that belongs to no case: an oversight alert to its workflow owner's `alertUrl` (migration
 * 009 made `outbox.case_id` nullable; oversight/alerts.ts writes these).
 */
export type CaselessOutboxMessage = Omit<NewOutboxMessage, "caseId" | "notBefore"> & { caseId: null };

/** A claimed delivery: a case's webhook, or (caseId null) an oversight alert. */
export interface OutboxMessage extends Omit<NewOutboxMessage, "caseId"> {
  caseId: string | null;
  attempts: number;
  nextAttemptAt: number;
}
