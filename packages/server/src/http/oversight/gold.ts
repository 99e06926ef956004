import { NotFound, type Workflow } from "@loopgate/core";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { GoldCase } from "../../store/index.js";
import { type AppContext, workflowOrFail } from "../context.js";
import { type Principal, principalOf, requireWorkflow } from "../identity/auth.js";
import { requireOwner } from "../identity/ownership.js";
import { problemResponses } from "../schemas.js";
import { GoldImportSchema, type GoldItem, goldCasesFrom, parseGoldLines } from "./gold-items.js";

const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });
const GoldParams = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  id: Type.String({ minLength: 1, maxLength: 100 }),
});

const GoldCaseSchema = Type.Object({
  id: Type.String(),
  action: Type.String(),
  input: Type.Unknown(),
  proposal: Type.Unknown(),
  confidence: Type.Number(),
  rationale: Type.Union([Type.String(), Type.Null()]),
  evidence: Type.Unknown(),
  subject: Type.Union([Type.String(), Type.Null()]),
  metadata: Type.Unknown(),
  context: Type.Unknown(),
  expected: Type.String(),
  expectedReason: Type.Union([Type.String(), Type.Null()]),
  note: Type.Union([Type.String(), Type.Null()]),
  createdBy: Type.String(),
  createdAt: Type.String({ format: "date-time" }),
  disabledAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
});

const NDJSON = "application/x-ndjson";
/** The line of each item of a JSON Lines body, for error messages (set by the body parser). */
const linesOf = new WeakMap<FastifyRequest, number[]>();

function goldView(g: GoldCase) {
  return {
    id: g.id,
    action: g.action,
    input: g.input,
    proposal: g.proposal,
    confidence: g.confidence,
    rationale: g.rationale,
    evidence: g.evidence,
    subject: g.subject,
    metadata: g.metadata,
    context: g.context,
    expected: g.expected,
    expectedReason: g.expectedReason,
    note: g.note,
    createdBy: g.createdBy,
    createdAt: new Date(g.createdAt).toISOString(),
    disabledAt: g.disabledAt === null ? null : new Date(g.disabledAt).toISOString(),
  };
}

/** The workflow, when `p` may manage its gold set: its owner or an admin (auditors may also read it). */
async function goldWorkflow(
  ctx: AppContext,
  p: Principal,
  name: string,
  access: "manage" | "read",
): Promise<Workflow> {
  requireWorkflow(p, name);
  const wf = workflowOrFail(ctx, name);
  if (access === "read" && p.role === "auditor") return wf;
  requireOwner(p, wf, access === "manage" ? "act" : "read", `${access} its gold set`);
  return wf;
}

/**
 * Gold sets (issue 5, item 4): a workflow owner's known-answer cases, mixed into the queue as catch
 * trials at `oversight.catchTrialRate`. Reviewers never see this list.
 */
export const goldRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    // JSON Lines, one item per line: read and checked line by line so an error names the line.
    app.addContentTypeParser(NDJSON, { parseAs: "string" }, (request, body, done) => {
      try {
        const { items, lines } = parseGoldLines(body as string);
        linesOf.set(request, lines);
        done(null, { items });
      } catch (err) {
        done(err as Error, undefined);
      }
    });

    app.post(
      "/v1/workflows/:name/gold",
      {
        schema: {
          summary:
            "Add known-answer cases to a workflow's gold set (owner or admin): JSON {items: [...]} or application/x-ndjson, all or nothing",
          tags: ["oversight"],
          params: NameParams,
          body: GoldImportSchema,
          response: {
            201: Type.Object({ added: Type.Integer(), ids: Type.Array(Type.String()) }),
            ...problemResponses,
          },
        },
      },
      async (request, reply) => {
        const p = principalOf(request);
        const { name } = request.params as { name: string };
        const wf = await goldWorkflow(ctx, p, name, "manage");
        const { items } = request.body as { items: GoldItem[] };
        const rows = goldCasesFrom(wf, items, {
          createdBy: p.id,
          now: ctx.clock(),
          lines: linesOf.get(request),
        });
        await ctx.store.oversight.insertGoldCases(rows);
        return reply.code(201).send({ added: rows.length, ids: rows.map((g) => g.id) });
      },
    );

    app.get(
      "/v1/workflows/:name/gold",
      {
        schema: {
          summary: "A workflow's gold set (owner, admin or auditor)",
          tags: ["oversight"],
          params: NameParams,
          querystring: Type.Object(
            { includeDisabled: Type.Optional(Type.Boolean()) },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ items: Type.Array(GoldCaseSchema) }), ...problemResponses },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const { name } = request.params as { name: string };
        const { includeDisabled } = request.query as { includeDisabled?: boolean };
        await goldWorkflow(ctx, p, name, "read");
        const items = await ctx.store.oversight.listGoldCases({ workflow: name, includeDisabled });
        return { items: items.map(goldView) };
      },
    );

    app.delete(
      "/v1/workflows/:name/gold/:id",
      {
        schema: {
          summary:
            "Disable a gold case (owner or admin): no new catch trials are built from it; decided ones still score",
          tags: ["oversight"],
          params: GoldParams,
          response: { 204: Type.Null(), ...problemResponses },
        },
      },
      async (request, reply) => {
        const p = principalOf(request);
        const { name, id } = request.params as { name: string; id: string };
        await goldWorkflow(ctx, p, name, "manage");
        const disabled = await ctx.store.oversight.disableGoldCase({ workflow: name, id, now: ctx.clock() });
        if (!disabled) throw new NotFound(`no enabled gold case ${id} in workflow ${name}`);
        return reply.code(204).send();
      },
    );
  };
};
