import type { QuantileSketch } from "./sketch.js";

/**
 * The rows, tallies and figures of the governance metrics (definitions in governance.ts and docs/api.md),
 * and the verdict and decider sets every metric agrees on.
 */

/** A case submitted in the window. */
export interface SubmittedCaseRow {
  route: string;
  riskClass: string;
  createdAt: number;
  /** The escalation triggers that fired when it was routed. */
  triggers: readonly string[];
}

/** A case decided in the window (its final decision). */
export interface ResolvedCaseRow {
  riskClass: string;
  createdAt: number;
  decidedAt: number;
  /**
   * Who approved it, from its final (not revoked) decision: `auto` when the policy decided it (route
   * auto), `human` when a person approved it (approve, edit, override, label, rank), null otherwise
   * (rejected, an SLA default, no decision). Absent counts as null.
   */
  approval?: Approval | null;
  /** The person who approved it (approval `human`), for the reviewer groups. */
  approvedBy?: string | null;
  /** The latest reported outcome, null (or absent) when none was reported. */
  outcome?: OutcomeResult | null;
}

export type Approval = "auto" | "human";
export type OutcomeResult = "correct" | "incorrect";

/** A decision recorded in the window, with its case's risk class and submit time. */
export interface DecisionRow {
  decidedBy: string;
  verdict: string;
  reasonCode: string | null;
  decidedAt: number;
  revokedAt: number | null;
  riskClass: string;
  caseCreatedAt: number;
}

export interface GovernanceRows {
  submitted: readonly SubmittedCaseRow[];
  resolved: readonly ResolvedCaseRow[];
  decisions: readonly DecisionRow[];
}

/**
 * What the figures are computed from: the rows of a window counted by group key. The store keeps them
 * in rollups per day and counts the partial days at a window's edges in SQL; `tallyRows` counts rows
 * the same way. `key` is the group (a reviewer, a risk
 * class, a UTC day YYYY-MM-DD) or any one value when the window is not grouped.
 */
export interface GovernanceTallies {
  /** Submitted cases by key and route (none for reviewer groups). */
  routes: readonly RouteCount[];
  /** Submitted cases that fired each trigger, by key (none for reviewer groups). */
  triggers: readonly TriggerCount[];
  /** Human decisions (`isHumanDecision`) by key, verdict and reason code. */
  verdicts: readonly VerdictCount[];
  /**
   * Resolution times in milliseconds by key, as sketches (sketch.ts: percentiles within
   * `SKETCH_RELATIVE_ERROR`, mergeable across days): cases decided in the window, submit to decision;
   * a reviewer's own decisions for a reviewer group.
   */
  resolutionMs: ReadonlyMap<string, QuantileSketch>;
  /** Approved cases with an outcome, by key, who approved and the outcome that counts. */
  reported: readonly ReportedCount[];
}

export interface RouteCount {
  key: string;
  route: string;
  count: number;
}

export interface TriggerCount {
  key: string;
  trigger: string;
  count: number;
}

export interface VerdictCount {
  key: string;
  verdict: string;
  reasonCode: string | null;
  count: number;
}

export interface ReportedCount {
  key: string;
  approval: Approval;
  outcome: OutcomeResult;
  count: number;
}

export interface ExceptionPattern {
  kind: "reasonCode" | "trigger";
  name: string;
  count: number;
  /** count / human decisions (reason codes) or count / submitted cases (triggers). */
  share: number;
}

/** Nearest-rank percentiles in seconds; from a sketch, each within `SKETCH_RELATIVE_ERROR` of the exact one. */
export interface Percentiles {
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

export interface GovernanceFigures {
  /** Cases submitted in the window (for a reviewer group: distinct cases the reviewer decided). */
  cases: number;
  /** Human decisions in the window, revoked ones left out (the denominator of overrideRate). */
  decisions: number;
  /** null when no case was submitted (and always for a reviewer group). */
  escalationRate: number | null;
  /** null when there was no human decision. */
  overrideRate: number | null;
  resolutionSeconds: Percentiles;
  exceptionPatterns: ExceptionPattern[];
  /** Share of approved cases with an outcome whose latest outcome is `incorrect`; null with none. */
  postReviewErrorRate: { auto: number | null; human: number | null };
  /** The counts behind postReviewErrorRate. */
  postReviewErrorCounts: { auto: ErrorCount; human: ErrorCount };
}

export interface ErrorCount {
  /** Cases whose latest outcome is `incorrect`. */
  incorrect: number;
  /** Cases with at least one outcome (the denominator). */
  reported: number;
}

export type GroupBy = "reviewer" | "riskClass" | "day";

/** Deciders that are the system, not a person. */
export const SYSTEM_DECIDERS: readonly string[] = ["policy", "sla"];
export const ESCALATED_ROUTES: readonly string[] = ["review", "human_only"];
/**
 * Verdicts by which a person did not let the machine's proposal run as it was. A respond counts: the
 * person answered in the tool's place, so the proposed call was replaced, as much a correction as an
 * override. A request for changes counts too: the proposal was sent back (its revision is a case of its
 * own, counted on its own verdict), so a model that keeps being asked for changes shows it here.
 */
export const OVERRIDE_VERDICTS: readonly string[] = [
  "edit",
  "reject",
  "override",
  "respond",
  "request_changes",
];
export const TOP_PATTERNS = 10;
/**
 * Verdicts by which a person approves the work (possibly corrected), and so answers for its result;
 * reject and request_changes are not (nothing ran). A respond is: the person's answer is the result.
 */
export const APPROVING_VERDICTS: readonly string[] = [
  "approve",
  "edit",
  "override",
  "label",
  "rank",
  "respond",
];
