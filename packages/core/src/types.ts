/** Shared vocabulary of Loopgate: one concept, one name, in the API, the database and the UI. */

/** What the policy decided for a case. */
export type Route = "auto" | "review" | "human_only";

/** The per-action boundary a workflow owner sets: the most the machine may do alone. */
export type Boundary = Route;

export type Pattern =
  | "review_and_approve"
  | "exception_routing"
  | "active_learning"
  | "decision_support"
  | "preference_ranking";

export const PATTERNS: readonly Pattern[] = [
  "review_and_approve",
  "exception_routing",
  "active_learning",
  "decision_support",
  "preference_ranking",
];

/**
 * approve/edit/reject/override apply to every pattern; `label` only to active_learning workflows (the
 * reviewer's label for the case) and `rank` only to preference_ranking ones (candidates ordered best
 * first). `done` only to human_only actions: the person did the action themselves and records what they
 * did; the machine's proposal is never handed back to run (see review/needs.ts `verdictsFor`).
 * `respond` (issue 14): the person's answer stands in for the tool's result; nothing is run, `output` is
 * the answer. `request_changes`: nothing is run; `note` is the reviewer's feedback and the automation may
 * submit a revision (a new case linked to this one, `POST /v1/cases/:id/revisions`).
 */
export type Verdict =
  | "approve"
  | "edit"
  | "reject"
  | "override"
  | "label"
  | "rank"
  | "done"
  | "respond"
  | "request_changes";
export const VERDICTS: readonly Verdict[] = [
  "approve",
  "edit",
  "reject",
  "override",
  "label",
  "rank",
  "done",
  "respond",
  "request_changes",
];

/**
 * queued: waiting for a reviewer; claimed: a reviewer holds a lease; decided: a verdict exists
 * (from a person, or from the policy when the route was auto).
 */
export type CaseStatus = "queued" | "claimed" | "decided";

/** What an automation submits. */
export interface CaseSubmission {
  workflow: string;
  action: string;
  input: Record<string, unknown>;
  proposal: unknown;
  confidence: number;
  rationale?: string;
  evidence?: unknown[];
  subject?: string;
  /** Set by the automation only when the workflow has no classifier; otherwise the policy decides. */
  riskClass?: string;
  idempotencyKey?: string;
  callbackUrl?: string;
  metadata?: Record<string, unknown>;
  /** Extra facts for escalation expressions (`context.po.supplier`). */
  context?: Record<string, unknown>;
}

export interface TriggerResult {
  name: string;
  when: string;
  fired: boolean;
}

/** Why a case got its route: enough to explain any decision later. */
export interface RouteExplanation {
  route: Route;
  riskClass: string;
  boundary: Boundary;
  /** The risk class's autoMinConfidence; null means the class never auto-routes. */
  threshold: number | null;
  confidence: number;
  /** Every escalation trigger that fired (those that did not are left out). */
  triggers: string[];
  /** Plain-language reasons, in the order the rules were applied. */
  reasons: string[];
  policyVersion: string;
}
