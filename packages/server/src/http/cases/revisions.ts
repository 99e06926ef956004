import { Conflict, Forbidden } from "@loopgate/core";
import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import { MAX_VERSIONS } from "../../store/index.js";
import type { AppContext } from "../context.js";
import { requireRole, requireWorkflow } from "../identity/auth.js";
import { problemResponses, SubmitResponseSchema } from "../schemas.js";
import { caseFor } from "./case-access.js";
import { RevisionRequestSchema } from "./revision-schemas.js";
import { type SubmitBody, submitCase } from "./submit.js";
import { submittedView } from "./views.js";

/**
 * Revisions (issue 14, item 4): a reviewer's `request_changes` sends feedback instead of a verdict on
 * the proposal; the automation that submitted the case answers with a revised proposal, stored as a new
 * case linked to it (`revisionOf`, `version`) in the same workflow and action, routed and decided as
 * any case (never alone by the policy: submit.ts `routedAsRevision`).
 *
 * Only the key that submitted the case may revise it (another automation gets the 404 every case route
 * gives it; any other principal a 403), only while the decision in force on it is request_changes (409
 * otherwise), and only once: the revision's idempotency key is derived from the case it revises, so a
 * double submit answers the same revision (200), and a different revision of the same case is a 409,
 * as is the same revision under another `idempotencyKey` (the caller's key for the request, submit.ts
 * `requestHashOf`).
 */

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

interface RevisionBody {
  proposal: unknown;
  confidence: number;
  rationale?: string;
  input?: Record<string, unknown>;
  evidence?: unknown[];
  idempotencyKey?: string;
}

/** The idempotency key of a case's one revision, in its submitting key's own key space. */
const revisionKey = (caseId: string) => `loopgate-revision-of:${caseId}`;

export const revisionRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.post(
      "/v1/cases/:id/revisions",
      {
        schema: {
          summary:
            "Revise a case a reviewer asked changes on: a new case linked to it (same key, same workflow and action)",
          tags: ["cases"],
          params: IdParams,
          body: RevisionRequestSchema,
          response: { 200: SubmitResponseSchema, 201: SubmitResponseSchema, ...problemResponses },
        },
      },
      async (request, reply) => {
        const p = requireRole(request, "automation");
        const { id } = request.params as { id: string };
        const body = request.body as RevisionBody;
        const c = await caseFor(ctx, p, id);
        if (c.submittedBy !== p.id) {
          throw new Forbidden(`only the key that submitted case ${id} may revise it`);
        }
        requireWorkflow(p, c.workflow);
        const decision = c.status === "decided" ? await ctx.store.cases.latestDecision(id) : null;
        if (decision?.verdict !== "request_changes") {
          const now = decision ? `its decision is ${decision.verdict}` : `it is ${c.status}`;
          throw new Conflict(
            `case ${id} is not waiting for a revision (${now}); only a case whose reviewer asked for changes (request_changes) may be revised`,
          );
        }
        if (c.version >= MAX_VERSIONS) {
          throw new Conflict(
            `case ${id} is version ${c.version}: a case has at most ${MAX_VERSIONS} versions; submit a new case`,
          );
        }
        const submission: SubmitBody = {
          workflow: c.workflow,
          action: c.action,
          input: body.input ?? (c.input as Record<string, unknown>),
          proposal: body.proposal,
          confidence: body.confidence,
          ...(body.rationale !== undefined && { rationale: body.rationale }),
          ...(body.evidence !== undefined && { evidence: body.evidence }),
          ...(c.subject !== null && { subject: c.subject }),
          ...(c.metadata !== null && { metadata: c.metadata }),
          ...(c.context !== null && { context: c.context }),
          ...(c.callbackUrl !== null && { callbackUrl: c.callbackUrl }),
          ...(c.toolInputSchema !== null && { toolInputSchema: c.toolInputSchema }),
          idempotencyKey: revisionKey(c.id),
        };
        const link = {
          revisionOf: c.id,
          version: c.version + 1,
          ...(body.idempotencyKey !== undefined && { requestKey: body.idempotencyKey }),
        };
        const stored = await submitCase(ctx, p, submission, link);
        reply.header("location", `/v1/cases/${stored.case.id}`);
        return reply.code(stored.created ? 201 : 200).send(submittedView(stored.case));
      },
    );
  };
};
