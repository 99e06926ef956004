import { Conflict, NotFound, type Workflow } from "@loopgate/core";
import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import type { QueueCount } from "../../store/index.js";
import { caseFacts } from "../../store/index.js";
import { caseFor } from "../cases/case-access.js";
import { caseScreen } from "../cases/case-screen.js";
import { type AppContext, workflowOrFail } from "../context.js";
import { canAccessWorkflow, requireRole } from "../identity/auth.js";
import { enforceMinReviewTime, settingsOf } from "../review/review-rules.js";
import { checkVerdict, type VerdictBody } from "../review/verdicts.js";
import { CaseViewSchema, DecideRequestSchema, problemResponses } from "../schemas.js";
import { QueueSummarySchema } from "./workspace-schemas.js";

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** One workflow's line in the queue summary. */
function workflowSummary(wf: Workflow, counts: QueueCount[]) {
  const sla = wf.sla.reviewWithinSeconds ?? null;
  // The policy's own order of classes (how the owner wrote them), then any class it no longer has.
  const order = Object.keys(wf.risk.classes);
  const rank = (riskClass: string) => {
    const i = order.indexOf(riskClass);
    return i === -1 ? order.length : i;
  };
  const waitingClasses = counts
    .filter((c) => c.waiting > 0 && c.oldestWaitingAt !== null)
    .sort((a, b) => rank(a.riskClass) - rank(b.riskClass) || a.riskClass.localeCompare(b.riskClass))
    .map((c) => {
      const oldest = c.oldestWaitingAt as number;
      return {
        riskClass: c.riskClass,
        waiting: c.waiting,
        oldestCreatedAt: iso(oldest),
        nextSlaDeadline: sla === null ? null : iso(oldest + sla * 1000),
      };
    });
  return {
    workflow: wf.workflow,
    pattern: wf.pattern,
    owner: wf.owner,
    waiting: counts.reduce((n, c) => n + c.waiting, 0),
    inReview: counts.reduce((n, c) => n + c.inReview, 0),
    riskClasses: waitingClasses,
    slaSeconds: sla,
  };
}

/** The workspace's own routes: the queue at a glance, and blind-first judgments. */
export const workspaceRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.get(
      "/v1/queue",
      {
        schema: {
          summary:
            "The queue at a glance: waiting and in-review cases per workflow and risk class, and your day",
          tags: ["workspace"],
          response: { 200: QueueSummarySchema, ...problemResponses },
        },
      },
      async (request) => {
        const p = requireRole(request, "reviewer", "auditor");
        const now = ctx.clock();
        const workflows = [...ctx.policies().workflows.values()]
          .filter((w) => canAccessWorkflow(p, w.workflow))
          .sort((a, b) => a.workflow.localeCompare(b.workflow));
        const dayStart = now - (now % DAY_MS); // epoch ms count UTC days exactly: no leap seconds
        const [counts, day] = await Promise.all([
          ctx.store.review.queueCounts({ workflows: workflows.map((w) => w.workflow), now }),
          ctx.store.review.reviewerDay({ reviewer: p.id, from: dayStart, to: dayStart + DAY_MS, now }),
        ]);
        return {
          workflows: workflows.map((wf) =>
            workflowSummary(
              wf,
              counts.filter((c) => c.workflow === wf.workflow),
            ),
          ),
          me: {
            decidedToday: day.decided,
            approvedToday: day.approved,
            medianHeldSeconds: day.medianHeldMs === null ? null : day.medianHeldMs / 1000,
            holding: day.holding,
          },
          serverTime: iso(now),
        };
      },
    );

    app.post(
      "/v1/cases/:id/blind-judgment",
      {
        schema: {
          summary:
            "Blind-first review: record your own judgment on a case you hold before its recommendation is shown",
          tags: ["review"],
          params: IdParams,
          body: DecideRequestSchema,
          response: { 201: CaseViewSchema, ...problemResponses },
        },
      },
      async (request, reply) => {
        const p = requireRole(request, "reviewer");
        const { id } = request.params as { id: string };
        const body = request.body as VerdictBody;
        const c = await caseFor(ctx, p, id);
        const wf = workflowOrFail(ctx, c.workflow);
        if (!settingsOf(wf, c).blindFirst) {
          throw new Conflict(
            `workflow ${wf.workflow} does not use blind-first review; decide the case directly`,
          );
        }
        if (c.status === "decided") throw new Conflict(`case ${id} is already decided`);
        if (!c.lease || c.lease.holder !== p.id) {
          throw new Conflict(`claim case ${id} before recording a judgment; you do not hold its lease`);
        }
        enforceMinReviewTime(wf, c.lease.claimedAt, ctx.clock(), settingsOf(wf, c).minReviewSeconds);
        // The same rules as a decision, so the blind judgment is comparable with the final one. For
        // approve the judgment stores no output: the reviewer has not seen the proposal it would take.
        const output = checkVerdict(wf, caseFacts(c), body, c.route, c.toolInputSchema);
        await ctx.store.review.recordBlindJudgment({
          caseId: id,
          reviewer: p.id,
          verdict: body.verdict,
          output: body.verdict === "approve" ? null : output,
          reasonCode: body.reasonCode ?? null,
          note: body.note ?? null,
          now: ctx.clock(),
        });
        const detail = await ctx.store.cases.detail(id);
        if (!detail) throw new NotFound(`no case ${id}`);
        return reply.code(201).send(await caseScreen(ctx, p, detail));
      },
    );
  };
};
