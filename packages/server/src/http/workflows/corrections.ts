import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import type { CorrectionRecord } from "../../store/index.js";
import { type AppContext, workflowOrFail } from "../context.js";
import { requireRole, requireWorkflow } from "../identity/auth.js";
import { problemResponses } from "../schemas.js";

/**
 * A workflow's recent corrections (issue 14, item 4), for an agent to learn from before it asks: what
 * people edited (before and after), rejected (reason code and note), answered in the tool's place
 * (respond) or sent back with feedback (request_changes), newest first and bounded.
 *
 * Who may read them: automation keys and reviewers scoped to the workflow, and admins. Unlike a case
 * route, an automation sees the corrections of every key's cases of the workflow (that is the lesson),
 * but only what corrects: the action, the proposal, the verdict, its output, reason and note; never the
 * input, subject, metadata, plumbing or who decided. Nothing of another workflow is ever read.
 */

const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
const Query = Type.Object(
  {
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT })),
  },
  { additionalProperties: false },
);
const Json = Type.Unknown();
const CorrectionSchema = Type.Object({
  caseId: Type.String(),
  action: Type.String(),
  verdict: Type.String({ description: "edit, override, reject, respond or request_changes" }),
  before: Json,
  after: Type.Unknown({
    description:
      "edit/override: the output the person released; respond: their answer; reject/request_changes: null",
  }),
  reasonCode: Type.Union([Type.String(), Type.Null()]),
  note: Type.Union([Type.String(), Type.Null()], {
    description: "request_changes: the reviewer's feedback",
  }),
  decidedAt: Type.String(),
});
const CorrectionsSchema = Type.Object({
  workflow: Type.String(),
  action: Type.Union([Type.String(), Type.Null()]),
  corrections: Type.Array(CorrectionSchema),
});

function correctionView(r: CorrectionRecord) {
  const d = r.decision;
  return {
    caseId: r.caseId,
    action: r.action,
    verdict: d.verdict,
    before: r.proposal,
    after: d.verdict === "reject" || d.verdict === "request_changes" ? null : d.output,
    reasonCode: d.reasonCode,
    note: d.note,
    decidedAt: new Date(d.decidedAt).toISOString(),
  };
}

export const correctionRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.get(
      "/v1/workflows/:name/corrections",
      {
        schema: {
          summary:
            "A workflow's recent corrections by people (edits, rejects, responds, requested changes), newest first",
          tags: ["workflows"],
          params: NameParams,
          querystring: Query,
          response: { 200: CorrectionsSchema, ...problemResponses },
        },
      },
      async (request) => {
        const p = requireRole(request, "automation", "reviewer");
        const { name } = request.params as { name: string };
        const { action, limit = DEFAULT_LIMIT } = request.query as { action?: string; limit?: number };
        requireWorkflow(p, name);
        workflowOrFail(ctx, name);
        const rows = await ctx.store.cases.corrections({
          workflow: name,
          limit,
          ...(action !== undefined && { action }),
        });
        return { workflow: name, action: action ?? null, corrections: rows.map(correctionView) };
      },
    );
  };
};
