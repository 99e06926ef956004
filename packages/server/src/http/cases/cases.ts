import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import type { CaseRecord, DecisionRecord } from "../../store/index.js";
import { suspensionCacheOf } from "../../suspensions/cache.js";
import type { AppContext } from "../context.js";
import { principalOf, requireRole, requireWorkflow } from "../identity/auth.js";
import {
  CaseSubmissionSchema,
  CaseViewSchema,
  DecisionResultSchema,
  problemResponses,
  SubmitResponseSchema,
} from "../schemas.js";
import { caseDetailFor, caseFor } from "./case-access.js";
import { caseScreen } from "./case-screen.js";
import { type SubmitBody, submitCase } from "./submit.js";
import { decisionResult, submittedView } from "./views.js";

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export const casesRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.post(
      "/v1/cases",
      {
        schema: {
          summary: "Submit a case: the policy routes it to auto, review or human_only",
          tags: ["cases"],
          body: CaseSubmissionSchema,
          response: {
            200: SubmitResponseSchema,
            201: SubmitResponseSchema,
            ...problemResponses,
            503: problemResponses[400],
          },
        },
      },
      async (request, reply) => {
        const p = requireRole(request, "automation");
        const body = request.body as SubmitBody;
        requireWorkflow(p, body.workflow);
        const stored = await submitCase(ctx, p, body);
        const c = stored.case;
        reply.header("location", `/v1/cases/${c.id}`);
        return reply.code(stored.created ? 201 : 200).send(submittedView(c));
      },
    );

    app.get(
      "/v1/cases/:id",
      {
        schema: {
          summary: "A case with its route, status, decisions, events and the subject's earlier cases",
          tags: ["cases"],
          params: IdParams,
          response: { 200: CaseViewSchema, ...problemResponses },
        },
      },
      async (request) => {
        const { id } = request.params as { id: string };
        const p = principalOf(request);
        return caseScreen(ctx, p, await caseDetailFor(ctx, p, id));
      },
    );

    app.get(
      "/v1/cases/:id/decision",
      {
        schema: {
          summary: "The decision; waits up to waitSeconds for it (202 while still pending)",
          tags: ["cases"],
          params: IdParams,
          querystring: Type.Object(
            { waitSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 3600 })) },
            { additionalProperties: false },
          ),
          response: { 200: DecisionResultSchema, 202: DecisionResultSchema, ...problemResponses },
        },
      },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        const { waitSeconds = 0 } = request.query as { waitSeconds?: number };
        let c = await caseFor(ctx, principalOf(request), id);
        // A held decision stays held past its time while the stop button is pressed (held.ts holds its timer).
        const suspended = await suspensionCacheOf(ctx.store).covering(c.workflow, c.action);
        const releasing = (c: CaseRecord, now: number) => heldRelease(c, now, suspended !== undefined);
        const waitMs = Math.min(waitSeconds, ctx.maxWaitSeconds) * 1000;
        const abort = new AbortController();
        request.raw.on("close", () => abort.abort());
        // The case and its last decision in one read, so a wake-up costs one statement before the answer.
        let decision: DecisionRecord | null = null;
        await ctx.notifier.waitFor(
          id,
          async () => {
            const now = await ctx.store.cases.withLastDecision(id);
            if (now) ({ case: c, decision } = now);
            return c.status === "decided" && !releasing(c, ctx.clock());
          },
          waitMs,
          abort.signal,
        );
        if (releasing(c, ctx.clock())) {
          // Decided but held (release.delaySeconds): it may still be revoked, so the automation waits.
          const releaseAt = new Date(c.releaseAt as number).toISOString();
          return reply.code(202).send({ caseId: c.id, status: "releasing", route: c.route, releaseAt });
        }
        if (c.status !== "decided") return reply.code(202).send(decisionResult(c, undefined));
        return reply.code(200).send(decisionResult(c, decision ?? undefined, ctx.decisionSigner));
      },
    );
  };
};

/**
 * A decided case whose decision is still held: inside its release window, or past it but not yet
 * released while a suspension covers it.
 */
function heldRelease(c: CaseRecord, now: number, suspended: boolean): boolean {
  if (c.status !== "decided" || c.releaseAt === null) return false;
  return c.releaseAt > now || (suspended && c.releasedAt === null);
}
