import { Readable } from "node:stream";
import type { Verdict } from "@loopgate/core";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { Type } from "typebox";
import {
  EXPORT_KINDS,
  type ExportKind,
  type ExportRequest,
  exportBatches,
  exportManifest,
  KIND_VERDICTS,
  ndjson,
} from "../../export/dataset.js";
import { type AppContext, workflowOrFail } from "../context.js";
import { principalOf, requireWorkflow } from "../identity/auth.js";
import { requireOwner } from "../identity/ownership.js";
import { badQuery, parseTime } from "../query.js";
import { problemResponses } from "../schemas.js";

const KindParams = Type.Object({
  kind: Type.Union(EXPORT_KINDS.map((k) => Type.Literal(k))),
});

const ExportQuery = Type.Object(
  {
    workflow: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: "Required unless the caller is an admin" }),
    ),
    since: Type.Optional(Type.String({ description: "ISO date or date-time: decided at ≥" })),
    until: Type.Optional(Type.String({ description: "ISO date or date-time: decided at <" })),
    reviewer: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "usr_… or key_…" })),
    verdict: Type.Optional(
      Type.String({
        description:
          "One of the kind's verdicts: corrections edit|override|reject|respond|request_changes, preferences rank|edit, labels label, sft respond",
      }),
    ),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "A reason code" })),
  },
  { additionalProperties: false },
);

type Query = {
  workflow?: string;
  since?: string;
  until?: string;
  reviewer?: string;
  verdict?: string;
  reason?: string;
};

const ManifestSchema = Type.Object({
  kind: Type.String(),
  filters: Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())])),
  counts: Type.Object({
    rows: Type.Integer(),
    duplicatesDropped: Type.Integer(),
    cases: Type.Integer({ description: "Cases that contributed at least one row" }),
  }),
  policyVersions: Type.Array(Type.String()),
  generatedAt: Type.String({ format: "date-time" }),
});

/**
 * Who may export, and what: an admin (every workflow in scope when none is named), an auditor, or the
 * workflow's owner (requireOwner). Filters are checked here so a bad one is a 400 before any row is sent.
 */
async function exportRequest(ctx: AppContext, request: FastifyRequest): Promise<ExportRequest> {
  const p = principalOf(request);
  const { kind } = request.params as { kind: ExportKind };
  const q = request.query as Query;
  let workflows: string[] | undefined;
  if (q.workflow === undefined) {
    if (p.role !== "admin")
      throw badQuery("/workflow", "is required (only an admin may export every workflow)");
    workflows = p.workflows ?? undefined;
  } else {
    const wf = workflowOrFail(ctx, q.workflow);
    requireWorkflow(p, wf.workflow);
    if (p.role !== "auditor") requireOwner(p, wf, "read", "export its data", "an admin or an auditor");
    workflows = [wf.workflow];
  }
  const since = q.since === undefined ? undefined : parseTime(q.since, "/since", 0);
  const until = q.until === undefined ? undefined : parseTime(q.until, "/until", 0);
  if (since !== undefined && until !== undefined && since >= until) {
    throw badQuery("/since", `must be before until: ${q.since} is not before ${q.until}`);
  }
  const allowed = KIND_VERDICTS[kind];
  if (q.verdict !== undefined && !allowed.includes(q.verdict as Verdict)) {
    throw badQuery("/verdict", `must be one of ${allowed.join(", ")} for ${kind}, got "${q.verdict}"`);
  }
  return {
    kind,
    ...(workflows ? { workflows } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(q.reviewer !== undefined ? { reviewer: q.reviewer } : {}),
    ...(q.verdict !== undefined ? { verdict: q.verdict as Verdict } : {}),
    ...(q.reason !== undefined ? { reason: q.reason } : {}),
  };
}

/**
 * Dataset exports (issue 6, item 1; docs/exports.md): `GET /v1/exports/{kind}` streams NDJSON, one batch
 * of rows per chunk, pulled only as fast as the client reads (Readable.from over the async generator);
 * `GET /v1/exports/{kind}/manifest` reads the same rows for their counts.
 */
export const exportRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.get(
      "/v1/exports/:kind",
      {
        schema: {
          summary:
            "Stream a dataset as NDJSON (application/x-ndjson): corrections, preference pairs or labels, deduplicated (admin, auditor or the workflow owner)",
          tags: ["exports"],
          params: KindParams,
          querystring: ExportQuery,
          produces: ["application/x-ndjson"],
          response: problemResponses,
        },
      },
      async (request, reply) => {
        const req = await exportRequest(ctx, request);
        const batches = exportBatches(ctx.store, req);
        // The first batch is read before the status line goes out, so a store that fails at once is a
        // problem+json 500 rather than a 200 cut short. A later failure ends the chunked body without
        // its terminating chunk: clients see an incomplete response, never a silently short dataset.
        const first = await batches.next();
        async function* lines() {
          if (first.done) return;
          yield ndjson(first.value);
          for await (const rows of batches) yield ndjson(rows);
        }
        const body = Readable.from(lines(), { objectMode: false });
        // If the client goes away, the stream is destroyed; closing the generator frees its dedup set.
        body.once("close", () => void batches.return(undefined));
        return reply.type("application/x-ndjson; charset=utf-8").send(body);
      },
    );

    app.get(
      "/v1/exports/:kind/manifest",
      {
        schema: {
          summary: "Counts, filters and policy versions of a dataset export with the same filters",
          tags: ["exports"],
          params: KindParams,
          querystring: ExportQuery,
          response: { 200: ManifestSchema, ...problemResponses },
        },
      },
      async (request) => exportManifest(ctx.store, await exportRequest(ctx, request), ctx.clock()),
    );
  };
};
