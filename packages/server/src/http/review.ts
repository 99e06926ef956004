import { randomUUID } from "node:crypto";
import { Conflict, NotFound, ValidationError, type Verdict } from "@loopgate/core";
import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import type { NewOutboxMessage } from "../store/index.js";
import { requireRole, requireWorkflow } from "./auth.js";
import { assertReason, decidedWebhookBody } from "./cases.js";
import { type AppContext, workflowOrFail } from "./context.js";
import {
  ClaimRequestSchema,
  ClaimResponseSchema,
  DecideRequestSchema,
  DecisionSchema,
  problemResponses,
} from "./schemas.js";
import { caseView, decisionView } from "./views.js";

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

interface DecideBody {
  verdict: Verdict;
  output?: unknown;
  reasonCode?: string;
  note?: string;
}

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
        return {
          case: caseView(claimed.case),
          lease: { id: claimed.lease.id, expiresAt: new Date(claimed.lease.expiresAt).toISOString() },
        };
      },
    );

    app.post(
      "/v1/cases/:id/decisions",
      {
        schema: {
          summary:
            "Decide a case you hold: approve, edit, reject or override (a reason code for all but approve)",
          tags: ["review"],
          params: IdParams,
          body: DecideRequestSchema,
          response: { 201: DecisionSchema, ...problemResponses },
        },
      },
      async (request, reply) => {
        const p = requireRole(request, "reviewer");
        const { id } = request.params as { id: string };
        const body = request.body as DecideBody;
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
        assertReason(wf.reasons, body.verdict, body.reasonCode);
        const output = outputFor(body, c.proposal);
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
        return reply.code(204).send();
      },
    );
  };
};

/** What the automation will run: the proposal as is, the reviewer's version, or nothing. */
function outputFor(body: DecideBody, proposal: unknown): unknown {
  switch (body.verdict) {
    case "approve":
      if (body.output !== undefined) {
        throw new ValidationError(
          "approve takes the proposal as it is; send verdict edit to change it",
          "/output",
        );
      }
      return proposal;
    case "edit":
    case "override":
      if (body.output === undefined) {
        throw new ValidationError(`${body.verdict} needs the output the automation should use`, "/output");
      }
      return body.output;
    case "reject":
      if (body.output !== undefined) throw new ValidationError("reject carries no output", "/output");
      return null;
  }
}
