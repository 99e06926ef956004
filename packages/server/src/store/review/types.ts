import type { Verdict } from "@loopgate/core";
import type { CaseRecord } from "../cases/types.js";

/** The review aggregate's records: a claim, the queue summary, a reviewer's day, blind judgments. */

export interface Claimed {
  case: CaseRecord;
  lease: { id: string; expiresAt: number };
  /** The other processes were told with the claim's commit (ClaimArgs.notice): publish it locally only. */
  notified?: boolean;
}

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
