import type { Workflow } from "@loopgate/core";
import type { CaseRecord, OutboxMessage, Store, TimerRecord } from "../store/index.js";
import { approveRefusal } from "../workers/timeout-approval.js";

/**
 * What the stop button holds back when it would fire: a held decision's release (its timer and its
 * webhook) and an SLA timeout that would approve. Read from the database at fire time, not from the
 * submit path's cache, so a suspension holds from the moment it commits in any process.
 *
 * A held job is not done and not failed: its lease is set `HOLD_RECHECK_MS` ahead, so its worker looks
 * again then, and after a resume it fires within that time, at its original due time's effect.
 */
const HOLD_RECHECK_MS = 1000;

/** Whether firing `t` on `c` now would release a decision or let the clock approve one. */
function wouldRelease(t: TimerRecord, c: CaseRecord, wf: Workflow | undefined): boolean {
  if (t.kind === "release") return c.releaseAt !== null && c.releasedAt === null;
  if (t.kind !== "sla_timeout" || !wf || wf.sla.onTimeout !== "approve") return false;
  return c.status !== "decided" && c.escalatedTo === null && approveRefusal(wf, c) === undefined;
}

/**
 * Whether timer `t` must wait because a suspension covers its case; if so it is held (re-leased) here.
 * A suspend committing just after this read lets this one timer fire, as if it had fired a moment
 * before the suspend: the suspension holds from its commit on, not before.
 */
export async function holdTimer(
  store: Store,
  t: TimerRecord,
  c: CaseRecord,
  wf: Workflow | undefined,
  now: number,
): Promise<boolean> {
  if (!wouldRelease(t, c, wf)) return false;
  if (!(await store.suspensions.inForceFor(c.workflow, c.action))) return false;
  await store.suspensions.holdJobs("timers", [t.id], now + HOLD_RECHECK_MS);
  return true;
}

/**
 * Of claimed webhooks, those of decisions whose release is held by a suspension (held here, re-leased):
 * the outbox worker leaves them unattempted. Reviewers' decisions that were never held pass.
 */
export async function holdWebhooks(
  store: Store,
  claimed: readonly OutboxMessage[],
  now: number,
): Promise<Set<string>> {
  const caseIds = claimed.flatMap((m) => (m.caseId === null ? [] : [m.caseId]));
  if (caseIds.length === 0) return new Set();
  const heldCases = await store.suspensions.heldReleases(caseIds);
  const held = claimed.filter((m) => m.caseId !== null && heldCases.has(m.caseId)).map((m) => m.id);
  await store.suspensions.holdJobs("outbox", held, now + HOLD_RECHECK_MS);
  return new Set(held);
}
