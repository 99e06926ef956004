import {
  type CaseSubmission,
  evaluatePolicy,
  expressionFailures,
  PolicyComparison,
  type SimulationReport,
} from "@loopgate/core";
import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import type { NewEvent } from "../../store/index.js";
import { type AppContext, workflowOrFail } from "../context.js";
import { requireRole, requireWorkflow } from "../identity/auth.js";
import { requireOwner } from "../identity/ownership.js";
import { badQuery, parseTime } from "../query.js";
import { problemResponses } from "../schemas.js";

/**
 * Shadow mode (issue 6, item 6): a draft policy (`--shadow-policy-dir`) routes every submitted case
 * beside the live one, and `shadow_routed` records what it would have done; `GET /v1/shadow` compares
 * the two over a window, in the same report as `loopgate simulate`. The draft never changes a route.
 */

const DAY_MS = 86_400_000;
const DEFAULT_WINDOW_MS = 30 * DAY_MS;

/**
 * The `shadow_routed` event for a submitted case, or undefined when no draft is loaded or the draft has no
 * such workflow. Never throws: a submit must not fail because of a draft, so whatever stops the draft from
 * routing the case (an action it lacks, a bug) is recorded as `error`. Expressions that fail are already
 * handled by evaluatePolicy (a trigger counts as fired); their reasons are recorded as `expressionErrors`.
 * The other reasons are not: they name the model's confidence, which blind-first review hides from the
 * reviewers who read the case's events.
 */
export function shadowRoutedEvent(
  ctx: AppContext,
  submission: CaseSubmission,
  caseId: string,
  now: number,
): NewEvent | undefined {
  const draft = ctx.shadowPolicies?.()?.workflows.get(submission.workflow);
  if (!draft) return undefined;
  let data: Record<string, unknown>;
  try {
    const e = evaluatePolicy(submission, draft);
    data = {
      route: e.route,
      riskClass: e.riskClass,
      triggers: e.triggers,
      policyVersion: e.policyVersion,
      expressionErrors: expressionFailures(e),
    };
  } catch (err) {
    data = { error: err instanceof Error ? err.message : String(err), policyVersion: draft.source.version };
  }
  return { type: "shadow_routed", caseId, actor: "shadow_policy", data, at: now };
}

const Route = Type.Union([Type.Literal("auto"), Type.Literal("review"), Type.Literal("human_only")]);
const Load = Type.Object({
  cases: Type.Integer({ description: "Cases routed to people (review or human_only)" }),
  perDay: Type.Number(),
});
const Rate = Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]);

/** The comparison report, as `GET /v1/shadow` and `loopgate simulate --json` give it. */
const ComparisonReportSchema = Type.Object({
  workflow: Type.String(),
  since: Type.String({ format: "date-time" }),
  until: Type.String({ format: "date-time" }),
  cases: Type.Integer({ description: "Real cases compared (shadow cases are left out)" }),
  changed: Type.Integer({ description: "Cases routed by both policies whose route or risk class differs" }),
  routes: Type.Array(
    Type.Object({
      from: Route,
      to: Route,
      count: Type.Integer(),
      examples: Type.Array(Type.String(), { description: "Up to 5 case ids" }),
    }),
    { description: "Every (live route, draft route) pair seen, unchanged ones included" },
  ),
  riskClassChanged: Type.Integer({ description: "Same route, different risk class" }),
  liveDiffersFromRecorded: Type.Integer({
    description: "Simulation: cases the live policy now routes differently from how they were routed then",
  }),
  reviewLoad: Type.Object({ live: Load, draft: Load }),
  expectedErrors: Type.Object(
    {
      newlyAuto: Type.Integer({
        description: "Cases the draft would auto-route that the live policy sends to a person",
      }),
      wrong: Type.Integer({
        description: "Of those, a person did not approve, or an outcome or audit said incorrect",
      }),
      right: Type.Integer(),
      unknown: Type.Integer({ description: "No human verdict and no outcome or audit" }),
      rate: Rate,
      rateUpper95: Type.Union([Type.Number(), Type.Null()], {
        description: "One-sided 95 % Clopper-Pearson upper bound of rate",
      }),
      examples: Type.Array(Type.String()),
    },
    { description: "Errors that would pass automatically under the draft" },
  ),
  unroutable: Type.Object({
    live: Type.Integer(),
    draft: Type.Integer(),
    examples: Type.Array(
      Type.Object({
        id: Type.String(),
        policy: Type.Union([Type.Literal("live"), Type.Literal("draft")]),
        error: Type.String(),
      }),
    ),
  }),
  draftVersions: Type.Array(Type.String(), { description: "The draft policy versions the report covers" }),
});

export type ComparisonView = Omit<SimulationReport, "since" | "until"> & {
  workflow: string;
  since: string;
  until: string;
  draftVersions: string[];
};

/** The report with its window as ISO times, as the API and the CLI's --json print it. */
export function comparisonView(
  workflow: string,
  report: SimulationReport,
  draftVersions: string[],
): ComparisonView {
  return {
    workflow,
    ...report,
    since: new Date(report.since).toISOString(),
    until: new Date(report.until).toISOString(),
    draftVersions,
  };
}

const ShadowQuery = Type.Object(
  {
    workflow: Type.String({ minLength: 1, maxLength: 200 }),
    since: Type.Optional(Type.String({ maxLength: 64 })),
    until: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const shadowPolicyRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.get(
      "/v1/shadow",
      {
        schema: {
          summary:
            "Shadow mode: how the draft policy would have routed the workflow's cases, against the live one (admin or the workflow owner)",
          tags: ["policy"],
          querystring: ShadowQuery,
          response: { 200: ComparisonReportSchema, ...problemResponses },
        },
      },
      async (request) => {
        const p = requireRole(request, "automation", "reviewer", "auditor");
        const q = request.query as { workflow: string; since?: string; until?: string };
        const wf = workflowOrFail(ctx, q.workflow);
        requireWorkflow(p, wf.workflow);
        requireOwner(p, wf, "read", "read its shadow report");
        const until = parseTime(q.until, "/until", ctx.clock());
        const since = parseTime(q.since, "/since", until - DEFAULT_WINDOW_MS);
        if (since >= until) {
          throw badQuery(
            "/since",
            `must be before until: ${new Date(since).toISOString()} is not before ${new Date(until).toISOString()}`,
          );
        }
        const comparison = new PolicyComparison({ since, until });
        const versions = new Set<string>();
        for await (const batch of ctx.store.learning.shadowPairs({ workflow: wf.workflow, since, until })) {
          for (const pair of batch) {
            comparison.add(pair);
            if (pair.draftVersion !== null) versions.add(pair.draftVersion);
          }
        }
        return comparisonView(wf.workflow, comparison.report(), [...versions].sort());
      },
    );
  };
};
