import type { GoldExpectation } from "./catch-trials.js";

/** One reviewer decision as the rubber-stamp checks need it. */
export interface ReviewDecision {
  reviewer: string;
  workflow: string;
  verdict: string;
  /** Dwell time: how long the reviewer held the case before deciding, in milliseconds. */
  heldMs: number;
  /** Decision time, epoch milliseconds or ISO-8601; orders the reviewer's own history. */
  at: number | string;
  /**
   * Present when the case was a catch trial (known-answer case); `expected` is the gold answer, so a
   * trial whose proposal is wrong (`reject`) is known-wrong work.
   */
  catchTrial?: { passed: boolean; expected?: GoldExpectation };
  /**
   * Present when an auditor has judged the case this decision approved (audits draw approved cases only):
   * `correct: false` is an approval of work later found wrong.
   */
  audit?: { correct: boolean };
  /** The least time the policy let the reviewer hold this case (its class's `minReviewSeconds`), in ms. */
  minReviewMs?: number;
}
