import { Conflict, type Workflow, WorkloadLimitReached } from "@loopgate/core";
import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import type { CaseRecord } from "../../store/index.js";
import { caseFor } from "../cases/case-access.js";
import { viewFor } from "../cases/case-screen.js";
import type { AppContext } from "../context.js";
import { requireRole, requireWorkflow } from "../identity/auth.js";
import { utcMidnight } from "../learning/queue-priority.js";
import {
  ClaimRequestSchema,
  ClaimResponseSchema,
  DecideRequestSchema,
  DecisionSchema,
  problemResponses,
} from "../schemas.js";
import { decideCase } from "./decide.js";
import { claimedUnlessPaused } from "./paused.js";
import { mayDecide, minDecisionAtIso } from "./review-rules.js";
import type { VerdictBody } from "./verdicts.js";
import { claimLimits, limitProblem } from "./workload.js";

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/** The reviewer's side: take a case from the queue, decide it, or give it back. */
export const reviewRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.post(
      "/v1/queue/claim",
      {
        schema: {
          summary: "Take the next waiting case (204 when nothing waits). The lease keeps it yours alone.",
          tags: ["queue"],
          body: ClaimRequestSchema,
          response: { 200: ClaimResponseSchema, 204: Type.Null(), ...problemResponses },
        },
      },
      async (request, reply) => {
        const p = requireRole(request, "reviewer");
        const body = request.body as { workflows?: string[]; claimToken?: string } | null;
        const asked = body?.workflows;
        for (const w of asked ?? []) requireWorkflow(p, w);
        const workflows = asked ?? p.workflows ?? undefined;
        // Authority limits: skip the cases this principal may not decide, so they wait for someone who
        // can. Only worth a per-case check when some workflow in reach has authority rules.
        const policies = ctx.policies().workflows;
        const limited = [...policies.values()].some(
          (w) => w.review.authority.length > 0 && (!workflows || workflows.includes(w.workflow)),
        );
        // Active learning: most uncertain first; a workflow whose labelling budget for today is spent
        // hands out nothing more until tomorrow (its cases wait; the SLA applies).
        const learning = [...policies.values()].filter(
          (w) => w.activeLearning && (!workflows || workflows.includes(w.workflow)),
        );
        const spent = await spentBudgets(ctx, learning);
        // Always named: each workflow is one range of the queue's index (store/review/claim-queries.ts),
        // and a case of a workflow no policy loads could not be decided anyway.
        const reach = (workflows ?? [...policies.keys()]).filter(
          (w) => !spent.includes(w) && policies.has(w),
        );
        const limits = claimLimits(policies, reach);
        const now = ctx.clock();
        // A person paused from a workflow (oversight/pauses.ts) claims nothing of it until resumed:
        // checked by the claim's own reads of the queue; only when nothing came is it asked why.
        const claimed = await claimedUnlessPaused(ctx, p, reach, () =>
          ctx.store.review.claimNext({
            reviewer: p.id,
            person: p.person,
            workflows: reach,
            ...(limits && { limits }),
            ...(learning.length > 0 && { prioritized: learning.map((w) => w.workflow) }),
            leaseMs: ctx.leaseMs,
            now,
            ...(body?.claimToken !== undefined && { claimToken: body.claimToken }),
            unlessPaused: p.person,
            // SLA escalation (workers/timers.ts): an escalated case waits for its named role's queue.
            escalationRoles: p.role === "admin" ? "any" : p.authorityRoles,
            ...(limited && { eligible: (c: CaseRecord) => mayDecide(p, policies.get(c.workflow), c) }),
            // PostgreSQL: the other processes hear of the claim at its commit (change-feed.ts noticeFor).
            notice: (c) => ctx.caseEvents.noticeFor({ type: "claimed", caseId: c.id, workflow: c.workflow }),
          }),
        ).catch((err: unknown) => {
          throw err instanceof WorkloadLimitReached ? limitProblem(err, now) : err;
        });
        if (!claimed) return reply.code(204).send();
        const { case: c } = claimed;
        const event = { type: "claimed" as const, caseId: c.id, workflow: c.workflow };
        if (claimed.notified) ctx.caseEvents.publishLocal(event);
        else ctx.caseEvents.publish(event);
        const wf = policies.get(c.workflow);
        // A fresh claim has no blind judgment yet: on a blind-first workflow the reviewer starts blind.
        return {
          case: { ...viewFor(p, wf, c, false), minDecisionAt: minDecisionAtIso(wf, c) },
          lease: { id: claimed.lease.id, expiresAt: new Date(claimed.lease.expiresAt).toISOString() },
        };
      },
    );

    app.post(
      "/v1/cases/:id/decisions",
      {
        schema: {
          summary:
            "Decide a case you hold: approve, edit, reject, override, label or rank (reason codes per the contract)",
          tags: ["review"],
          params: IdParams,
          body: DecideRequestSchema,
          response: { 201: DecisionSchema, ...problemResponses },
        },
      },
      async (request, reply) => {
        const p = requireRole(request, "reviewer");
        const { id } = request.params as { id: string };
        const body = request.body as VerdictBody;
        const c = await caseFor(ctx, p, id);
        if (c.status === "decided") throw new Conflict(`case ${id} is already decided`);
        return reply.code(201).send(await decideCase(ctx, p, c, body));
      },
    );

    app.post(
      "/v1/cases/:id/release",
      {
        schema: {
          summary: "Give a case you hold back to the queue, undecided",
          tags: ["review"],
          params: IdParams,
          response: { 204: Type.Null(), ...problemResponses },
        },
      },
      async (request, reply) => {
        const p = requireRole(request, "reviewer");
        const { id } = request.params as { id: string };
        const c = await caseFor(ctx, p, id);
        const lease = c.lease && { leaseId: c.lease.id, claimedAt: c.lease.claimedAt };
        await ctx.store.review.release({ caseId: id, reviewer: p.id, now: ctx.clock(), lease });
        ctx.caseEvents.publish({ type: "released", caseId: id, workflow: c.workflow });
        return reply.code(204).send();
      },
    );
  };
};

/** The active-learning workflows among `learning` whose daily labelling budget is used up today (UTC). */
async function spentBudgets(ctx: AppContext, learning: Workflow[]): Promise<string[]> {
  const since = utcMidnight(ctx.clock());
  const spent: string[] = [];
  for (const w of learning) {
    const budget = w.activeLearning?.dailyBudget;
    if (budget === undefined) continue;
    if ((await ctx.store.learning.countHumanDecisions({ workflow: w.workflow, since })) >= budget)
      spent.push(w.workflow);
  }
  return spent;
}
