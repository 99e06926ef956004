import type { Erosion, GovernanceGroup, GovernanceReport } from "../metrics/governance.js";

/** Everything one governance report shows: what `collect.ts` reads and `html.ts` renders. */
export interface ReportData {
  workflow: string;
  /** The workflow's accountable owner, from its policy. */
  owner: string;
  /** The content version of the workflow's policy file. */
  policyVersion: string;
  /** [since, until), epoch ms. */
  since: number;
  until: number;
  generatedAt: number;
  /** The whole window's figures, as `GET /v1/metrics/governance` answers them. */
  figures: Omit<GovernanceReport, "groups" | "erosion">;
  /** Reviewer agreement, null while it is not computed. */
  consistency: Consistency | null;
  /** groupBy "day": only the days with activity, sorted. */
  days: GovernanceGroup[];
  /** groupBy "reviewer". */
  reviewers: GovernanceGroup[];
  /** Skill erosion, with the per-reviewer figures (absent: not collected). */
  erosion?: Erosion;
  /** Oversight alerts raised in the window. */
  alerts: ReportAlert[];
  /** Stop-button suspensions in force at any time in the window (absent: not collected). */
  suspensions?: ReportSuspension[];
  /** Reviewers paused from the workflow at any time in the window (absent: not collected). */
  pauses?: ReportPause[];
}

/** A reviewer paused by the owner (usually from an alert), and who resumed them. */
export interface ReportPause {
  id: string;
  reviewer: string;
  reviewerName: string;
  alertId: string | null;
  note: string | null;
  pausedByName: string;
  pausedAt: number;
  resumedByName: string | null;
  /** null: still paused when the report was made. */
  resumedAt: number | null;
  resumeNote: string | null;
}

/** A suspension of the workflow or one action (the stop button), with who pressed and released it. */
export interface ReportSuspension {
  id: string;
  /** null: the whole workflow. */
  action: string | null;
  reason: string;
  suspendedBy: string;
  suspendedByName: string;
  suspendedAt: number;
  resumedBy: string | null;
  resumedByName: string | null;
  /** null: still in force when the report was made. */
  resumedAt: number | null;
  resumeNote: string | null;
}

export interface Consistency {
  cohenKappa: number | null;
  fleissKappa: number | null;
  krippendorffAlpha: number | null;
  /** Items behind the figures: `all` for the overall count, and one per statistic when known. */
  items: Record<string, number>;
}

export interface ReportAlert {
  id: string;
  kind: string;
  reviewer: string | null;
  reviewerName: string | null;
  /** What the detector measured; rendered as plain sentences where the fields are known. */
  evidence: unknown;
  createdAt: number;
  acknowledgedAt: number | null;
  acknowledgedByName?: string | null;
  /** What the owner did (coached, paused_reviewer, changed_policy, dismissed), and why. */
  ackAction?: string | null;
  ackNote?: string | null;
}
