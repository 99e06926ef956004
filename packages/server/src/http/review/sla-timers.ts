import { randomUUID } from "node:crypto";
import { slaTimes } from "@loopgate/core";
import type { NewTimer } from "../../store/index.js";

/**
 * The durable SLA deadline of a case entering the queue (on submit, and again when a revoke puts it
 * back): the due time stored on the case and its reminder and timeout timers. None without an SLA.
 */
export function slaTimersFor(
  caseId: string,
  now: number,
  reviewWithinSeconds: number | undefined,
): { slaDueAt: number | undefined; timers: NewTimer[] } {
  if (reviewWithinSeconds === undefined) return { slaDueAt: undefined, timers: [] };
  const t = slaTimes(now, reviewWithinSeconds);
  return {
    slaDueAt: t.dueAt,
    timers: [
      { id: `tmr_${randomUUID()}`, caseId, kind: "sla_reminder", dueAt: t.reminderAt },
      { id: `tmr_${randomUUID()}`, caseId, kind: "sla_timeout", dueAt: t.dueAt },
    ],
  };
}
