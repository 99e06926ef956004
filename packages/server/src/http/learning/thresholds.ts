import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import { thresholdReport } from "../../metrics/thresholds.js";
import { type AppContext, workflowOrFail } from "../context.js";
import { principalOf, requireWorkflow } from "../identity/auth.js";
import { requireOwner } from "../identity/ownership.js";
import { badQuery, parseTime } from "../query.js";
import { problemResponses } from "../schemas.js";

const DAY_MS = 86_400_000;
/** Calibration wants a long history: rare errors need many cases to bound. */
const DEFAULT_WINDOW_MS = 90 * DAY_MS;

const Rate = Type.Number({ minimum: 0, maximum: 1 });
const NullableRate = Type.Union([Rate, Type.Null()]);

const ThresholdRow = Type.Object({
  threshold: Rate,
  autoCount: Type.Integer({
    description: "History cases with confidence ≥ threshold: what would route alone",
  }),
  autoRate: Rate,
  errors: Type.Integer({ description: "Wrong proposals among them" }),
  errorRate: NullableRate,
  errorUpperBound: Type.Number({ description: "One-sided Clopper-Pearson upper bound at `level`" }),
});

const ClassSchema = Type.Object({
  riskClass: Type.String(),
  currentThreshold: Type.Union([Type.Number(), Type.Null()], {
    description: "autoMinConfidence of the class in the loaded policy (null: never auto-routes)",
  }),
  items: Type.Integer(),
  reviewed: Type.Integer({
    description: "Items a person decided; the rest are auto-routed cases judged later",
  }),
  reliability: Type.Object({
    bins: Type.Array(
      Type.Object({
        lower: Type.Number(),
        upper: Type.Number(),
        count: Type.Integer(),
        meanConfidence: NullableRate,
        accuracy: NullableRate,
        interval: Type.Union([Type.Array(Type.Number()), Type.Null()], {
          description: "Wilson 95 % interval of the accuracy",
        }),
      }),
    ),
    items: Type.Integer(),
    expectedCalibrationError: Type.Union([Type.Number(), Type.Null()]),
  }),
  table: Type.Array(ThresholdRow),
  recommendation: Type.Object({
    threshold: Type.Union([Type.Number(), Type.Null()]),
    row: Type.Union([ThresholdRow, Type.Null()]),
    maxError: Type.Number(),
    level: Type.Number(),
    minCases: Type.Integer(),
    reason: Type.Optional(Type.String()),
    method: Type.String(),
  }),
  change: Type.Object({
    current: Type.Union([ThresholdRow, Type.Null()]),
    recommended: Type.Union([ThresholdRow, Type.Null()]),
  }),
});

const ReportSchema = Type.Object({
  workflow: Type.String(),
  since: Type.String({ format: "date-time" }),
  until: Type.String({ format: "date-time" }),
  maxError: Type.Number(),
  level: Type.Number(),
  selectionBias: Type.String(),
  classes: Type.Array(ClassSchema),
});

const Query = Type.Object(
  {
    workflow: Type.String({ minLength: 1, maxLength: 200 }),
    riskClass: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    maxError: Type.Number({
      exclusiveMinimum: 0,
      exclusiveMaximum: 1,
      description: "Tolerated error rate of auto-routed cases, e.g. 0.01",
    }),
    level: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: "Default 0.95" }),
    ),
    since: Type.Optional(Type.String({ maxLength: 64, description: "Default: 90 days before until" })),
    until: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

/** `GET /v1/thresholds`: reliability, auto-route rate and error at every threshold, and a recommendation. */
export const thresholdRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.get(
      "/v1/thresholds",
      {
        schema: {
          summary:
            "Threshold calibration per risk class: reliability curve, auto-route rate and error at every threshold, recommended autoMinConfidence",
          tags: ["metrics"],
          querystring: Query,
          response: { 200: ReportSchema, ...problemResponses },
        },
      },
      async (request) => {
        const q = request.query as {
          workflow: string;
          riskClass?: string;
          maxError: number;
          level?: number;
          since?: string;
          until?: string;
        };
        const p = principalOf(request);
        const wf = workflowOrFail(ctx, q.workflow);
        requireWorkflow(p, wf.workflow);
        // Thresholds are the owner's policy decision; auditors check them; admins may do everything.
        if (p.role !== "auditor")
          requireOwner(p, wf, "read", "read its thresholds", "an admin or an auditor");
        if (q.riskClass !== undefined && !(q.riskClass in wf.risk.classes)) {
          const known = Object.keys(wf.risk.classes).join(", ");
          throw badQuery("/riskClass", `must be one of ${wf.workflow}'s risk classes (${known})`);
        }
        const until = parseTime(q.until, "/until", ctx.clock());
        const since = parseTime(q.since, "/since", until - DEFAULT_WINDOW_MS);
        if (since >= until) throw badQuery("/since", "must be before until");
        return thresholdReport(ctx.store, {
          workflow: wf,
          ...(q.riskClass === undefined ? {} : { riskClass: q.riskClass }),
          maxError: q.maxError,
          level: q.level ?? 0.95,
          since,
          until,
        });
      },
    );
  };
};
