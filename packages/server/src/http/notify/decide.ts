import { Conflict, Forbidden, type Verdict } from "@loopgate/core";
import type { UserRecord } from "../../store/index.js";
import { caseFor } from "../cases/case-access.js";
import { type AppContext, workflowOrFail } from "../context.js";
import { type Principal, userPrincipal } from "../identity/auth.js";
import { decideCase } from "../review/decide.js";
import { claimedUnlessPaused } from "../review/paused.js";
import { requireAuthority } from "../review/review-rules.js";
import { claimLimits } from "../review/workload.js";

/**
 * Decides a case for a person who answered a notification (a mapped Slack user, an email link's
 * owner). Nothing here is a rule of its own: the person becomes the principal their session would be,
 * takes the case's lease as a claim would (store claim of this one case: assignment, escalation,
 * four-eyes and overlap checks), and decides through the decisions route's own `decideCase`
 * (authority, four-eyes, blind-first, verdicts, reasons, minimum review time). A refused decision gives
 * the lease it took back, so the case returns to the queue as it was.
 */
export async function decideAsPerson(
  ctx: AppContext,
  user: UserRecord | undefined,
  caseId: string,
  body: { verdict: Verdict; reasonCode?: string; note?: string },
): Promise<{ person: Principal; decision: Awaited<ReturnType<typeof decideCase>> }> {
  if (!user || user.disabledAt !== null) throw new Forbidden("this person has no active Loopgate account");
  const p = userPrincipal(user);
  if (p.role !== "reviewer" && p.role !== "admin") {
    throw new Forbidden(`${p.name} is ${p.role}, not a reviewer: they cannot decide cases`);
  }
  let c = await caseFor(ctx, p, caseId);
  if (c.status === "decided") throw new Conflict(`case ${caseId} is already decided`);
  const wf = workflowOrFail(ctx, c.workflow);
  // Before taking the lease: someone without the authority should not hold the case even for a moment.
  requireAuthority(p, wf, c);
  const now = ctx.clock();
  let took = false;
  if (!c.lease || c.lease.holder !== p.id || c.lease.expiresAt <= now) {
    // Paused by the owner (an oversight alert) or past a workload limit: no more from a message than
    // from the workspace.
    const limits = claimLimits(ctx.policies().workflows, [c.workflow]);
    const claimed = await claimedUnlessPaused(ctx, p, [c.workflow], () =>
      ctx.store.review.claimNext({
        reviewer: p.id,
        person: p.person,
        workflows: [c.workflow],
        caseId,
        // A person deciding from a message is held to the same workload limits as in the workspace.
        ...(limits && { limits }),
        leaseMs: ctx.leaseMs,
        now,
        unlessPaused: p.person,
        escalationRoles: p.role === "admin" ? "any" : p.authorityRoles,
      }),
    );
    if (!claimed) {
      throw new Conflict(
        `case ${caseId} is not yours to take now: another reviewer holds it, it is assigned or escalated to someone else, or you already approved it`,
      );
    }
    ctx.caseEvents.publish({ type: "claimed", caseId, workflow: c.workflow });
    c = claimed.case;
    took = true;
  }
  try {
    return { person: p, decision: await decideCase(ctx, p, c, body) };
  } catch (err) {
    if (took) {
      const lease = c.lease && { leaseId: c.lease.id, claimedAt: c.lease.claimedAt };
      await ctx.store.review.release({ caseId, reviewer: p.id, now: ctx.clock(), lease }).catch(() => {});
      ctx.caseEvents.publish({ type: "released", caseId, workflow: c.workflow });
    }
    throw err;
  }
}
