import type { CaseSubmission } from "@loopgate/core";
import type { NewCase, NewEvent } from "../../store/index.js";

/** The rows a new case is stored with, built alike for a submitted case and the shadow cases mixed in. */

/** What a case is about, as an automation submits it (and an owner writes a gold item). */
export type CaseContent = Pick<
  CaseSubmission,
  | "action"
  | "input"
  | "proposal"
  | "confidence"
  | "rationale"
  | "evidence"
  | "subject"
  | "metadata"
  | "context"
>;

/** The same as the store keeps it, for cases and gold cases alike: an optional field left out is null. */
export function storedContent(s: CaseContent) {
  return {
    action: s.action,
    confidence: s.confidence,
    input: s.input,
    proposal: s.proposal,
    rationale: s.rationale ?? null,
    evidence: s.evidence ?? null,
    subject: s.subject ?? null,
    metadata: s.metadata ?? null,
    context: s.context ?? null,
  };
}

/** The events every new case starts with: submitted by its key, then routed by the policy. */
export function submittedEvents(c: NewCase): NewEvent[] {
  return [
    {
      type: "submitted",
      caseId: c.id,
      actor: c.submittedBy,
      data: { workflow: c.workflow, action: c.action, idempotencyKey: c.idempotencyKey },
      at: c.createdAt,
    },
    {
      type: "routed",
      caseId: c.id,
      actor: "policy",
      data: {
        route: c.explanation.route,
        riskClass: c.explanation.riskClass,
        triggers: c.explanation.triggers,
        // On the audit chain too: the row's flag decides the views, the event shows it was set at submit.
        ...(c.blindSampled && { blindSampled: true }),
      },
      at: c.createdAt,
    },
  ];
}
