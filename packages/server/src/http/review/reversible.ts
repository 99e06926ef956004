import { Conflict, endsAlone, Forbidden, isReversible, ValidationError, type Workflow } from "@loopgate/core";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { CaseDetail, DecisionRecord } from "../../store/index.js";
import { caseDetailFor } from "../cases/case-access.js";
import { caseView } from "../cases/views.js";
import { type AppContext, workflowOrFail } from "../context.js";
import { type Principal, principalOf } from "../identity/auth.js";
import { actsAsOwner } from "../identity/ownership.js";
import { CaseViewSchema, problemResponses } from "../schemas.js";
import { callbackMessage } from "./callback.js";
import { slaTimersFor } from "./sla-timers.js";

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

/**
 * The decider (the same person, under any of their keys or their user), an admin, or the workflow's
 * owner (ownership.ts; an auditor owner only reads).
 */
async function mayUndo(
  ctx: AppContext,
  p: Principal,
  wf: Workflow,
  d: DecisionRecord | undefined,
  what: string,
): Promise<void> {
  if (actsAsOwner(p, wf, "act")) return;
  if (d && (await ctx.store.identity.personsOf([d.decidedBy])).get(d.decidedBy) === p.person) return;
  throw new Forbidden(
    `only the decider, an admin or the owner of workflow ${wf.workflow} (${wf.owner}) may ${what} this decision`,
  );
}

/** Both routes take the case id and a reason, and answer with the case. */
function undoSchema(summary: string) {
  return {
    summary,
    tags: ["review"],
    params: IdParams,
    body: ReasonBody,
    response: { 200: CaseViewSchema, ...problemResponses },
  };
}

/** Revoke's and revert's preamble: who asks, why (a missing reason is refused first), and which case. */
async function undoRequest(ctx: AppContext, request: FastifyRequest, what: "revoked" | "reverted") {
  const p = principalOf(request);
  const { id } = request.params as { id: string };
  const reason = reasonOf(request.body, what);
  return { p, id, reason, c: await caseDetailFor(ctx, p, id) };
}

/** Reversible actions: revoke a held decision inside its release window; revert a released one. */
export const reversibleRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.post(
      "/v1/cases/:id/revoke",
      {
        schema: undoSchema(
          "Revoke a decision still inside its release window (release.delaySeconds): its webhook is never sent and the case goes back to review",
        ),
      },
      async (request) => {
        const { p, id, reason, c } = await undoRequest(ctx, request, "revoked");
        if (c.status !== "decided")
          throw new Conflict(`case ${id} is not decided: there is nothing to revoke`);
        const wf = workflowOrFail(ctx, c.workflow);
        await mayUndo(ctx, p, wf, currentDecision(c), "revoke");
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
        schema: undoSchema(
          "Revert a released decision on a workflow declaring reversible: true: a compensating case.reverted webhook is sent",
        ),
      },
      async (request) => {
        const { p, id, reason, c } = await undoRequest(ctx, request, "reverted");
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
        await mayUndo(ctx, p, wf, d, "revert");
        if (d && endsAlone(d.verdict)) {
          const what = d.verdict === "reject" ? "rejected" : "sent back for changes";
          throw new Conflict(`case ${id} was ${what}: nothing was done, so there is nothing to revert`);
        }
        const now = ctx.clock();
        const outbox = callbackMessage(
          c,
          () =>
            JSON.stringify({
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
          now,
        );
        const after = await ctx.store.review.revert({ caseId: id, actor: p.id, reason, now, outbox });
        if (outbox) ctx.onOutbox();
        return caseView(after);
      },
    );
  };
};
