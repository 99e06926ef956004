import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import { reviewerName } from "../../metrics/governance.js";
import type { CatchTrialResult } from "../../store/index.js";
import { type AppContext, workflowOrFail } from "../context.js";
import { principalOf, requireWorkflow } from "../identity/auth.js";
import { requireOwner } from "../identity/ownership.js";
import { badQuery, parseTime } from "../query.js";
import { problemResponses } from "../schemas.js";

const DEFAULT_WINDOW_MS = 7 * 86_400_000;

const Query = Type.Object(
  {
    workflow: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    since: Type.Optional(Type.String({ maxLength: 64 })),
    until: Type.Optional(Type.String({ maxLength: 64 })),
    items: Type.Optional(Type.Boolean({ description: "Also list each scored decision" })),
  },
  { additionalProperties: false },
);

const ResponseSchema = Type.Object({
  workflow: Type.Union([Type.String(), Type.Null()]),
  since: Type.String({ format: "date-time" }),
  until: Type.String({ format: "date-time" }),
  reviewers: Type.Array(
    Type.Object({
      reviewer: Type.String(),
      name: Type.Union([Type.String(), Type.Null()]),
      trials: Type.Integer({ description: "Catch trials the reviewer decided in the window" }),
      missed: Type.Integer({ description: "Of those, the ones whose verdict missed the known answer" }),
    }),
  ),
  items: Type.Optional(
    Type.Array(
      Type.Object({
        caseId: Type.String(),
        goldId: Type.String(),
        workflow: Type.String(),
        reviewer: Type.String(),
        verdict: Type.String(),
        expected: Type.String(),
        passed: Type.Boolean(),
        heldSeconds: Type.Union([Type.Number(), Type.Null()]),
        decidedAt: Type.String({ format: "date-time" }),
      }),
    ),
  ),
});

/** Per reviewer, in order of most misses: how many catch trials they decided and how many they missed. */
function perReviewer(results: CatchTrialResult[]) {
  const by = new Map<string, { trials: number; missed: number }>();
  for (const r of results) {
    const t = by.get(r.reviewer) ?? { trials: 0, missed: 0 };
    t.trials += 1;
    if (!r.passed) t.missed += 1;
    by.set(r.reviewer, t);
  }
  return [...by.entries()]
    .map(([reviewer, t]) => ({ reviewer, ...t }))
    .sort((a, b) => b.missed - a.missed || a.reviewer.localeCompare(b.reviewer));
}

/** `GET /v1/oversight/catch-trials`: catch-trial scores per reviewer (admin, auditor or the workflow owner). */
export const catchTrialRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.get(
      "/v1/oversight/catch-trials",
      {
        schema: {
          summary: "Catch-trial scores per reviewer over a window: trials decided and missed",
          tags: ["oversight"],
          querystring: Query,
          response: { 200: ResponseSchema, ...problemResponses },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const q = request.query as { workflow?: string; since?: string; until?: string; items?: boolean };
        const until = parseTime(q.until, "/until", ctx.clock());
        const since = parseTime(q.since, "/since", until - DEFAULT_WINDOW_MS);
        if (since >= until) throw badQuery("/since", "must be before until");
        const staff = p.role === "admin" || p.role === "auditor";
        let workflows: string[] | undefined;
        if (q.workflow !== undefined) {
          requireWorkflow(p, q.workflow);
          const wf = workflowOrFail(ctx, q.workflow);
          if (!staff) requireOwner(p, wf, "read", "see its catch-trial scores", "an admin or an auditor");
          workflows = [q.workflow];
        } else if (!staff) {
          throw badQuery("/workflow", "is required unless you are an admin or an auditor");
        } else if (p.workflows !== null) {
          workflows = p.workflows;
        }
        const results = await ctx.store.oversight.catchTrialResults({ workflows, since, until });
        const reviewers = perReviewer(results);
        const names = await Promise.all(reviewers.map((r) => reviewerName(ctx.store, r.reviewer)));
        return {
          workflow: q.workflow ?? null,
          since: new Date(since).toISOString(),
          until: new Date(until).toISOString(),
          reviewers: reviewers.map((r, i) => ({ ...r, name: names[i] ?? null })),
          ...(q.items && {
            items: results.map((r) => ({
              caseId: r.caseId,
              goldId: r.goldId,
              workflow: r.workflow,
              reviewer: r.reviewer,
              verdict: r.verdict,
              expected: r.expected,
              passed: r.passed,
              heldSeconds: r.heldMs === null ? null : r.heldMs / 1000,
              decidedAt: new Date(r.decidedAt).toISOString(),
            })),
          }),
        };
      },
    );
  };
};
