import { classSettings, type DecisionNeeds, decisionNeeds, endsAlone, type Workflow } from "@loopgate/core";
import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import type { CaseRecord } from "../../store/index.js";
import { caseFacts } from "../../store/index.js";
import { caseFor } from "../cases/case-access.js";
import { type AppContext, workflowOrFail } from "../context.js";
import { type Principal, requireRole } from "../identity/auth.js";
import { problemOf } from "../problem.js";
import { DecideRequestSchema, problemResponses } from "../schemas.js";
import { checkDecision } from "./decision-checks.js";
import type { VerdictBody } from "./verdicts.js";

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

const PreviewSchema = Type.Object({
  accepted: Type.Boolean({ description: "Whether POST …/decisions with this body would be taken now" }),
  refusal: Type.Union([Type.Null(), Type.Record(Type.String(), Type.Unknown())], {
    description: "The problem+json the decision would get: the first rule that refuses it",
  }),
  riskClass: Type.String(),
  executedClass: Type.String({ description: "The class of the case as this output would run it" }),
  approvals: Type.Object({
    needed: Type.Integer({ description: "People who must give this verdict (1 for a reject)" }),
    decides: Type.Boolean({ description: "Whether this verdict would decide the case" }),
  }),
  minReviewSeconds: Type.Number(),
  releaseDelaySeconds: Type.Number(),
  reasonRequired: Type.Boolean(),
  notices: Type.Array(Type.String(), { description: "What this verdict needs, in words for the reviewer" }),
});

/**
 * What a verdict would need and whether it would be taken, before the reviewer submits it: the same
 * checks as the decide route (decision-checks.ts), nothing written. The workspace shows the notices
 * ("this edit moves the case to class high: 2 people must approve") while the reviewer edits.
 */
export const previewRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.post(
      "/v1/cases/:id/decisions/preview",
      {
        schema: {
          summary:
            "What a verdict would need (people, authority, class, review time, delay) and whether it would be taken",
          tags: ["review"],
          params: IdParams,
          body: DecideRequestSchema,
          response: { 200: PreviewSchema, ...problemResponses },
        },
      },
      async (request) => {
        const p = requireRole(request, "reviewer");
        const { id } = request.params as { id: string };
        const body = request.body as VerdictBody;
        const c = await caseFor(ctx, p, id);
        const wf = workflowOrFail(ctx, c.workflow);
        let refusal: Record<string, unknown> | null = null;
        // Unknown while refused: whether it would be the last person's depends on the checks it failed.
        let decides: boolean | undefined;
        let needs: DecisionNeeds;
        try {
          const checked = await checkDecision(ctx, p, c, wf, body);
          needs = checked.needs;
          decides = checked.pendingApprovals === undefined;
        } catch (err) {
          const problem = problemOf(err);
          if (!problem) throw err;
          refusal = problem;
          needs = roughNeeds(wf, p, c, body);
        }
        return {
          accepted: refusal === null,
          refusal,
          riskClass: needs.riskClass,
          executedClass: needs.executedClass,
          approvals: { needed: needs.approvals, decides: decides ?? needs.approvals <= 1 },
          minReviewSeconds: needs.settings.minReviewSeconds,
          releaseDelaySeconds: needs.settings.releaseDelaySeconds,
          reasonRequired: needs.reasonRequired,
          notices: notices(needs, decides),
        };
      },
    );
  };
};

/** The needs of a verdict that was refused: judged on its output when it has one, else on the proposal. */
function roughNeeds(wf: Workflow, p: Principal, c: CaseRecord, body: VerdictBody): DecisionNeeds {
  const output = endsAlone(body.verdict) ? null : (body.output ?? c.proposal);
  try {
    return decisionNeeds(wf, caseFacts(c), body.verdict, output, p.authorityRoles);
  } catch {
    // An output the classifier cannot read: the case's own class is what is known.
    const settings = classSettings(wf, c.riskClass);
    return {
      riskClass: c.riskClass,
      executedClass: c.riskClass,
      settings,
      approvals: settings.approvals,
      authority: { allowed: true },
      reasonRequired: settings.requireReason.includes(body.verdict),
    };
  }
}

function notices(needs: DecisionNeeds, decides: boolean | undefined): string[] {
  const out: string[] = [];
  const people = needs.approvals;
  if (needs.executedClass !== needs.riskClass) {
    out.push(
      `This output moves the case from class ${needs.riskClass} to class ${needs.executedClass}: it needs what class ${needs.executedClass} asks for.`,
    );
  }
  if (people > 1) {
    const who =
      decides === undefined
        ? ""
        : decides
          ? "; yours completes it"
          : "; yours is recorded and the case goes to another person";
    out.push(`${people} people must agree on this output${who}.`);
  }
  if (!needs.authority.allowed) out.push(`Authority: ${needs.authority.message}.`);
  if (needs.settings.minReviewSeconds > 0) {
    out.push(`Look at the case for at least ${needs.settings.minReviewSeconds} s before deciding.`);
  }
  if (needs.settings.releaseDelaySeconds > 0) {
    out.push(
      `The decision is held ${needs.settings.releaseDelaySeconds} s before it is released (it may be revoked until then).`,
    );
  }
  if (needs.reasonRequired) out.push("This verdict needs a reason code here (review.requireReason).");
  return out;
}
