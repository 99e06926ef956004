import { escalationFields, type Workflow } from "@loopgate/core";

/** A loaded workflow as `GET /v1/workflows` shows it: what reviewers and the workspace need to know. */
export function workflowView(w: Workflow) {
  return {
    workflow: w.workflow,
    owner: w.owner,
    pattern: w.pattern,
    description: w.description ?? null,
    reasons: w.reasons,
    actions: w.actions,
    riskClasses: w.risk.classes,
    version: w.source.version,
    file: w.source.file,
    review: {
      approvals: w.review.approvals,
      minReviewSeconds: w.review.minReviewSeconds,
      blindFirst: w.review.blindFirst,
    },
    sla: {
      reviewWithinSeconds: w.sla.reviewWithinSeconds ?? null,
      onTimeout: w.sla.onTimeout,
      escalateTo: w.sla.escalateTo,
    },
    release: { delaySeconds: w.release.delaySeconds },
    reversible: w.reversible,
    // The workspace highlights these fields when the trigger fired on a case (explanation.triggers).
    escalate: escalationFields(w),
  };
}
