import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import { ownQuality } from "../../metrics/own-quality.js";
import { type AppContext, workflowOrFail } from "../context.js";
import { requireRole, requireWorkflow } from "../identity/auth.js";
import { problemResponses } from "../schemas.js";

const WINDOW_DAYS = 30;
const DAY_MS = 86_400_000;

const Rate = Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]);
const Count = Type.Integer({ minimum: 0 });
const CatchTrials = Type.Object({ trials: Count, passed: Count, passRate: Rate });
const Audits = Type.Object(
  { audited: Count, correct: Count, incorrect: Count, correctRate: Rate },
  { description: "Audit verdicts on cases whose decision in force was made by these people" },
);
const PostReviewErrors = Type.Object(
  { reported: Count, incorrect: Count, rate: Rate },
  {
    description:
      "Cases these people approved with a reported outcome or audit verdict, and those whose latest one is incorrect",
  },
);
const OrNull = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const OwnQualitySchema = Type.Object({
  workflow: Type.Union([Type.String(), Type.Null()]),
  since: Type.String({ format: "date-time" }),
  until: Type.String({ format: "date-time" }),
  you: Type.Object({
    person: Type.String({ description: "Your user id (every key of yours counts as you)" }),
    name: Type.Union([Type.String(), Type.Null()]),
    decisions: Count,
    catchTrials: CatchTrials,
    audits: Audits,
    postReviewErrors: PostReviewErrors,
  }),
  team: Type.Object(
    {
      people: Count,
      decisions: OrNull(Count),
      catchTrials: OrNull(CatchTrials),
      audits: OrNull(Audits),
      postReviewErrors: OrNull(PostReviewErrors),
      withheld: Type.Array(Type.String(), {
        description:
          "Figures left null because fewer than two other people are behind them (the team's minus yours would be a colleague's)",
      }),
    },
    { description: "Everyone in the workflow (or your workflows) together, you included" },
  ),
});

const Query = Type.Object(
  { workflow: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  {
    additionalProperties: false,
    description: "Only a workflow may be named: the figures are always the caller's own",
  },
);

/**
 * `GET /v1/me/quality` (issue 15, item 3): the caller's own catch trials, audit verdicts and post-review
 * errors over the last 30 days, beside their team's. There is deliberately no way to name a reviewer:
 * the person is the caller's (a key of theirs counts as them), and any other query field is refused.
 */
export const ownQualityRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.get(
      "/v1/me/quality",
      {
        schema: {
          summary:
            "Your own quality over the last 30 days (catch trials, audits, post-review errors) beside your team's",
          tags: ["workspace"],
          querystring: Query,
          response: { 200: OwnQualitySchema, ...problemResponses },
        },
      },
      async (request) => {
        const p = requireRole(request, "reviewer");
        const { workflow } = request.query as { workflow?: string };
        if (workflow !== undefined) {
          requireWorkflow(p, workflow);
          workflowOrFail(ctx, workflow);
        }
        const until = ctx.clock();
        const workflows =
          workflow !== undefined
            ? [workflow]
            : [...ctx.policies().workflows.keys()].filter(
                (w) => p.workflows === null || p.workflows.includes(w),
              );
        return ownQuality(ctx.store, {
          person: p.person,
          workflow: workflow ?? null,
          workflows,
          since: until - WINDOW_DAYS * DAY_MS,
          until,
        });
      },
    );
  };
};
