import type { Workflow, WorkloadLimitReached, WorkloadLimits } from "@loopgate/core";
import { HttpProblem } from "../problem.js";

/** The workload limits (policy `review.limits`) of the workflows a claim reaches. */
export function claimLimits(
  policies: ReadonlyMap<string, Workflow>,
  workflows: readonly string[],
): Map<string, WorkloadLimits> | undefined {
  const limits = new Map<string, WorkloadLimits>();
  for (const w of workflows) {
    const l = policies.get(w)?.review.limits;
    if (l) limits.set(w, l);
  }
  return limits.size > 0 ? limits : undefined;
}

/**
 * A claim refused by workload limits, as the reviewer's workspace shows it: 409 while they hold as many
 * cases as they may (deciding one frees them at once), else 429 with `Retry-After` until the earliest
 * moment a limit lifts (tomorrow for a daily cap, the end of the break owed).
 */
export function limitProblem(err: WorkloadLimitReached, now: number): HttpProblem {
  const limits = err.refusals.map((r) => ({
    workflow: r.workflow,
    limit: r.limit,
    value: r.value,
    retryAt: r.retryAt === null ? null : new Date(r.retryAt).toISOString(),
  }));
  const held = err.refusals.some((r) => r.retryAt === null);
  if (held) return new HttpProblem(409, "Workload limit", err.message, { limits });
  const soonest = Math.min(...err.refusals.map((r) => r.retryAt as number));
  const retryAfterSeconds = Math.max(1, Math.ceil((soonest - now) / 1000));
  return new HttpProblem(429, "Workload limit", err.message, { limits, retryAfterSeconds });
}
