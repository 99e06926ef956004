import { randomUUID } from "node:crypto";
import { Conflict, Forbidden, isReversible, NotFound, ValidationError, type Workflow } from "@loopgate/core";
import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import type { CaseDetail, DecisionRecord, NewOutboxMessage } from "../store/index.js";
import { isShadow } from "../store/index.js";
import { type Principal, principalOf, requireWorkflow } from "./auth.js";
import { type AppContext, workflowOrFail } from "./context.js";
import { CaseViewSchema, problemResponses } from "./schemas.js";
import { slaTimersFor } from "./sla-timers.js";
import { caseView } from "./views.js";

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

// `reason` is checked in the handler so that a missing one is a 422 naming /reason, like a blank one.
const ReasonBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 2000, description: "Why (required, not blank)" })) },
  { additionalProperties: false },
);

function reasonOf(body: unknown, what: string): string {
  const reason = (body as { reason?: string } | null)?.reason?.trim();
  if (!reason) throw new ValidationError(`a reason is required: say why the decision is ${what}`, "/reason");
  return reason;
}

/** The decision in force: the latest one not revoked. */
function currentDecision(c: CaseDetail): DecisionRecord | undefined {
  return c.decisions.filter((d) => d.revokedAt == null).at(-1);
}

/** The decider, an admin, or the workflow's owner (matched by principal id or name). */
function mayUndo(p: Principal, wf: Workflow, d: DecisionRecord | undefined, what: string): void {
  if (p.role === "admin" || d?.decidedBy === p.id || wf.owner === p.id || wf.owner === p.name) return;
  throw new Forbidden(
    `only the decider, an admin or the owner of workflow ${wf.workflow} (${wf.owner}) may ${what} this decision`,
  );
}

/** Reversible actions: revoke a held decision inside its release window; revert a released one. */
export const reversibleRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.post(
      "/v1/cases/:id/revoke",
      {
        schema: {
          summary:
            "Revoke a decision still inside its release window (release.delaySeconds): its webhook is never sent and the case goes back to review",
          tags: ["review"],
          params: IdParams,
          body: ReasonBody,
          response: { 200: CaseViewSchema, ...problemResponses },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const { id } = request.params as { id: string };
        const reason = reasonOf(request.body, "revoked");
        const c = await ctx.store.cases.detail(id);
        if (!c) throw new NotFound(`no case ${id}`);
        requireWorkflow(p, c.workflow);
        if (c.status !== "decided")
          throw new Conflict(`case ${id} is not decided: there is nothing to revoke`);
        const wf = workflowOrFail(ctx, c.workflow);
        mayUndo(p, wf, currentDecision(c), "revoke");
        const now = ctx.clock();
        // Back in the queue, the case gets a fresh review window.
        const { slaDueAt, timers } = slaTimersFor(id, now, wf.sla.reviewWithinSeconds);
        const after = await ctx.store.review.revoke({
          caseId: id,
          actor: p.id,
          reason,
          now,
          timers,
          slaDueAt,
        });
        ctx.notifier.notify(id);
        ctx.caseEvents.publish({ type: "released", caseId: id, workflow: c.workflow });
        return caseView(after);
      },
    );

    app.post(
      "/v1/cases/:id/revert",
      {
        schema: {
          summary:
            "Revert a released decision on a workflow declaring reversible: true: a compensating case.reverted webhook is sent",
          tags: ["review"],
          params: IdParams,
          body: ReasonBody,
          response: { 200: CaseViewSchema, ...problemResponses },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const { id } = request.params as { id: string };
        const reason = reasonOf(request.body, "reverted");
        const c = await ctx.store.cases.detail(id);
        if (!c) throw new NotFound(`no case ${id}`);
        requireWorkflow(p, c.workflow);
        const wf = workflowOrFail(ctx, c.workflow);
        if (!isReversible(wf, c.action)) {
          throw new Conflict(
            wf.reversible === false
              ? `workflow ${wf.workflow} is not reversible: its policy must declare reversible: true to allow revert`
              : `action ${c.action} of workflow ${wf.workflow} is not reversible (reversible: ${(wf.reversible as string[]).join(", ")})`,
          );
        }
        if (c.status !== "decided")
          throw new Conflict(`case ${id} is not decided: there is nothing to revert`);
        const d = currentDecision(c);
        mayUndo(p, wf, d, "revert");
        if (d?.verdict === "reject") {
          throw new Conflict(`case ${id} was rejected: nothing was done, so there is nothing to revert`);
        }
        const now = ctx.clock();
        let outbox: NewOutboxMessage | undefined;
        if (c.callbackUrl && !isShadow(c)) {
          outbox = {
            id: `whk_${randomUUID()}`,
            caseId: id,
            keyId: c.submittedBy,
            url: c.callbackUrl,
            body: JSON.stringify({
              type: "case.reverted",
              caseId: id,
              workflow: c.workflow,
              action: c.action,
              decisionId: d?.id ?? null,
              verdict: d?.verdict ?? null,
              output: d?.output ?? null,
              reason,
              revertedBy: p.id,
              revertedAt: new Date(now).toISOString(),
              idempotencyKey: c.idempotencyKey,
              subject: c.subject,
              metadata: c.metadata,
            }),
            createdAt: now,
          };
        }
        const after = await ctx.store.review.revert({ caseId: id, actor: p.id, reason, now, outbox });
        if (outbox) ctx.onOutbox();
        return caseView(after);
      },
    );
  };
};
