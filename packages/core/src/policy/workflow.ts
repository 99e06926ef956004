import type { ActiveLearningStrategy } from "../learning/active-learning.js";
import type { Boundary, Pattern } from "../types.js";

/**
 * A workflow as its owner wrote it, after validation and defaults. The policy helper module
 * (`parse.ts`) produces these; everything else reads them.
 */
export interface Workflow {
  workflow: string;
  owner: string;
  pattern: Pattern;
  description?: string;
  /** The reason-code taxonomy: every non-approve decision names one of these. */
  reasons: string[];
  risk: {
    /** CEL expression over {input, proposal, confidence, context, metadata, subject, action} giving a class name. */
    classify?: string;
    /** Class used when there is no classifier and the automation names none. */
    default?: string;
    classes: Record<string, { autoMinConfidence: number | null }>;
  };
  actions: Record<string, { boundary: Boundary }>;
  /**
   * `fields`: the case fields `when` reads (`input.supplier`, `context.po.supplier`), filled in when the
   * policy is loaded so the workspace can point at them; absent on workflows built in code
   * (`escalationFields()` computes it for those).
   */
  escalate: Array<{ name: string; when: string; fields?: string[] }>;
  review: {
    approvals: number;
    minReviewSeconds: number;
    blindFirst: boolean;
    authority: Array<{ role: string; when: string }>;
    secondReviewWhen?: string;
  };
  release: { delaySeconds: number };
  /**
   * Whether a released decision may be reverted (`POST /v1/cases/:id/revert`, a compensating webhook):
   * true for every action, or the list of actions that may be (see `isReversible`).
   */
  reversible: boolean | string[];
  sla: {
    reviewWithin?: string;
    reviewWithinSeconds?: number;
    onTimeout: "escalate" | "reject" | "approve";
    /** The named role whose queue an escalated case moves to (default "supervisor"). */
    escalateTo: string;
  };
  oversight: {
    auditRate: number;
    catchTrialRate: number;
    overlapRate: number;
    /** Where oversight alerts are POSTed for the owner (signed like case webhooks); absent = none. */
    alertUrl?: string;
  };
  /**
   * Active learning workflows only: the queue hands out the case the model is least sure of first
   * (uncertainty over `proposal.candidates[].probability`), and at most `dailyBudget` labels a UTC day.
   */
  activeLearning?: { strategy: ActiveLearningStrategy; dailyBudget?: number };
  /** Where it came from, and a content hash so every routed case names the policy version it met. */
  source: { file: string; version: string };
}
