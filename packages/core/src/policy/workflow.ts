import type { ActiveLearningStrategy } from "../learning/active-learning.js";
import type { Boundary, Pattern, Verdict } from "../types.js";
import type { NotifySettings } from "./notify.js";

/**
 * Workload and fatigue limits (policy `review.limits`, issue 15 item 2; checked by review/workload.ts): the guide's complacency grows
 * "as queues grow", so a workflow's owner can cap what one person takes on. Counted per person (a user
 * and their keys are one) and per workflow.
 */
export interface WorkloadLimits {
  /** Cases one person may hold (claimed, lease alive) at once. */
  maxHeld?: number;
  /** Decisions one person may make in a UTC day. */
  dailyDecisions?: number;
  /** After this long deciding without a break, claims wait for one... */
  continuousWorkSeconds?: number;
  /** ...of this long without a decision. */
  breakSeconds?: number;
}

/** What a submission meets while its workflow or action is suspended (the stop button). */
export type SuspendedSubmit = "review" | "reject";
export const SUSPENDED_SUBMIT: readonly SuspendedSubmit[] = ["review", "reject"];

/**
 * Deployers keep the logs of a high-risk AI system at least six months (EU AI Act Art. 26(6)): 183 days
 * covers any six calendar months.
 */
export const RETENTION_MIN_DAYS = 183;

/** The days a workflow's finished cases are kept. */
export function retentionDays(wf: Pick<Workflow, "retention">): number {
  return wf.retention?.days ?? RETENTION_MIN_DAYS;
}

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
    /**
     * The share of cases (0..1) that ask for a blind judgment although the class is not blind-first, so
     * skill erosion is measured without making every case blind (`inBlindSample`). Absent = 0.
     */
    blindSampleRate?: number;
    authority: Array<{ role: string; when: string }>;
    secondReviewWhen?: string;
    /** Verdicts that need a reason code even when they would not otherwise (e.g. approve). */
    requireReason: Verdict[];
    /** What one person may take on at once, in a day, and without a break (review/workload.ts). */
    limits?: WorkloadLimits;
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
    /** Scheduled audits: each period of this length, a draw of `auditRate` of its approvals (workers/audit-schedule.ts). */
    auditEvery?: string;
    auditEverySeconds?: number;
    catchTrialRate: number;
    overlapRate: number;
    /**
     * The share of catch trials a reviewer (or the team) may miss, and of known-wrong work they may
     * approve, before the absolute checks flag them (oversight/absolute-checks.ts); in (0, 1), default 0.1.
     */
    maxCatchTrialMissRate: number;
    /** Where oversight alerts are POSTed for the owner (signed like case webhooks); absent = none. */
    alertUrl?: string;
  };
  /**
   * Active learning workflows only: the queue hands out the case the model is least sure of first
   * (uncertainty over `proposal.candidates[].probability`), and at most `dailyBudget` labels a UTC day.
   */
  activeLearning?: { strategy: ActiveLearningStrategy; dailyBudget?: number };
  /**
   * While an admin or the owner has suspended the workflow (or one action): `review` routes what would
   * have been auto to a person, `reject` refuses every submission with a 503. Absent = `review`.
   */
  suspension?: { onSubmit: SuspendedSubmit };
  /**
   * How long a finished case is kept before `loopgate purge` deletes it (absent = RETENTION_MIN_DAYS).
   * Fewer days than the minimum need `belowMinimumBecause`, the operator's recorded reason.
   */
  retention?: { days: number; belowMinimumBecause?: string };
  /** Who hears that a case waits for review (Slack, email) and when they get a digest instead. */
  notify?: NotifySettings;
  /** Where it came from, and a content hash so every routed case names the policy version it met. */
  source: { file: string; version: string };
}
