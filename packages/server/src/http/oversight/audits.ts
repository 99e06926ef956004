import { Conflict, NotFound } from "@loopgate/core";
import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import { drawAudits } from "../../oversight/audit-draw.js";
import type { AuditView } from "../../store/index.js";
import { type AppContext, workflowOrFail } from "../context.js";
import { canAccessWorkflow, requireRole, requireWorkflow } from "../identity/auth.js";
import { requireOwner } from "../identity/ownership.js";
import { HttpProblem } from "../problem.js";
import { problemResponses } from "../schemas.js";

const Verdict = Type.Union([Type.Literal("correct"), Type.Literal("incorrect")]);

const DrawBody = Type.Object(
  {
    workflow: Type.String({ minLength: 1, maxLength: 200 }),
    since: Type.Optional(
      Type.String({ format: "date-time", description: "Start of the window (decided at ≥)" }),
    ),
    until: Type.Optional(
      Type.String({ format: "date-time", description: "End of the window (decided at <)" }),
    ),
  },
  { additionalProperties: false },
);

const AuditSchema = Type.Object({
  id: Type.String(),
  caseId: Type.String(),
  drawId: Type.String(),
  probability: Type.Number(),
  weight: Type.Number(),
  status: Type.Union([Type.Literal("open"), Type.Literal("done")]),
  verdict: Type.Union([Verdict, Type.Null()]),
  note: Type.Union([Type.String(), Type.Null()]),
  auditor: Type.Union([Type.String(), Type.Null()]),
  decidedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  case: Type.Object({
    workflow: Type.String(),
    action: Type.String(),
    route: Type.String(),
    verdict: Type.Union([Type.String(), Type.Null()]),
    decidedBy: Type.Union([Type.String(), Type.Null()]),
    heldSeconds: Type.Union([Type.Number(), Type.Null()]),
    proposal: Type.Unknown(),
    output: Type.Unknown(),
    reasonCode: Type.Union([Type.String(), Type.Null()]),
    decisionNote: Type.Union([Type.String(), Type.Null()]),
    changes: Type.Array(
      Type.Object({
        path: Type.String(),
        before: Type.Optional(Type.Unknown()),
        after: Type.Optional(Type.Unknown()),
      }),
      { description: "Where the output differs from the proposal (an edit), leaf by leaf" },
    ),
    blindJudgment: Type.Union([
      Type.Object(
        {
          verdict: Type.String(),
          output: Type.Unknown(),
          reasonCode: Type.Union([Type.String(), Type.Null()]),
          note: Type.Union([Type.String(), Type.Null()]),
          at: Type.String({ format: "date-time" }),
        },
        { description: "The decider's own judgment before the model's side was shown (blind-first)" },
      ),
      Type.Null(),
    ]),
  }),
});

const DrawSchema = Type.Object({
  drawId: Type.String(),
  seed: Type.String(),
  rate: Type.Number(),
  meanWeight: Type.Number(),
  fastBelowMs: Type.Union([Type.Number(), Type.Null()]),
  population: Type.Integer(),
  drawn: Type.Integer(),
  audits: Type.Array(AuditSchema),
});

const ListQuery = Type.Object(
  {
    workflow: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    status: Type.Optional(Type.Union([Type.Literal("open"), Type.Literal("done")])),
  },
  { additionalProperties: false },
);

const VerdictBody = Type.Object(
  { result: Verdict, note: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

const view = (a: AuditView) => ({
  ...a,
  decidedAt: a.decidedAt === null ? null : new Date(a.decidedAt).toISOString(),
  case: {
    ...a.case,
    blindJudgment: a.case.blindJudgment && {
      ...a.case.blindJudgment,
      at: new Date(a.case.blindJudgment.at).toISOString(),
    },
  },
});

function parseTime(value: string | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new HttpProblem(400, "Invalid request", `${field} must be an ISO 8601 date-time`, {
      field,
      errors: [{ field, message: "must be an ISO 8601 date-time" }],
    });
  }
  return ms;
}

/**
 * Audit sampling (issue 5, item 3). `POST /v1/audits/draw` draws approved cases of a workflow for a
 * second look with core `drawAuditSample` in the frozen (fixed) design and stores the parameters;
 * auditors list the audits and give each one verdict, which counts in the post-review error rate.
 */
export const auditRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.post(
      "/v1/audits/draw",
      {
        schema: {
          summary: "Draw approved cases of a workflow for audit (admin or the workflow owner)",
          tags: ["audits"],
          body: DrawBody,
          response: { 201: DrawSchema, ...problemResponses },
        },
      },
      async (request, reply) => {
        const p = requireRole(request, "automation", "reviewer", "auditor");
        const body = request.body as { workflow: string; since?: string; until?: string };
        const wf = workflowOrFail(ctx, body.workflow);
        requireWorkflow(p, wf.workflow);
        requireOwner(p, wf, "act", "draw audits");
        const now = ctx.clock();
        const until = parseTime(body.until, "/until", now + 1);
        const since = parseTime(body.since, "/since", 0);
        const draw = await drawAudits(ctx.store, wf, { since, until, drawnBy: p.id, now });
        const stored = await ctx.store.oversight.listAudits({ ids: draw.auditIds });
        const order = new Map(draw.auditIds.map((id, i) => [id, i]));
        stored.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
        const { auditIds, ...parameters } = draw;
        return reply.code(201).send({ ...parameters, drawn: auditIds.length, audits: stored.map(view) });
      },
    );

    app.get(
      "/v1/audits",
      {
        schema: {
          summary: "List audits with their case summary (auditors)",
          tags: ["audits"],
          querystring: ListQuery,
          response: { 200: Type.Object({ audits: Type.Array(AuditSchema) }), ...problemResponses },
        },
      },
      async (request) => {
        const p = requireRole(request, "auditor");
        const q = request.query as { workflow?: string; status?: "open" | "done" };
        let workflows = p.workflows ?? undefined;
        if (q.workflow !== undefined) {
          requireWorkflow(p, q.workflow);
          workflows = [q.workflow];
        }
        const audits = await ctx.store.oversight.listAudits({
          ...(workflows ? { workflows } : {}),
          ...(q.status ? { status: q.status } : {}),
        });
        return { audits: audits.map(view) };
      },
    );

    app.post(
      "/v1/audits/:id/verdict",
      {
        schema: {
          summary: "Give the verdict of an audit (once)",
          tags: ["audits"],
          params: IdParams,
          body: VerdictBody,
          response: { 201: AuditSchema, ...problemResponses },
        },
      },
      async (request, reply) => {
        const p = requireRole(request, "auditor");
        const { id } = request.params as { id: string };
        const body = request.body as { result: "correct" | "incorrect"; note?: string };
        const [audit] = await ctx.store.oversight.listAudits({ ids: [id] });
        if (!audit || !canAccessWorkflow(p, audit.case.workflow)) throw new NotFound(`no audit ${id}`);
        if (audit.status !== "open") throw new Conflict(`audit ${id} already has a verdict`);
        const recorded = await ctx.store.oversight.recordAuditVerdict({
          id,
          caseId: audit.caseId,
          result: body.result,
          note: body.note ?? null,
          auditor: p.id,
          at: ctx.clock(),
        });
        if (!recorded) throw new Conflict(`audit ${id} already has a verdict`);
        const [done] = await ctx.store.oversight.listAudits({ ids: [id] });
        return reply.code(201).send(view(done as AuditView));
      },
    );
  };
};
