import { Conflict } from "@loopgate/core";
import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import { reviewerName } from "../../metrics/governance.js";
import type { PauseRecord, Store } from "../../store/index.js";
import { type AppContext, workflowOrFail } from "../context.js";
import { canAccessWorkflow, principalOf, requireWorkflow } from "../identity/auth.js";
import { actsAsOwner, requireOwner } from "../identity/ownership.js";
import { problemResponses } from "../schemas.js";

/**
 * Paused reviewers (issue 15, item 6): the owner pauses a flagged reviewer from the alert
 * (`POST /v1/oversight/alerts/:id/ack` with action `paused_reviewer`); here they, an admin or an auditor
 * list a workflow's pauses, and the owner or an admin resumes one. A pause keeps the person from
 * claiming the workflow's cases (http/review/paused.ts).
 */

const Time = Type.String({ format: "date-time" });
const OrNull = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
export const PauseSchema = Type.Object({
  id: Type.String(),
  workflow: Type.String(),
  reviewer: Type.String({ description: "The person paused (a user id; every key of theirs with them)" }),
  reviewerName: OrNull(Type.String()),
  alertId: OrNull(Type.String()),
  note: OrNull(Type.String()),
  pausedBy: Type.String(),
  pausedAt: Time,
  resumedBy: OrNull(Type.String()),
  resumedAt: OrNull(Time),
  resumeNote: OrNull(Type.String()),
  inForce: Type.Boolean(),
});

export async function pauseView(store: Store, p: PauseRecord) {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return {
    ...p,
    reviewerName: await reviewerName(store, p.reviewer),
    pausedAt: iso(p.pausedAt) as string,
    resumedAt: iso(p.resumedAt),
    inForce: p.resumedAt === null,
  };
}

const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });
const ResumeParams = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  reviewer: Type.String({ minLength: 1, maxLength: 100 }),
});
const ResumeBody = Type.Union([
  Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
  Type.Null(),
]);

export const pauseRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.get(
      "/v1/workflows/:name/pauses",
      {
        schema: {
          summary: "A workflow's paused reviewers, in force and past, oldest first (owner, admin or auditor)",
          tags: ["oversight"],
          params: NameParams,
          response: { 200: Type.Object({ items: Type.Array(PauseSchema) }), ...problemResponses },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const { name } = request.params as { name: string };
        requireWorkflow(p, name);
        const wf = workflowOrFail(ctx, name);
        const auditor = p.role === "auditor" && canAccessWorkflow(p, wf.workflow);
        if (!auditor && !actsAsOwner(p, wf, "read")) {
          requireOwner(p, wf, "read", "read its paused reviewers", "an admin or an auditor");
        }
        const items = await ctx.store.pauses.during([wf.workflow], 0, Number.MAX_SAFE_INTEGER);
        return { items: await Promise.all(items.map((x) => pauseView(ctx.store, x))) };
      },
    );

    app.post(
      "/v1/workflows/:name/pauses/:reviewer/resume",
      {
        schema: {
          summary: "Let a paused reviewer claim the workflow's cases again (owner or admin)",
          tags: ["oversight"],
          params: ResumeParams,
          body: ResumeBody,
          response: { 200: PauseSchema, ...problemResponses },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const { name, reviewer } = request.params as { name: string; reviewer: string };
        const body = request.body as { note?: string } | null;
        requireWorkflow(p, name);
        const wf = workflowOrFail(ctx, name);
        requireOwner(p, wf, "act", "resume its paused reviewers");
        // A key of the person names the person: their pause is one.
        const person = (await ctx.store.identity.personsOf([reviewer])).get(reviewer) ?? reviewer;
        const resumed = await ctx.store.pauses.resume({
          workflow: wf.workflow,
          reviewer: person,
          note: body?.note?.trim() || null,
          by: p.id,
          now: ctx.clock(),
        });
        if (!resumed) throw new Conflict(`reviewer ${reviewer} is not paused in workflow ${wf.workflow}`);
        return pauseView(ctx.store, resumed);
      },
    );
  };
};
