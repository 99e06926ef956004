import { WorkloadLimitReached } from "@loopgate/core";
import type { AppContext } from "../context.js";
import type { Principal } from "../identity/auth.js";
import { HttpProblem } from "../problem.js";

/**
 * A claim's workflows without those the caller's person is paused in (issue 15, item 6: an owner paused
 * them from an oversight alert). When that leaves none, the claim is refused with 403 naming each pause,
 * so the workspace can say why instead of showing an empty queue.
 */
export async function withoutPaused(ctx: AppContext, p: Principal, reach: string[]): Promise<string[]> {
  const pauses = await ctx.store.pauses.inForceFor(p.person, reach);
  if (pauses.length === 0) return reach;
  const paused = new Set(pauses.map((x) => x.workflow));
  const open = reach.filter((w) => !paused.has(w));
  if (open.length > 0) return open;
  const where = pauses.map((x) => x.workflow).join(", ");
  throw new HttpProblem(
    403,
    "Reviewer paused",
    `you are paused in ${where} by the workflow's owner until they or an admin resume you`,
    {
      pauses: pauses.map((x) => ({
        workflow: x.workflow,
        pausedAt: new Date(x.pausedAt).toISOString(),
        note: x.note,
        alertId: x.alertId,
      })),
    },
  );
}

/**
 * Runs `claim`, whose reads of the queue pass over the workflows the person is paused in (store
 * `claimNext` `unlessPaused`). Only when it took nothing, or stopped at a workload limit, are the pauses
 * asked for: paused in every workflow of `reach`, the 403 naming them says more, and is thrown instead.
 */
export async function claimedUnlessPaused<T>(
  ctx: AppContext,
  p: Principal,
  reach: string[],
  claim: () => Promise<T | undefined>,
): Promise<T | undefined> {
  let claimed: T | undefined;
  try {
    claimed = await claim();
  } catch (err) {
    if (err instanceof WorkloadLimitReached) await withoutPaused(ctx, p, reach);
    throw err;
  }
  if (claimed === undefined) await withoutPaused(ctx, p, reach);
  return claimed;
}
