import type { NewEvent } from "../cases/events.js";
import type { CaseRecord, CaseTiming, NewDecision } from "../cases/types.js";
import type { NewOutboxMessage } from "../outbox/types.js";

/** A durable timer: a deadline that must fire even across restarts (migration 005). */
export type TimerKind = "sla_reminder" | "sla_timeout" | "release";

export interface NewTimer {
  id: string;
  caseId: string;
  kind: TimerKind;
  dueAt: number;
}

export interface TimerRecord extends NewTimer {
  createdAt: number;
}

/**
 * What firing a timer does, computed by the worker from the case as it is inside the firing
 * transaction. Every part commits together with the timer being marked done.
 */
export interface TimerEffect {
  /** Columns to change on the case; `clearLease` also ends any reviewer's lease. */
  case?: Partial<Pick<CaseRecord, "status" | "decidedAt" | keyof CaseTiming>> & { clearLease?: boolean };
  decision?: NewDecision;
  events: NewEvent[];
  outbox?: NewOutboxMessage;
  timers?: NewTimer[];
}
