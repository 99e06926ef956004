import type { CaseRecord, DecisionRecord } from "../cases/types.js";
import type { StoreEngine } from "../engine.js";
import { assignCase } from "./assign.js";
import { type BlindJudgmentArgs, blindJudgments, recordBlindJudgment } from "./blind.js";
import { type ClaimArgs, claimNext } from "./claim.js";
import { type RecordDecisionArgs, recordDecision, releaseCase } from "./decide.js";
import { type ForecastFacts, forecastFacts } from "./forecast.js";
import { queueCounts, reviewerDay } from "./queue.js";
import { type RevertArgs, type RevokeArgs, revertDecision, revokeDecision } from "./reversible.js";
import type { BlindJudgment, Claimed, QueueCount, ReviewerDay } from "./types.js";

/**
 * Review: a person taking a case under a lease and deciding it, with the rules the store enforces
 * (exclusive claims, assignment, four-eyes approvals, overlap independence, blind-first judgments) and
 * the reversible actions on a decision (revoke inside the release window, revert after it).
 */
export interface ReviewStore {
  /**
   * Takes the oldest waiting case (queued, or claimed with an expired lease) in the given workflows
   * (all when undefined) for `reviewer`, exclusively: no two callers ever get the same case while a
   * lease is live. Writes a `claimed` event (and `lease_expired` when it takes over a stale lease).
   */
  claimNext(args: ClaimArgs): Promise<Claimed | undefined>;
  /**
   * Records a reviewer's decision. The reviewer must hold a live lease on the case, else Conflict
   * (NotFound for an unknown case). The store fills claimedAt from the lease, decidedAt = now and
   * heldMs = now - claimedAt. Case update, decision row, `decided` event and optional outbox row
   * commit together. `pendingApprovals` given (four-eyes, more approvals needed): the decision row is
   * recorded with `approved` and `second_review_needed` events instead, and the case goes back to the queue.
   * `person` given: PausedWhileDeciding (a Conflict) while that person is paused in the case's workflow.
   */
  recordDecision(args: RecordDecisionArgs): Promise<{ case: CaseRecord; decision: DecisionRecord }>;
  /** Gives a held case back to the queue (a `released` event). Conflict when `reviewer` does not hold it. */
  release(args: {
    caseId: string;
    reviewer: string;
    now: number;
    /** The lease as read with the case, if it was: saves reading it again. */
    lease?: { leaseId: string; claimedAt: number } | null;
  }): Promise<void>;
  /**
   * Assigns an undecided case to one reviewer (an `assigned` event): only they may claim it until it is
   * decided or they release it. A live lease held by someone else ends (the case goes back to the
   * queue). NotFound for an unknown case, Conflict for a decided one.
   */
  assign(args: {
    caseId: string;
    to: string;
    by: string;
    note: string | null;
    now: number;
  }): Promise<CaseRecord>;
  /**
   * Revokes the held decision of a case inside its release window: marks it revoked, cancels its
   * undelivered webhooks and release timer, puts the case back in the queue, writes `revoked`.
   * Conflict when the case holds no decision or the window has passed.
   */
  revoke(args: RevokeArgs): Promise<CaseRecord>;
  /** Marks a released decision reverted, writes `reverted` and the compensating webhook. Conflict when already reverted. */
  revert(args: RevertArgs): Promise<CaseRecord>;
  /**
   * Records the lease holder's own judgment on a blind-first case (event `blind_judgment`). Conflict when
   * `reviewer` does not hold a live lease on it, or already recorded one under this lease.
   */
  recordBlindJudgment(args: BlindJudgmentArgs): Promise<BlindJudgment>;
  /** The blind judgment recorded under `leaseId` on a case, if any. */
  findBlindJudgment(caseId: string, leaseId: string): Promise<BlindJudgment | undefined>;
  /** Waiting and in-review counts of undecided cases per workflow and risk class, in `workflows` (all when undefined). */
  queueCounts(args: { workflows?: string[]; now: number }): Promise<QueueCount[]>;
  /** What `reviewer` decided in [from, to), and the cases they hold at `now`. */
  reviewerDay(args: { reviewer: string; from: number; to: number; now: number }): Promise<ReviewerDay>;
  /**
   * One workflow's waiting work and its team's pace over `paceMs` before `now`, for the queue-depth
   * forecast: how many wait, the oldest `limit(decidedInWindow)` creation times, and people's decisions.
   */
  forecastFacts(args: {
    workflow: string;
    now: number;
    paceMs: number;
    limit: (decidedInWindow: number) => number;
  }): Promise<ForecastFacts>;
}

export function reviewStore(engine: StoreEngine): ReviewStore {
  const { db } = engine;
  return {
    claimNext: (args) => claimNext(engine, args),
    recordDecision: (args) => engine.notifyingTransaction(args.notice, (trx) => recordDecision(trx, args)),
    release: (args) => db.transaction().execute((trx) => releaseCase(trx, args)),
    assign: (args) => db.transaction().execute((trx) => assignCase(trx, args)),
    revoke: (args) => revokeDecision(db, engine.lockRow, args),
    revert: (args) => revertDecision(db, engine.lockRow, args),
    recordBlindJudgment: (args) => db.transaction().execute((trx) => recordBlindJudgment(trx, args)),
    findBlindJudgment: async (caseId, leaseId) =>
      (await blindJudgments(db, caseId)).find((j) => j.leaseId === leaseId),
    queueCounts: (args) => queueCounts(db, args),
    reviewerDay: (args) => reviewerDay(db, args),
    forecastFacts: (args) => forecastFacts(db, args),
  };
}
