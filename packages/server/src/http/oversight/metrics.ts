import type { GroupBy } from "@loopgate/core";
import type { FastifyPluginAsync } from "fastify";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { Type } from "typebox";
import { governanceReport } from "../../metrics/governance.js";
import { type AppContext, workflowOrFail } from "../context.js";
import { requireRole, requireWorkflow } from "../identity/auth.js";
import { actsAsOwner } from "../identity/ownership.js";
import { HttpProblem } from "../problem.js";
import { badQuery, parseTime } from "../query.js";
import { problemResponses } from "../schemas.js";
import { ErosionSchema } from "./erosion-schema.js";

const DAY_MS = 86_400_000;
const DEFAULT_WINDOW_MS = 7 * DAY_MS;

const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);
const Rate = Nullable(Type.Number({ minimum: 0, maximum: 1 }));
const Seconds = Nullable(Type.Number({ minimum: 0 }));
const ErrorCount = Type.Object({
  incorrect: Type.Integer({ minimum: 0, description: "Cases whose latest outcome is incorrect" }),
  reported: Type.Integer({ minimum: 0, description: "Cases with a reported outcome" }),
});

const FigureProperties = {
  cases: Type.Integer({ description: "Cases submitted in the window (reviewer groups: their decisions)" }),
  decisions: Type.Integer({ description: "Human decisions in the window, revoked ones left out" }),
  escalationRate: Rate,
  overrideRate: Rate,
  resolutionSeconds: Type.Object({ p50: Seconds, p90: Seconds, p99: Seconds }),
  exceptionPatterns: Type.Array(
    Type.Object({
      kind: Type.Union([Type.Literal("reasonCode"), Type.Literal("trigger")]),
      name: Type.String(),
      count: Type.Integer(),
      share: Type.Number(),
    }),
  ),
  consistency: Type.Union([
    Type.Object(
      {
        cohenKappa: Nullable(Type.Number({ description: "Mean Cohen's kappa over reviewer pairs" })),
        fleissKappa: Nullable(Type.Number()),
        krippendorffAlpha: Nullable(Type.Number({ description: "Nominal" })),
        items: Type.Integer({ minimum: 0, description: "Overlap items rated by two or more reviewers" }),
        itemsPerFigure: Type.Object({
          cohenKappa: Type.Integer({ minimum: 0 }),
          fleissKappa: Type.Integer({ minimum: 0 }),
          krippendorffAlpha: Type.Integer({ minimum: 0 }),
        }),
      },
      {
        description:
          "Reviewer agreement on overlap copies (the same case reviewed independently); a statistic is null when undefined (one category only); the whole object is null when no case was reviewed by two people in the window",
      },
    ),
    Type.Null(),
  ]),
  postReviewErrorRate: Type.Object(
    { auto: Rate, human: Rate },
    {
      description:
        "Among approved cases decided in the window with a reported outcome, the share whose latest outcome is incorrect, by who approved (policy: auto; a person: human); null when none",
    },
  ),
  postReviewErrorCounts: Type.Object(
    { auto: ErrorCount, human: ErrorCount },
    { description: "The counts behind postReviewErrorRate" },
  ),
};

const GovernanceSchema = Type.Object({
  workflow: Type.Union([Type.String(), Type.Null()]),
  since: Type.String({ format: "date-time" }),
  until: Type.String({ format: "date-time" }),
  ...FigureProperties,
  erosion: ErosionSchema,
  groups: Type.Optional(
    Type.Array(
      Type.Object({
        key: Type.String(),
        /** The reviewer's display name when the id is a known user or key. */
        name: Type.Optional(Type.Union([Type.String(), Type.Null()])),
        ...FigureProperties,
      }),
    ),
  ),
});

const GovernanceQuery = Type.Object(
  {
    workflow: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    since: Type.Optional(Type.String({ maxLength: 64 })),
    until: Type.Optional(Type.String({ maxLength: 64 })),
    groupBy: Type.Optional(
      Type.Union([Type.Literal("reviewer"), Type.Literal("riskClass"), Type.Literal("day")]),
    ),
  },
  { additionalProperties: false },
);

/** `GET /v1/metrics/governance`: escalation, override, resolution time and exception patterns. */
export const metricsRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.get(
      "/v1/metrics/governance",
      {
        schema: {
          summary:
            "Governance metrics over a time window: escalation rate, override rate, resolution time, exception patterns",
          tags: ["metrics"],
          querystring: GovernanceQuery,
          response: { 200: GovernanceSchema, ...problemResponses },
        },
      },
      async (request) => {
        const p = requireRole(request, "reviewer", "auditor");
        const q = request.query as { workflow?: string; since?: string; until?: string; groupBy?: GroupBy };
        const now = ctx.clock();
        const until = parseTime(q.until, "/until", now);
        const since = parseTime(q.since, "/since", until - DEFAULT_WINDOW_MS);
        if (since >= until) {
          throw badQuery(
            "/since",
            `must be before until: ${new Date(since).toISOString()} is not before ${new Date(until).toISOString()}`,
          );
        }
        let workflows: string[] | undefined;
        if (q.workflow !== undefined) {
          requireWorkflow(p, q.workflow);
          workflowOrFail(ctx, q.workflow);
          workflows = [q.workflow];
        } else if (p.workflows !== null) {
          workflows = p.workflows;
        }
        // Colleagues' figures are for those who oversee the team (issue 15, item 3): a reviewer sees
        // per-reviewer groups only of a workflow they own, and must name it.
        if (q.groupBy === "reviewer" && p.role === "reviewer") {
          const wf = q.workflow === undefined ? undefined : ctx.policies().workflows.get(q.workflow);
          if (!wf || !actsAsOwner(p, wf, "read")) {
            throw new HttpProblem(
              403,
              "Forbidden",
              q.workflow === undefined
                ? "groupBy=reviewer shows each reviewer's figures: a reviewer may ask for it only for a workflow they own (add workflow=…); admins and auditors may ask for any"
                : `groupBy=reviewer shows each reviewer's figures: only the owner of workflow ${q.workflow} (${wf?.owner ?? "none"}), an admin or an auditor may ask for them`,
              { field: "/groupBy" },
            );
          }
        }
        return governanceReport(ctx.store, {
          workflow: q.workflow ?? null,
          workflows,
          since,
          until,
          groupBy: q.groupBy,
        });
      },
    );
  };
};

/** Histogram buckets for how long a reviewer held a case, in seconds. */
const HELD_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/** How many events one store read takes while catching up. */
const EVENT_BATCH = 5000;
/** Events younger than this are counted on a later scrape (see `catchUp`). */
const SETTLE_MS = 5000;

/**
 * Prometheus text at `/metrics` (no auth, like /healthz). One registry per app, so several apps in one
 * process (the tests) keep their own series.
 *
 * The counters and the histogram follow the append-only event log: each scrape reads the `routed` and
 * `decided` events written since the previous one (from the first event on the first scrape) and counts
 * them, so they cover every case in the database, whichever process wrote it; with several processes
 * on one database, each reports the same totals (take one instance's, not the sum). The queue gauge is
 * read from the database on each scrape.
 */
export const prometheusRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    const registry = new Registry();
    const submitted = new Counter({
      name: "loopgate_cases_submitted_total",
      help: "Cases submitted, by workflow and route",
      labelNames: ["workflow", "route"] as const,
      registers: [registry],
    });
    const decided = new Counter({
      name: "loopgate_decisions_total",
      help: "Cases decided (by a person, the policy or an SLA timeout), by workflow and verdict",
      labelNames: ["workflow", "verdict"] as const,
      registers: [registry],
    });
    const held = new Histogram({
      name: "loopgate_decision_held_seconds",
      help: "How long a reviewer held a case, claim to decision, in seconds",
      labelNames: ["workflow"] as const,
      buckets: HELD_BUCKETS,
      registers: [registry],
    });
    new Gauge({
      name: "loopgate_queue_waiting",
      help: "Undecided cases waiting for a reviewer (queued, or with an expired lease), by workflow",
      labelNames: ["workflow"] as const,
      registers: [registry],
      async collect() {
        const counts = await ctx.store.review.queueCounts({ now: ctx.clock() });
        const byWorkflow = new Map<string, number>();
        for (const wf of ctx.policies().workflows.keys()) byWorkflow.set(wf, 0);
        for (const c of counts) byWorkflow.set(c.workflow, (byWorkflow.get(c.workflow) ?? 0) + c.waiting);
        this.reset();
        for (const [workflow, waiting] of byWorkflow) this.set({ workflow }, waiting);
      },
    });

    let cursor = 0;
    const catchUp = async (): Promise<void> => {
      // Events of the last few seconds wait for the next scrape: on PostgreSQL a sequence number is
      // taken before commit, so a slow transaction can commit a lower seq after a higher one is read.
      const settled = ctx.clock() - SETTLE_MS;
      for (;;) {
        const events = await ctx.store.metrics.countedEventsAfter(cursor, EVENT_BATCH);
        for (const e of events) {
          if (e.at > settled) return;
          if (e.type === "routed" && typeof e.data.route === "string") {
            submitted.inc({ workflow: e.workflow, route: e.data.route });
          } else if (e.type === "decided" && typeof e.data.verdict === "string") {
            decided.inc({ workflow: e.workflow, verdict: e.data.verdict });
            if (typeof e.data.heldMs === "number")
              held.observe({ workflow: e.workflow }, e.data.heldMs / 1000);
          }
          cursor = e.seq;
        }
        if (events.length < EVENT_BATCH) return;
      }
    };
    // One catch-up at a time, so two scrapes at once never count an event twice.
    let reading: Promise<void> = Promise.resolve();

    app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
      reading = reading.catch(() => {}).then(catchUp);
      await reading;
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    });
  };
};
