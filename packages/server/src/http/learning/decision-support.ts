import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import { decisionSupportFigures } from "../../metrics/decision-support.js";
import { type AppContext, workflowOrFail } from "../context.js";
import { requireRole, requireWorkflow } from "../identity/auth.js";
import { badQuery, parseTime } from "../query.js";
import { problemResponses } from "../schemas.js";

const DEFAULT_WINDOW_MS = 30 * 86_400_000;

const Share = Type.Number({ minimum: 0, maximum: 1 });

const ReportSchema = Type.Object({
  workflow: Type.String(),
  since: Type.String({ format: "date-time" }),
  until: Type.String({ format: "date-time" }),
  decisions: Type.Integer({ description: "Cases decided by a person in the window, shadow cases left out" }),
  acceptedByRank: Type.Array(
    Type.Object({ rank: Type.Integer({ minimum: 1 }), count: Type.Integer(), share: Share }),
    { description: "How often the option at each rank (1 = the model's first choice) was accepted" },
  ),
  overrides: Type.Object({
    count: Type.Integer({ description: "Decisions that took none of the options (reject, or own output)" }),
    share: Type.Union([Share, Type.Null()]),
    topReasons: Type.Array(Type.Object({ reasonCode: Type.String(), count: Type.Integer(), share: Share })),
  }),
});

const Query = Type.Object(
  {
    workflow: Type.String({ minLength: 1, maxLength: 200 }),
    since: Type.Optional(Type.String({ maxLength: 64, description: "Default: 30 days before until" })),
    until: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

/** `GET /v1/metrics/decision-support`: how often reviewers accept each rank of the model's options. */
export const decisionSupportRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.get(
      "/v1/metrics/decision-support",
      {
        schema: {
          summary: "Decision support: accepted options by rank, and overrides with their reasons",
          tags: ["metrics"],
          querystring: Query,
          response: { 200: ReportSchema, ...problemResponses },
        },
      },
      async (request) => {
        const p = requireRole(request, "reviewer", "auditor");
        const q = request.query as { workflow: string; since?: string; until?: string };
        requireWorkflow(p, q.workflow);
        const wf = workflowOrFail(ctx, q.workflow);
        if (wf.pattern !== "decision_support") {
          throw badQuery("/workflow", `must be a decision_support workflow; ${wf.workflow} is ${wf.pattern}`);
        }
        const until = parseTime(q.until, "/until", ctx.clock());
        const since = parseTime(q.since, "/since", until - DEFAULT_WINDOW_MS);
        if (since >= until) throw badQuery("/since", "must be before until");
        const rows = await ctx.store.learning.decisionSupportRows({ workflow: wf.workflow, since, until });
        return {
          workflow: wf.workflow,
          since: new Date(since).toISOString(),
          until: new Date(until).toISOString(),
          ...decisionSupportFigures(rows),
        };
      },
    );
  };
};
