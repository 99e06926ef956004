/** The wire shapes of the Loopgate API, as the SDK sends and receives them. */

export type Route = "auto" | "review" | "human_only";
/**
 * `label` only on active_learning workflows, `rank` only on preference_ranking ones. `done` only on
 * human_only actions: the person did the action themselves and `output` is their record of it.
 * `respond`: the person answered in the tool's place; `output` is the answer, the tool must not run.
 * `request_changes`: nothing runs; `note` is the reviewer's feedback; revise with `Loopgate.revise`.
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
  /**
   * The JSON Schema of the tool's arguments: the server refuses a proposal that breaks it, and never
   * records a person's edit that breaks it, so an edited call always fits the tool.
   */
  toolInputSchema?: Record<string, unknown>;
}

/** A revised proposal, after a reviewer's `request_changes` (`Loopgate.revise`). */
export interface RevisionInput<Proposal = unknown> {
  proposal: Proposal;
  confidence: number;
  rationale?: string;
  /** Left out: the revised case's input. */
  input?: Record<string, unknown>;
  evidence?: unknown[];
  /**
   * Your key for this revision (an adapter sends the revising tool call's): resent with the same key
   * it answers the same revision; another call presenting the same revision under another key gets a
   * 409, never the first one's decision.
   */
  idempotencyKey?: string;
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
  /** The case this one revises (null for a first version), and its place along the chain (1 first). */
  revisionOf?: string | null;
  version?: number;
}

/** A revision: a new case linked to the one a reviewer asked changes on. */
export type Revised = Submitted & { revisionOf: string; version: number };

export interface Decision<Output = unknown> {
  caseId: string;
  status: "decided";
  route: Route;
  /**
   * True when the case's route is human_only: a person does the action, never the automation. `output`
   * is then what the person recorded they did (`done`) or null (`reject`), never your proposal, and
   * `gate()` never runs your function (it throws `HumanOwned` or `Rejected`).
   */
  humanOwned: boolean;
  verdict: Verdict;
  /**
   * What to run: the proposal (approve), the reviewer's version (edit/override), the label (label:
   * `LabelOutput`), the ranking (rank: `RankOutput`), null (reject, request_changes). For respond: the
   * person's answer, to use as the tool's result (nothing runs). When `humanOwned`: nothing to run,
   * the person's own record of what they did (done) or null.
   */
  output: Output;
  reasonCode: string | null;
  note: string | null;
  /** A reviewer's key id, or "policy" when the case was auto-routed. */
  decidedBy: string;
  decidedAt: string;
  workflow?: string;
  action?: string;
  /**
   * The signature binding this decision to its case, action and output (check with `verifyDecision`
   * before running `output`): its decision id, the sha256 of `output`'s canonical JSON, the base64
   * Ed25519 signature, and the id of the key (`GET /v1/decision-key`). Absent only from servers older
   * than signed decisions, and then `verifyDecision` is false.
   */
  decisionId?: string;
  outputHash?: string;
  signature?: string;
  signatureKeyId?: string;
}

/**
 * The body of a `case.decided` webhook (verify it with `verifyWebhook` before trusting it). The same
 * decision as `Decision`; with `humanOwned: true` a person does the action and `output` is their record
 * (`done`) or null, never the proposal: do not act on it.
 */
export interface DecidedWebhook<Output = unknown> extends Omit<Decision<Output>, "status"> {
  type: "case.decided";
  workflow: string;
  action: string;
  /** Only the submitting automation's own values: the idempotency key it sent, the case's subject and metadata. */
  idempotencyKey: string | null;
  subject: string | null;
  metadata: Record<string, unknown> | null;
}
