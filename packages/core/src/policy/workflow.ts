import type { ActiveLearningStrategy } from "../learning/active-learning.js";
import type { Boundary, Pattern, Verdict } from "../types.js";

export interface RiskClass {
  /** null: the class never auto-routes. */
  autoMinConfidence: number | null;
  approvals?: number;
  minReviewSeconds?: number;
  blindFirst?: boolean;
  releaseDelaySeconds?: number;
  requireReason?: Verdict[];
}

export interface Action {
  boundary: Boundary;
  /**
   * The output fields a reviewer may change (dotted paths into the proposal, e.g. `amount`,
   * `lines.0.qty`); absent = any. An edit or override changing another field is refused.
   */
  editable?: string[];
  /** JSON Schema the output of an edit, override or done must satisfy (checked by `outputProblem`). */
  outputSchema?: Record<string, unknown>;
}

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
    /**
     * Per class: the confidence the machine needs to act alone, and friction set where the risk is
     * (each value, when set, wins over the workflow's `review` / `release` one; see review/needs.ts).
     */
    classes: Record<string, RiskClass>;
  };
  actions: Record<string, Action>;
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
    /** Verdicts that need a reason code even when they would not otherwise (e.g. approve). */
    requireReason: Verdict[];
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
