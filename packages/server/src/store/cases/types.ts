import type { CaseStatus, Route, RouteExplanation, Verdict } from "@loopgate/core";
import type { EventRecord } from "./events.js";

/** The records of the case aggregate: a case, its decisions and (events.ts) its events. */

export interface NewCase {
  id: string;
  workflow: string;
  action: string;
  status: CaseStatus;
  route: Route;
  riskClass: string;
  confidence: number;
  input: unknown;
  proposal: unknown;
  rationale: string | null;
  evidence: unknown[] | null;
  subject: string | null;
  metadata: Record<string, unknown> | null;
  context: Record<string, unknown> | null;
  explanation: RouteExplanation;
  idempotencyKey: string | null;
  /** sha256 of the canonical submission, to tell a retry from a different case reusing a key. */
  requestHash: string;
  callbackUrl: string | null;
  /** The automation key that submitted it. */
  submittedBy: string;
  policyVersion: string;
  createdAt: number;
  /**
   * Shadow cases (migration 008) never reach an automation and never count in the governance rates:
   * a catch trial names its known-answer case, an overlap copy the real case it repeats. Never shown
   * to reviewers or automations (they must look like any other case).
   */
  goldId?: string | null;
  overlapOf?: string | null;
  /** Revisions (migration 020): the case this one revises, and its place along the chain (1 first). */
  revisionOf?: string | null;
  version?: number;
  /** The JSON Schema of the tool's arguments sent with the case; proposal and edits must meet it. */
  toolInputSchema?: Record<string, unknown> | null;
  /**
   * Active-learning workflows: the model's uncertainty by the workflow's strategy (core
   * `uncertainty`); the most uncertain waiting case of such a workflow is handed out first. Default 0.
   */
  priority?: number;
  /**
   * Drawn at submit for a blind judgment (`review.blindSampleRate`, core `inBlindSample`): reviewers see
   * the case as under blind-first review. Default false.
   */
  blindSampled?: boolean;
}

/** Release delay, revert and SLA state of a case (migration 005; timers in timers/). */
export interface CaseTiming {
  /** A held decision is released to the automation at this time; null when nothing is held. */
  releaseAt: number | null;
  /** When the timer worker recorded the release (`decision_released`). */
  releasedAt: number | null;
  /** When a released decision was reverted (compensating webhook). */
  revertedAt: number | null;
  /** The SLA deadline of an undecided case. */
  slaDueAt: number | null;
  /** The named role an SLA timeout escalated the case to. */
  escalatedTo: string | null;
  /** Why it was escalated, who held it, notes: written on escalation for the next reviewer. */
  handoff: string | null;
}

export const NO_TIMING: CaseTiming = {
  releaseAt: null,
  releasedAt: null,
  revertedAt: null,
  slaDueAt: null,
  escalatedTo: null,
  handoff: null,
};

export interface CaseRecord extends NewCase, CaseTiming {
  goldId: string | null;
  overlapOf: string | null;
  blindSampled: boolean;
  revisionOf: string | null;
  version: number;
  toolInputSchema: Record<string, unknown> | null;
  decidedAt: number | null;
  lease: { id: string; holder: string; claimedAt: number; expiresAt: number } | null;
  /** The only reviewer (user or key id) who may claim it, set by a workflow owner; null = anyone. */
  assignedTo: string | null;
}

export interface DecisionRecord {
  id: string;
  caseId: string;
  /** Key id of the reviewer, or "policy" for an auto-routed case. */
  decidedBy: string;
  verdict: Verdict;
  output: unknown;
  reasonCode: string | null;
  note: string | null;
  /** When the decider took the case (claim time); null for policy decisions. */
  claimedAt: number | null;
  decidedAt: number;
  /** How long the reviewer held the case, claim to decision, in ms; null for policy decisions. */
  heldMs: number | null;
  /** Set when the decision was revoked inside its release window; absent or null otherwise. */
  revokedAt?: number | null;
}

export type NewDecision = Omit<DecisionRecord, "caseId">;

export interface CaseDetail extends CaseRecord {
  decisions: DecisionRecord[];
  events: EventRecord[];
}

/** An earlier case of the same subject, with its latest decision (null while undecided). */
export interface HistoryEntry {
  id: string;
  workflow: string;
  action: string;
  createdAt: number;
  status: CaseStatus;
  route: Route;
  decision: { verdict: Verdict; reasonCode: string | null; note: string | null; decidedAt: number } | null;
}
