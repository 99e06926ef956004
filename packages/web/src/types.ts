/** The API shapes the workspace reads (docs/api.md and docs/workspace-api.md). */

export type Role = "admin" | "automation" | "reviewer" | "auditor";
export type Pattern =
  | "review_and_approve"
  | "exception_routing"
  | "active_learning"
  | "decision_support"
  | "preference_ranking";
/** `done`: on a human_only case, the person did the action themselves and records what they did. */
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

export interface User {
  id: string;
  name: string;
  role: Role;
  workflows: string[] | null;
  username?: string;
  /** The workflows this person owns (older servers: absent). */
  owns?: string[];
}

export interface Session {
  user: User;
  csrfToken: string;
}

export interface RiskClassQueue {
  riskClass: string;
  waiting: number;
  oldestCreatedAt: string | null;
  nextSlaDeadline: string | null;
}

export interface WorkflowQueue {
  workflow: string;
  pattern: Pattern;
  owner: string;
  waiting: number;
  inReview: number;
  riskClasses: RiskClassQueue[];
  slaSeconds: number | null;
}

export interface QueueSummary {
  workflows: WorkflowQueue[];
  me: { decidedToday: number; approvedToday: number; medianHeldSeconds: number | null; holding: string[] };
  serverTime: string;
}

export interface EscalationRule {
  name: string;
  fields: string[];
}

export interface WorkflowInfo {
  workflow: string;
  owner: string;
  pattern: Pattern;
  description: string | null;
  reasons: string[];
  actions: Record<string, { boundary: string }>;
  riskClasses: Record<string, { autoMinConfidence: number | null }>;
  version: string;
  review?: { approvals: number; minReviewSeconds: number; blindFirst: boolean };
  sla?: { reviewWithinSeconds: number | null; onTimeout: string };
  /** The contract gives `{name, fields}`; older servers gave bare names. */
  escalate?: Array<EscalationRule | string>;
}

export interface Explanation {
  route: string;
  riskClass: string;
  boundary: string;
  threshold: number | null;
  confidence: number | null;
  triggers: string[];
  reasons: string[];
  policyVersion: string;
}

export interface DecisionView {
  id: string;
  verdict: Verdict;
  output: unknown;
  reasonCode: string | null;
  note: string | null;
  decidedBy: string;
  decidedByName?: string | null;
  claimedAt: string | null;
  decidedAt: string;
  heldSeconds: number | null;
  /** Four-eyes: this verdict is recorded but more people must agree before the case is decided. */
  approvals?: { count: number; needed: number };
}

export interface EventView {
  seq: number;
  type: string;
  actor: string;
  actorName?: string | null;
  data: Record<string, unknown>;
  at: string;
}

export interface HistoryEntry {
  id: string;
  workflow: string;
  action: string;
  createdAt: string;
  status: string;
  route: string;
  verdict: string | null;
  reasonCode: string | null;
  note: string | null;
  decidedAt: string | null;
}

export interface CaseView {
  id: string;
  workflow: string;
  action: string;
  status: "queued" | "claimed" | "decided" | string;
  route: string;
  riskClass: string;
  confidence: number | null;
  input: unknown;
  proposal: unknown;
  rationale: string | null;
  evidence: unknown[] | null;
  subject: string | null;
  metadata: Record<string, unknown> | null;
  context: Record<string, unknown> | null;
  explanation: Explanation;
  policyVersion: string;
  createdAt: string;
  decidedAt: string | null;
  lease: { holder: string; expiresAt: string } | null;
  /** While held: the earliest time the holder may decide (review.minReviewSeconds). */
  minDecisionAt?: string | null;
  /** The only reviewer who may claim it (a workflow owner assigned it). */
  assignedTo?: string | null;
  /** Who answers for the decision: the decider, or the workflow owner for an auto route. */
  accountable?: { id: string; name: string } | null;
  /** SLA: the deadline, and where a timeout escalated the case with its handoff summary. */
  slaDueAt?: string | null;
  escalatedTo?: string | null;
  handoff?: string | null;
  decisions?: DecisionView[];
  events?: EventView[];
  history?: HistoryEntry[];
  blind?: boolean;
  /** Revisions: the case this one revises (a reviewer asked for changes on it), and its version. */
  revisionOf?: string | null;
  version?: number;
  /** The chain of versions, first to last, when the case has more than one. */
  versions?: VersionView[];
}

/** One version of a revised case: its proposal and the decision on it (request_changes: the feedback). */
export interface VersionView {
  id: string;
  version: number;
  status: string;
  proposal: unknown;
  confidence: number | null;
  rationale: string | null;
  createdAt: string;
  decision: {
    verdict: Verdict;
    output: unknown;
    reasonCode: string | null;
    note: string | null;
    decidedAt: string;
  } | null;
}

export interface Claimed {
  case: CaseView;
  lease: { id: string; expiresAt: string };
}

/** What the reviewer sends: to /decisions, or to /blind-judgment before the reveal. */
export interface VerdictBody {
  verdict: Verdict;
  output?: unknown;
  reasonCode?: string;
  note?: string;
}

/**
 * `POST /v1/cases/:id/decisions/preview`: what a verdict would need and whether the server would take it
 * now, before the reviewer submits it. Nothing is written.
 */
export interface DecisionPreview {
  accepted: boolean;
  /** The problem+json the decision would get (the first rule that refuses it), or null. */
  refusal: {
    title?: string;
    detail?: string;
    status?: number;
    field?: string;
    /** A decision that came too soon: when it would be taken. */
    retryAfterSeconds?: number;
  } | null;
  riskClass: string;
  /** The class of the case as this output would run it. */
  executedClass: string;
  approvals: { needed: number; decides: boolean };
  minReviewSeconds: number;
  releaseDelaySeconds: number;
  reasonRequired: boolean;
  /** What this verdict needs, in sentences for the reviewer. */
  notices: string[];
}

/** `GET /v1/metrics/governance` (docs/api.md, "Governance metrics"). */
export interface ExceptionPattern {
  kind: "reasonCode" | "trigger";
  name: string;
  count: number;
  share: number;
}

export interface Agreement {
  cohenKappa: number | null;
  fleissKappa: number | null;
  krippendorffAlpha: number | null;
  items: number;
}

export interface GovernanceFigures {
  cases: number;
  decisions: number;
  escalationRate: number | null;
  overrideRate: number | null;
  resolutionSeconds: { p50: number | null; p90: number | null; p99: number | null };
  exceptionPatterns: ExceptionPattern[];
  /** null until overlap review has produced items to agree on. */
  consistency: Agreement | null;
  postReviewErrorRate: { auto: number | null; human: number | null };
  postReviewErrorCounts: {
    auto: { incorrect: number; reported: number };
    human: { incorrect: number; reported: number };
  };
}

export interface GovernanceGroup extends GovernanceFigures {
  key: string;
  name?: string | null;
}

export interface GovernanceReport extends GovernanceFigures {
  workflow: string | null;
  since: string;
  until: string;
  /** Absent from a server older than issue 15, item 5. */
  erosion?: Erosion;
  groups?: GovernanceGroup[];
}

/** `GET /v1/oversight/alerts` (docs/oversight.md). */
export interface OversightAlert {
  id: string;
  kind: "rubber_stamp" | "team_rubber_stamp" | "approval_high_errors_rising" | "queue_overload" | string;
  reviewer: string | null;
  reviewerName?: string | null;
  workflow: string;
  evidence: Record<string, unknown>;
  createdAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy?: string | null;
  /** What the owner did, recorded with the acknowledgement. */
  ackAction?: AckAction | null;
  ackNote?: string | null;
}

/** What an owner did about an alert (`POST /v1/oversight/alerts/:id/ack`). */
export type AckAction = "coached" | "paused_reviewer" | "changed_policy" | "dismissed";

/** A reviewer paused from claiming a workflow's cases (`GET /v1/workflows/:name/pauses`). */
export interface ReviewerPause {
  id: string;
  workflow: string;
  reviewer: string;
  reviewerName: string | null;
  alertId: string | null;
  note: string | null;
  pausedBy: string;
  pausedAt: string;
  resumedAt: string | null;
  inForce: boolean;
}

export interface QualityFigures {
  catchTrials: { trials: number; passed: number; passRate: number | null };
  audits: { audited: number; correct: number; incorrect: number; correctRate: number | null };
  postReviewErrors: { reported: number; incorrect: number; rate: number | null };
}

/** `GET /v1/me/quality`: your own figures over the last 30 days, beside your team's. */
export interface OwnQuality {
  workflow: string | null;
  since: string;
  until: string;
  you: QualityFigures & { person: string; name: string | null; decisions: number };
  team: {
    people: number;
    decisions: number | null;
    catchTrials: QualityFigures["catchTrials"] | null;
    audits: QualityFigures["audits"] | null;
    postReviewErrors: QualityFigures["postReviewErrors"] | null;
    withheld: string[];
  };
}

/** One row of `GET /v1/thresholds`' table: what routing at this threshold would have done. */
export interface ThresholdRow {
  threshold: number;
  autoCount: number;
  autoRate: number;
  errors: number;
  errorRate: number | null;
  errorUpperBound: number;
}

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  meanConfidence: number | null;
  accuracy: number | null;
  interval: [number, number] | null;
}

/** `GET /v1/thresholds?workflow=W&maxError=E`: calibration per risk class (docs/thresholds.md). */
export interface ThresholdsReport {
  workflow: string;
  since: string;
  until: string;
  maxError: number;
  level: number;
  selectionBias: string;
  classes: Array<{
    riskClass: string;
    currentThreshold: number | null;
    items: number;
    reviewed: number;
    reliability: { bins: ReliabilityBin[]; items: number; expectedCalibrationError: number | null };
    table: ThresholdRow[];
    recommendation: { threshold: number | null; minCases: number; method: string; reason?: string };
    change: { current: ThresholdRow | null; recommended: ThresholdRow | null };
  }>;
}

/** A share with what backs it (`GET /v1/metrics/governance` → `erosion`). */
export interface ErosionRate {
  count: number;
  of: number;
  rate: number | null;
  interval: { low: number; high: number } | null;
}

export interface ErosionFigures {
  judgments: number;
  matchedModel: ErosionRate;
  decided: number;
  changedAfterReveal: ErosionRate;
  direction: { towardsModel: number; awayFromModel: number; other: number };
  switchedToModel: ErosionRate;
}

/** Skill erosion: blind-first judgments against the model and the final decision. */
export interface Erosion extends ErosionFigures {
  workflows: Array<ErosionFigures & { workflow: string }>;
  /** Only with groupBy=reviewer. */
  reviewers?: Array<ErosionFigures & { reviewer: string; name: string | null }>;
}
