import { randomUUID } from "node:crypto";
import { Conflict, NotFound, ValidationError } from "@loopgate/core";
import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import { personName } from "../../metrics/person-name.js";
import { runOversight } from "../../oversight/run.js";
import { ACK_ACTIONS, type AckAction, type AlertRecord } from "../../store/index.js";
import { type AppContext, workflowOrFail } from "../context.js";
import { canAccessWorkflow, type Principal, principalOf } from "../identity/auth.js";
import { actsAsOwner, requireOwner } from "../identity/ownership.js";
import { HttpProblem } from "../problem.js";
import { problemResponses } from "../schemas.js";
import { PauseSchema, pauseView } from "./pauses.js";

const Kind = Type.Union([
  Type.Literal("rubber_stamp"),
  Type.Literal("team_rubber_stamp"),
  Type.Literal("approval_high_errors_rising"),
  Type.Literal("queue_overload"),
]);
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const AlertSchema = Type.Object({
  id: Type.String(),
  kind: Kind,
  workflow: Type.String(),
  reviewer: Nullable(
    Type.String({ description: "The reviewer (user or key id); null for a workflow alert" }),
  ),
  reviewerName: Nullable(Type.String()),
  evidence: Type.Unknown({
    description: "The numbers behind the alert (rates, medians, counts, p-values, threshold, window)",
  }),
  createdAt: Type.String({ format: "date-time" }),
  acknowledgedAt: Nullable(Type.String({ format: "date-time" })),
  acknowledgedBy: Nullable(Type.String()),
  ackAction: Type.Union([...ACK_ACTIONS.map((a) => Type.Literal(a)), Type.Null()], {
    description: "What the owner did, recorded with the acknowledgement; null while open",
  }),
  ackNote: Nullable(Type.String()),
});
const AlertsSchema = Type.Object({ alerts: Type.Array(AlertSchema) });

const ListQuery = Type.Object(
  {
    workflow: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    since: Type.Optional(Type.String({ format: "date-time", description: "Alerts created at or after" })),
    kind: Type.Optional(Kind),
  },
  { additionalProperties: false },
);

const RunBody = Type.Union([
  Type.Object(
    { workflow: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

const READERS = "an admin, an auditor or";

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

const AckBody = Type.Object(
  {
    action: Type.Union(
      ACK_ACTIONS.map((a) => Type.Literal(a)),
      {
        description:
          "What was done: coached the reviewer, paused_reviewer (they claim nothing of the workflow until resumed), changed_policy, or dismissed",
      },
    ),
    note: Type.Optional(Type.String({ maxLength: 2000, description: "What was done, in words" })),
  },
  { additionalProperties: false },
);
const AckResponse = Type.Object({ ...AlertSchema.properties, pause: Type.Optional(PauseSchema) });

/**
 * Oversight alerts (issue 5, item 6), for the people accountable for a workflow: admins, auditors (read
 * only) and the workflow's owner. A reviewer who owns no workflow never sees them: an alert is about a
 * colleague.
 */
export const alertRoutes = (ctx: AppContext): FastifyPluginAsync => {
  /**
   * The workflows whose alerts `p` may read, or act on (acknowledge, run the check) as their owner
   * (admins: every one in scope; an auditor owner only reads).
   */
  function ownedWorkflows(p: Principal, access: "read" | "act"): string[] {
    return [...ctx.policies().workflows.values()]
      .filter((wf) => actsAsOwner(p, wf, access))
      .map((wf) => wf.workflow);
  }

  /** What `p` may read: every workflow in scope for admins and auditors, else the ones they own. */
  function readable(p: Principal): string[] {
    if (p.role === "admin" || p.role === "auditor") {
      return [...ctx.policies().workflows.keys()].filter((w) => canAccessWorkflow(p, w));
    }
    return ownedWorkflows(p, "read");
  }

  function forbidden(who: string, what: string, workflow?: string): HttpProblem {
    const owner = workflow === undefined ? undefined : ctx.policies().workflows.get(workflow)?.owner;
    const wf = workflow === undefined ? "a workflow" : `workflow ${workflow} (${owner})`;
    return new HttpProblem(403, "Forbidden", `only ${who} the owner of ${wf} may ${what}`);
  }

  async function view(a: AlertRecord) {
    return {
      ...a,
      // A key of a person is that person: the alert names them.
      reviewerName: a.reviewer === null ? null : await personName(ctx.store, a.reviewer),
      createdAt: new Date(a.createdAt).toISOString(),
      acknowledgedAt: a.acknowledgedAt === null ? null : new Date(a.acknowledgedAt).toISOString(),
    };
  }

  return async (app) => {
    app.get(
      "/v1/oversight/alerts",
      {
        schema: {
          summary: "Oversight alerts, newest first (admins, auditors, and owners for their workflows)",
          tags: ["oversight"],
          querystring: ListQuery,
          response: { 200: AlertsSchema, ...problemResponses },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const q = request.query as { workflow?: string; since?: string; kind?: string };
        const allowed = readable(p);
        if (q.workflow !== undefined) {
          workflowOrFail(ctx, q.workflow);
          if (!allowed.includes(q.workflow))
            throw forbidden(READERS, "read its oversight alerts", q.workflow);
        } else if (allowed.length === 0) {
          throw forbidden(READERS, "read oversight alerts");
        }
        const alerts = await ctx.store.oversight.listAlerts({
          workflows: q.workflow !== undefined ? [q.workflow] : allowed,
          ...(q.since !== undefined && { since: Date.parse(q.since) }),
          ...(q.kind !== undefined && { kind: q.kind }),
        });
        return { alerts: await Promise.all(alerts.map(view)) };
      },
    );

    app.post(
      "/v1/oversight/alerts/:id/ack",
      {
        schema: {
          summary:
            "Acknowledge an alert with what was done (admin or the workflow owner); paused_reviewer also pauses the reviewer",
          tags: ["oversight"],
          params: IdParams,
          body: AckBody,
          response: { 200: AckResponse, ...problemResponses },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const { id } = request.params as { id: string };
        const body = request.body as { action: AckAction; note?: string };
        const [alert] = await ctx.store.oversight.listAlerts({ ids: [id] });
        if (!alert || !readable(p).includes(alert.workflow)) throw new NotFound(`no alert ${id}`);
        requireOwner(p, workflowOrFail(ctx, alert.workflow), "act", "acknowledge its alerts");
        const note = body.note?.trim() || null;
        let pause: { id: string; workflow: string; reviewer: string } | undefined;
        if (body.action === "paused_reviewer") {
          if (alert.reviewer === null) {
            throw new ValidationError(
              `alert ${id} is about workflow ${alert.workflow}, not one reviewer: there is nobody to pause`,
              "/action",
            );
          }
          // The person, so every key of theirs is paused with them.
          const person = (await ctx.store.identity.personsOf([alert.reviewer])).get(alert.reviewer);
          pause = { id: `pau_${randomUUID()}`, workflow: alert.workflow, reviewer: person ?? alert.reviewer };
        }
        const done = await ctx.store.oversight.acknowledgeAlert({
          id,
          by: p.id,
          now: ctx.clock(),
          action: body.action,
          note,
          ...(pause && { pause }),
        });
        if (!done.acknowledged) throw new Conflict(`alert ${id} is already acknowledged`);
        const [after] = await ctx.store.oversight.listAlerts({ ids: [id] });
        return {
          ...(await view(after as AlertRecord)),
          ...(done.pause && { pause: await pauseView(ctx.store, done.pause) }),
        };
      },
    );

    app.post(
      "/v1/oversight/run",
      {
        schema: {
          summary:
            "Run the oversight check now (admin or owner; optionally one workflow); returns the alerts it raised",
          tags: ["oversight"],
          body: RunBody,
          response: { 200: AlertsSchema, ...problemResponses },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const workflow = (request.body as { workflow?: string } | null)?.workflow;
        const owned = ownedWorkflows(p, "act");
        if (workflow !== undefined) {
          requireOwner(p, workflowOrFail(ctx, workflow), "act", "run its oversight check");
        } else if (owned.length === 0) {
          throw forbidden("an admin or", "run the oversight check");
        }
        const alerts = await runOversight(ctx.store, ctx.policies(), ctx.clock(), {
          workflows: workflow !== undefined ? [workflow] : owned,
          actor: p.id,
        });
        const webhooks = alerts.some((a) => ctx.policies().workflows.get(a.workflow)?.oversight.alertUrl);
        if (webhooks) ctx.onOutbox();
        return { alerts: await Promise.all(alerts.map(view)) };
      },
    );
  };
};
