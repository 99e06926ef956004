import { randomUUID } from "node:crypto";
import { Conflict } from "@loopgate/core";
import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import type { OutcomeRecord } from "../../store/index.js";
import { caseFor } from "../cases/case-access.js";
import type { AppContext } from "../context.js";
import { requireRole } from "../identity/auth.js";
import { HttpProblem } from "../problem.js";
import { problemResponses } from "../schemas.js";

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

const OutcomeBody = Type.Object(
  {
    result: Type.Union([Type.Literal("correct"), Type.Literal("incorrect")], {
      description: "What happened downstream: was the decided action right?",
    }),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "Free-form details" })),
    reportedAt: Type.Optional(
      Type.String({ format: "date-time", description: "When it was found out; defaults to now" }),
    ),
  },
  { additionalProperties: false },
);

const OutcomeSchema = Type.Object({
  id: Type.String(),
  caseId: Type.String(),
  result: Type.Union([Type.Literal("correct"), Type.Literal("incorrect")]),
  details: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  reportedAt: Type.String({ format: "date-time" }),
});

const view = (o: OutcomeRecord) => ({
  id: o.id,
  caseId: o.caseId,
  result: o.result,
  details: o.details,
  reportedAt: new Date(o.reportedAt).toISOString(),
});

/**
 * `POST /v1/cases/:id/outcome`: the automation that submitted a decided case (or an admin) reports what
 * happened downstream. Several reports are kept; the latest `reportedAt` counts in the post-review
 * error rate of the governance metrics.
 */
export const outcomeRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.post(
      "/v1/cases/:id/outcome",
      {
        schema: {
          summary: "Report the downstream outcome of a decided case (correct or incorrect)",
          tags: ["cases"],
          params: IdParams,
          body: OutcomeBody,
          response: { 201: OutcomeSchema, ...problemResponses },
        },
      },
      async (request, reply) => {
        const p = requireRole(request, "automation");
        const { id } = request.params as { id: string };
        const body = request.body as {
          result: "correct" | "incorrect";
          details?: Record<string, unknown>;
          reportedAt?: string;
        };
        // A catch trial or an overlap copy is not the automation's case: a 404, as for an unknown id.
        const c = await caseFor(ctx, p, id);
        if (p.role !== "admin" && c.submittedBy !== p.id) {
          throw new HttpProblem(
            403,
            "Forbidden",
            `Only the key that submitted case ${id} (or an admin) may report its outcome`,
          );
        }
        if (c.status !== "decided") {
          throw new Conflict(`case ${id} is ${c.status}: an outcome can only be reported for a decided case`);
        }
        const now = ctx.clock();
        const reportedAt = body.reportedAt === undefined ? now : Date.parse(body.reportedAt);
        if (Number.isNaN(reportedAt)) {
          throw new HttpProblem(400, "Invalid request", "/reportedAt must be an ISO 8601 date-time", {
            field: "/reportedAt",
            errors: [{ field: "/reportedAt", message: "must be an ISO 8601 date-time" }],
          });
        }
        const stored = await ctx.store.oversight.insertOutcome({
          id: `out_${randomUUID()}`,
          caseId: c.id,
          result: body.result,
          details: body.details ?? null,
          reportedBy: p.id,
          reportedAt,
          now,
        });
        reply.header("location", `/v1/cases/${c.id}`);
        return reply.code(201).send(view(stored));
      },
    );
  };
};
