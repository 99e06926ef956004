/** The wire shapes of the Loopgate API, as the SDK sends and receives them. */

export type Route = "auto" | "review" | "human_only";
/** `label` only on active_learning workflows, `rank` only on preference_ranking ones. */
export type Verdict = "approve" | "edit" | "reject" | "override" | "label" | "rank";

/** The output of a `label` verdict: the reviewer's label for the case. */
export interface LabelOutput {
  label: string;
}

/** The output of a `rank` verdict: candidate ids, best first; `tie` when they could not be told apart. */
export interface RankOutput {
  ranking: string[];
  tie: boolean;
}

export interface CaseInput<Proposal = unknown> {
  /** A workflow loaded on the server, e.g. "invoice.approve". */
  workflow: string;
  /** One of the workflow's actions, e.g. "pay". */
  action: string;
  /** The source the model worked from (document fields, the message, ...). */
  input: Record<string, unknown>;
  /** What the model proposes to do or send. */
  proposal: Proposal;
  /** The model's confidence, 0..1. */
  confidence: number;
  rationale?: string;
  evidence?: unknown[];
  /** Who or what the case concerns, so reviewers see its history. */
  subject?: string;
  riskClass?: string;
  /** Send the same key again (a retry) and you get the same case back, never a duplicate. */
  idempotencyKey?: string;
  /** Where to POST the signed decision webhook. */
  callbackUrl?: string;
  metadata?: Record<string, unknown>;
  /** Extra facts the workflow's escalation rules read (`context.po.supplier`). */
  context?: Record<string, unknown>;
}

export interface RouteExplanation {
  route: Route;
  riskClass: string;
  boundary: Route;
  threshold: number | null;
  confidence: number;
  triggers: string[];
  reasons: string[];
  policyVersion: string;
}

export interface Submitted {
  id: string;
  route: Route;
  status: "queued" | "claimed" | "decided";
  riskClass: string;
  explanation: RouteExplanation;
}

export interface Decision<Output = unknown> {
  caseId: string;
  status: "decided";
  route: Route;
  verdict: Verdict;
  /**
   * What to run: the proposal (approve), the reviewer's version (edit/override), the label (label:
   * `LabelOutput`), the ranking (rank: `RankOutput`), null (reject).
   */
  output: Output;
  reasonCode: string | null;
  note: string | null;
  /** A reviewer's key id, or "policy" when the case was auto-routed. */
  decidedBy: string;
  decidedAt: string;
}
