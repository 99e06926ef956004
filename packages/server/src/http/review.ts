import { randomUUID } from "node:crypto";
import { Conflict, NotFound } from "@loopgate/core";
import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import type { NewOutboxMessage } from "../store/index.js";
import { requireRole, requireWorkflow } from "./auth.js";
import { viewFor } from "./case-screen.js";
import { decidedWebhookBody } from "./cases.js";
import { type AppContext, workflowOrFail } from "./context.js";
import {
  ClaimRequestSchema,
  ClaimResponseSchema,
  DecideRequestSchema,
  DecisionSchema,
  problemResponses,
} from "./schemas.js";
import { checkVerdict, type VerdictBody } from "./verdicts.js";
import { decisionView } from "./views.js";

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/** The reviewer's side: take a case from the queue, decide it, or give it back. */
export const reviewRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.post(
      "/v1/queue/claim",
      {
        schema: {
          summary: "Take the next waiting case (204 when nothing waits). The lease keeps it yours alone.",
          tags: ["queue"],
          body: ClaimRequestSchema,
          response: { 200: ClaimResponseSchema, 204: Type.Null(), ...problemResponses },
        },
      },
      async (request, reply) => {
        const p = requireRole(request, "reviewer");
        const asked = (request.body as { workflows?: string[] } | null)?.workflows;
        for (const w of asked ?? []) requireWorkflow(p, w);
        const workflows = asked ?? p.workflows ?? undefined;
        const claimed = await ctx.store.claimNext({
          reviewer: p.id,
          workflows,
          leaseMs: ctx.leaseMs,
          now: ctx.clock(),
        });
        if (!claimed) return reply.code(204).send();
        const { case: c } = claimed;
        ctx.caseEvents.publish({ type: "claimed", caseId: c.id, workflow: c.workflow });
        // A fresh claim has no blind judgment yet: on a blind-first workflow the reviewer starts blind.
        return {
          case: viewFor(p, ctx.policies().workflows.get(c.workflow), c, false),
          lease: { id: claimed.lease.id, expiresAt: new Date(claimed.lease.expiresAt).toISOString() },
        };
      },
    );

    app.post(
      "/v1/cases/:id/decisions",
      {
        schema: {
          summary:
            "Decide a case you hold: approve, edit, reject, override, label or rank (reason codes per the contract)",
          tags: ["review"],
          params: IdParams,
          body: DecideRequestSchema,
          response: { 201: DecisionSchema, ...problemResponses },
        },
      },
      async (request, reply) => {
        const p = requireRole(request, "reviewer");
        const { id } = request.params as { id: string };
        const body = request.body as VerdictBody;
        const c = await ctx.store.getCase(id);
        if (!c) throw new NotFound(`no case ${id}`);
        requireWorkflow(p, c.workflow);
        if (c.status === "decided") throw new Conflict(`case ${id} is already decided`);
        if (!c.lease || c.lease.holder !== p.id) {
          throw new Conflict(
            `claim case ${id} before deciding it (POST /v1/queue/claim); you do not hold its lease`,
          );
        }
        const wf = workflowOrFail(ctx, c.workflow);
        if (wf.review.blindFirst && !(await ctx.store.findBlindJudgment(id, c.lease.id))) {
          throw new Conflict(`record your own judgment first (POST /v1/cases/${id}/blind-judgment)`);
        }
        const output = checkVerdict(wf, c.proposal, body);
        const now = ctx.clock();
        const decisionId = `dec_${randomUUID()}`;
        let outbox: NewOutboxMessage | undefined;
        if (c.callbackUrl) {
          outbox = {
            id: `whk_${randomUUID()}`,
            caseId: id,
            keyId: c.submittedBy,
            url: c.callbackUrl,
            body: decidedWebhookBody(c, {
              id: decisionId,
              decidedBy: p.id,
              verdict: body.verdict,
              output,
              reasonCode: body.reasonCode ?? null,
              note: body.note ?? null,
              claimedAt: c.lease.claimedAt,
              decidedAt: now,
              heldMs: now - c.lease.claimedAt,
            }),
            createdAt: now,
          };
        }
        const result = await ctx.store.recordDecision({
          caseId: id,
          reviewer: p.id,
          decisionId,
          verdict: body.verdict,
          output,
          reasonCode: body.reasonCode ?? null,
          note: body.note ?? null,
          outbox,
          now,
        });
        ctx.notifier.notify(id);
        ctx.caseEvents.publish({ type: "decided", caseId: id, workflow: c.workflow });
        if (outbox) ctx.onOutbox();
        return reply.code(201).send(decisionView(result.decision));
      },
    );

    app.post(
      "/v1/cases/:id/release",
      {
        schema: {
          summary: "Give a case you hold back to the queue, undecided",
          tags: ["review"],
          params: IdParams,
          response: { 204: Type.Null(), ...problemResponses },
        },
      },
      async (request, reply) => {
        const p = requireRole(request, "reviewer");
        const { id } = request.params as { id: string };
        const c = await ctx.store.getCase(id);
        if (!c) throw new NotFound(`no case ${id}`);
        requireWorkflow(p, c.workflow);
        await ctx.store.releaseCase({ caseId: id, reviewer: p.id, now: ctx.clock() });
        ctx.caseEvents.publish({ type: "released", caseId: id, workflow: c.workflow });
        return reply.code(204).send();
      },
    );
  };
};
