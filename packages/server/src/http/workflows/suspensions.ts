import { Conflict, ValidationError, type Workflow } from "@loopgate/core";
import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import { timeOrderedId } from "../../ids.js";
import type { SuspensionRecord } from "../../store/index.js";
import { suspensionCacheOf } from "../../suspensions/cache.js";
import { type AppContext, workflowOrFail } from "../context.js";
import { canAccessWorkflow, type Principal, principalOf, requireWorkflow } from "../identity/auth.js";
import { actsAsOwner, requireOwner } from "../identity/ownership.js";
import { HttpProblem } from "../problem.js";
import { problemResponses } from "../schemas.js";

/**
 * The stop button (issue 13, item 10; EU AI Act Art. 14(4)(e), 26(5)): an admin scoped to a workflow or
 * its owner suspends it, or one of its actions, and later resumes it. While suspended nothing is routed
 * to the machine alone (`suspension.onSubmit`: review, or a 503) and nothing held is released
 * (suspensions/holds.ts); reviewers keep deciding.
 */

const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });
const ActionField = Type.String({
  minLength: 1,
  maxLength: 200,
  description: "One action of the workflow; absent = the whole workflow",
});
const SuspendBody = Type.Object(
  {
    reason: Type.String({
      minLength: 1,
      maxLength: 2000,
      description: "Why: shown to reviewers and in the report",
    }),
    action: Type.Optional(ActionField),
  },
  { additionalProperties: false },
);
const ResumeBody = Type.Object(
  { note: Type.Optional(Type.String({ maxLength: 2000 })), action: Type.Optional(ActionField) },
  { additionalProperties: false },
);
const Time = Type.String({ format: "date-time" });
const OrNull = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const SuspensionSchema = Type.Object({
  id: Type.String(),
  workflow: Type.String(),
  action: OrNull(Type.String()),
  reason: Type.String(),
  suspendedBy: Type.String(),
  suspendedAt: Time,
  resumedBy: OrNull(Type.String()),
  resumedAt: OrNull(Time),
  resumeNote: OrNull(Type.String()),
  inForce: Type.Boolean(),
});

function suspensionView(s: SuspensionRecord) {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return {
    id: s.id,
    workflow: s.workflow,
    action: s.action,
    reason: s.reason,
    suspendedBy: s.suspendedBy,
    suspendedAt: iso(s.suspendedAt) as string,
    resumedBy: s.resumedBy,
    resumedAt: iso(s.resumedAt),
    resumeNote: s.resumeNote,
    inForce: s.resumedAt === null,
  };
}

/**
 * The workflow, when `p` may press its stop button: an admin scoped to it, or its owner (a person, or a
 * key of theirs) in a role that may act. Never an automation: the system overseen may not stop or
 * restart its own oversight, even through a key its owner made.
 */
function stopButtonWorkflow(ctx: AppContext, p: Principal, name: string, what: string): Workflow {
  if (p.role === "automation") {
    throw new HttpProblem(
      403,
      "Forbidden",
      `an automation key may not ${what} a workflow: the stop button is for people`,
    );
  }
  requireWorkflow(p, name);
  const wf = workflowOrFail(ctx, name);
  requireOwner(p, wf, "act", `${what} it`);
  return wf;
}

function actionOf(wf: Workflow, action: string | undefined): string | null {
  if (action === undefined) return null;
  if (!Object.hasOwn(wf.actions, action)) {
    const known = Object.keys(wf.actions).join(", ");
    throw new ValidationError(
      `"${action}" is not an action of workflow ${wf.workflow} (actions: ${known})`,
      "/action",
    );
  }
  return action;
}

function what(wf: Workflow, action: string | null): string {
  return action === null ? `workflow ${wf.workflow}` : `action ${action} of workflow ${wf.workflow}`;
}

export const suspensionRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.post(
      "/v1/workflows/:name/suspend",
      {
        schema: {
          summary:
            "Suspend a workflow or one action (admin or owner): nothing auto-routed or released until resumed",
          tags: ["workflows"],
          params: NameParams,
          body: SuspendBody,
          response: { 201: SuspensionSchema, ...problemResponses },
        },
      },
      async (request, reply) => {
        const p = principalOf(request);
        const { name } = request.params as { name: string };
        const body = request.body as { reason: string; action?: string };
        const wf = stopButtonWorkflow(ctx, p, name, "suspend");
        const reason = body.reason.trim();
        if (reason === "")
          throw new ValidationError("reason must say why the workflow is stopped", "/reason");
        const now = ctx.clock();
        const s = await ctx.store.suspensions.suspend({
          id: timeOrderedId("sus", now),
          workflow: wf.workflow,
          action: actionOf(wf, body.action),
          reason,
          by: p.id,
          now,
        });
        suspensionCacheOf(ctx.store).invalidate();
        return reply.code(201).send(suspensionView(s));
      },
    );

    app.post(
      "/v1/workflows/:name/resume",
      {
        schema: {
          summary: "Resume a suspended workflow or action (admin or owner); held decisions then release",
          tags: ["workflows"],
          params: NameParams,
          body: ResumeBody,
          response: { 200: SuspensionSchema, ...problemResponses },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const { name } = request.params as { name: string };
        const body = request.body as { note?: string; action?: string };
        const wf = stopButtonWorkflow(ctx, p, name, "resume");
        const action = actionOf(wf, body.action);
        const note = body.note?.trim() || null;
        const s = await ctx.store.suspensions.resume({
          workflow: wf.workflow,
          action,
          note,
          by: p.id,
          now: ctx.clock(),
        });
        if (!s) throw new Conflict(`${what(wf, action)} is not suspended`);
        // Held timers and webhooks need no wake-up: their workers look again within HOLD_RECHECK_MS.
        suspensionCacheOf(ctx.store).invalidate();
        return suspensionView(s);
      },
    );

    app.get(
      "/v1/workflows/:name/suspensions",
      {
        schema: {
          summary:
            "A workflow's suspensions, newest first, those in force and past (owner, admin or auditor)",
          tags: ["workflows"],
          params: NameParams,
          querystring: Type.Object(
            { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ items: Type.Array(SuspensionSchema) }), ...problemResponses },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const { name } = request.params as { name: string };
        const { limit = 100 } = request.query as { limit?: number };
        requireWorkflow(p, name);
        const wf = workflowOrFail(ctx, name);
        const auditor = p.role === "auditor" && canAccessWorkflow(p, wf.workflow);
        if (!auditor && !actsAsOwner(p, wf, "read")) {
          requireOwner(p, wf, "read", "read its suspensions", "an admin or an auditor");
        }
        const items = await ctx.store.suspensions.history(wf.workflow, limit);
        return { items: items.map(suspensionView) };
      },
    );
  };
};
