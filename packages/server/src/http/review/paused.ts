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
