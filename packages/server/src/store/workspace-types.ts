import type { CaseStatus, Route, Verdict } from "@loopgate/core";

/** Records behind the reviewer workspace: the queue summary, a subject's history, blind judgments. */

/** The undecided cases of one workflow and risk class, counted at `now`. */
export interface QueueCount {
  workflow: string;
  riskClass: string;
  /** Queued, or claimed under a lease that has expired (the next claim takes it). */
  waiting: number;
  /** createdAt of the oldest waiting case; null when none waits. */
  oldestWaitingAt: number | null;
  /** Claimed under a live lease. */
  inReview: number;
}

/** One reviewer's work between two instants (a day), and what they hold now. */
export interface ReviewerDay {
  decided: number;
  approved: number;
  /** Median claim-to-decision time of those decisions; null when there were none. */
  medianHeldMs: number | null;
  /** Ids of the cases the reviewer holds a live lease on, oldest claim first. */
  holding: string[];
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

/** What a reviewer judged before seeing the model's recommendation (blind-first review). */
export interface BlindJudgment {
  /** The claim it was recorded under: one judgment per claim. */
  leaseId: string;
  reviewer: string;
  verdict: Verdict;
  output: unknown;
  reasonCode: string | null;
  note: string | null;
  at: number;
}
