import { randomUUID } from "node:crypto";
import { heldOnRelease } from "@loopgate/core";
import { type CaseRecord, PausedWhileDeciding, type RecordDecisionArgs } from "../../store/index.js";
import { decidedWebhookBody } from "../../webhooks/bodies.js";
import { decisionView } from "../cases/views.js";
import { type AppContext, workflowOrFail } from "../context.js";
import type { Principal } from "../identity/auth.js";
import { callbackMessage } from "./callback.js";
import { checkDecision } from "./decision-checks.js";
import { withoutPaused } from "./paused.js";
import type { VerdictBody } from "./verdicts.js";

/**
 * Decides case `c` as `p`: every rule of the policy (decision-checks.ts, throws the first refusal),
 * then the decision, its event, the case update and the webhook in one transaction, then the wake-ups.
 * The decisions route and the notifications (Slack, email) both decide through here, so a decision
 * reached from a notification is the same record, with the same checks, as one made in the workspace.
 */
export async function decideCase(ctx: AppContext, p: Principal, c: CaseRecord, body: VerdictBody) {
  const id = c.id;
  const wf = workflowOrFail(ctx, c.workflow);
  // Every rule the policy sets, in the order a refusal should name it (decision-checks.ts).
  const { output, needs, pendingApprovals, lease } = await checkDecision(ctx, p, c, wf, body);
  const now = ctx.clock();
  const decision = {
    caseId: id,
    reviewer: p.id,
    lease: { leaseId: lease.id, claimedAt: lease.claimedAt },
    // Paused in this workflow: no decision on what they still hold. The pause gives back the leases it
    // finds, but a claim that read "not paused" just before it and committed just after holds one; the
    // decision's own UPDATE checks, and `recorded` answers with the pause's 403.
    person: p.person,
    decisionId: `dec_${randomUUID()}`,
    verdict: body.verdict,
    output,
    reasonCode: body.reasonCode ?? null,
    note: body.note ?? null,
    now,
  };
  if (pendingApprovals) {
    // Not the last approval needed: recorded, and the case goes back to the queue for another person.
    const recorded = await record(ctx, p, c, { ...decision, pendingApprovals });
    ctx.caseEvents.publish({ type: "released", caseId: id, workflow: c.workflow });
    return { ...decisionView(recorded.decision), approvals: pendingApprovals };
  }
  // release.delaySeconds (or the class's): the decision is held (revocable) until releaseAt.
  const delayMs = needs.settings.releaseDelaySeconds * 1000;
  const releaseAt = delayMs > 0 && heldOnRelease(body.verdict) ? now + delayMs : undefined;
  const claimedAt = lease.claimedAt;
  const outbox = callbackMessage(
    c,
    () =>
      decidedWebhookBody(
        c,
        {
          id: decision.decisionId,
          decidedBy: p.id,
          verdict: decision.verdict,
          output,
          reasonCode: decision.reasonCode,
          note: decision.note,
          claimedAt,
          decidedAt: now,
          heldMs: now - claimedAt,
        },
        ctx.decisionSigner,
      ),
    now,
    releaseAt,
  );
  const decided = { type: "decided" as const, caseId: id, workflow: c.workflow };
  // PostgreSQL: the decision's own transaction tells the other processes, whose long-polls then wake
  // at its commit instead of after a NOTIFY of its own (a round trip and a commit later).
  const notice = ctx.caseEvents.noticeFor(decided);
  const result = await record(ctx, p, c, { ...decision, outbox, releaseAt, notice });
  // The `decided` change wakes the case's long-polls too.
  if (notice) ctx.caseEvents.publishLocal(decided);
  else ctx.caseEvents.publish(decided);
  if (outbox) ctx.onOutbox();
  return decisionView(result.decision);
}

/** Records the decision; refused because the person is paused, it answers with the pause (403). */
async function record(ctx: AppContext, p: Principal, c: CaseRecord, args: RecordDecisionArgs) {
  try {
    return await ctx.store.review.recordDecision(args);
  } catch (err) {
    if (err instanceof PausedWhileDeciding) await withoutPaused(ctx, p, [c.workflow]);
    throw err;
  }
}
