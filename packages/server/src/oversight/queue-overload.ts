import { forecastQueue, forecastReadLimit, formatSeconds, type Workflow } from "@loopgate/core";
import type { Store } from "../store/index.js";

const HOUR_MS = 3_600_000;

/**
 * The queue-depth forecast of one workflow with an SLA (issue 15, item 2): the evidence of a
 * `queue_overload` alert when, served oldest first at the team's pace over the last SLA window (at
 * least an hour), some waiting case would be decided after its deadline; undefined when none would.
 * The forecast is raised while the deadlines are still ahead, so the owner can add people or change
 * the policy before cases go late.
 */
export async function queueOverload(
  store: Store,
  wf: Workflow,
  now: number,
): Promise<Record<string, unknown> | undefined> {
  const slaSeconds = wf.sla.reviewWithinSeconds;
  if (slaSeconds === undefined) return undefined;
  const slaMs = slaSeconds * 1000;
  const paceMs = Math.max(slaMs, HOUR_MS);
  const facts = await store.review.forecastFacts({
    workflow: wf.workflow,
    now,
    paceMs,
    limit: (decided) => forecastReadLimit(decided, paceMs, slaMs),
  });
  if (facts.waiting === 0) return undefined;
  const f = forecastQueue({ ...facts, paceWindowMs: paceMs, slaMs }, now);
  if (f.atRisk === 0) return undefined;
  const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
  return {
    waiting: facts.waiting,
    atRisk: f.atRisk,
    pacePerHour: Math.round(f.pacePerHour * 10) / 10,
    decidedInPaceWindow: facts.decidedInWindow,
    paceWindow: formatSeconds(paceMs / 1000),
    sla: formatSeconds(slaSeconds),
    clearsIn: Number.isFinite(f.clearMs) ? formatSeconds(f.clearMs / 1000) : null,
    firstMissDecidedAt: f.firstMiss ? iso(f.firstMiss.decidedAt) : null,
    firstMissDeadline: f.firstMiss ? iso(f.firstMiss.deadline) : null,
  };
}
