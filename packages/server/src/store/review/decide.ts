import { randomUUID } from "node:crypto";
import { Conflict, NotFound } from "@loopgate/core";
import type { Selectable } from "kysely";
import { appendChained, type ChainItem, headColumns, insertRows, linkAll } from "../audit/append.js";
import { ChainCursor } from "../audit/chain.js";
import { eventToRow, type NewEvent } from "../cases/events.js";
import { decisionToRow, rowToCase } from "../cases/rows.js";
import type { CaseRecord, DecisionRecord } from "../cases/types.js";
import { rollupDecision } from "../metrics/rollup-writes.js";
import { insertOutbox } from "../outbox/rows.js";
import type { NewOutboxMessage } from "../outbox/types.js";
import type { Tx } from "../rows.js";
import type { CasesTable } from "../schema.js";
import { insertTimers } from "../timers/rows.js";

/** A reviewer ending their lease: with a decision, with one approval of several, or by giving it back. */

export interface RecordDecisionArgs {
  caseId: string;
  reviewer: string;
  decisionId: string;
  verdict: DecisionRecord["verdict"];
  output: unknown;
  reasonCode: string | null;
  note: string | null;
  outbox?: NewOutboxMessage;
  /** Hold the decision until then (release.delaySeconds): stored on the case with a `release` timer. */
  releaseAt?: number;
  now: number;
  /** Four-eyes: set when this approval is not the last one needed (so the case is not decided). */
  pendingApprovals?: { count: number; needed: number };
}

export async function recordDecision(
  trx: Tx,
  args: RecordDecisionArgs,
): Promise<{ case: CaseRecord; decision: DecisionRecord }> {
  // Four-eyes, not the last approval needed: recorded, and the case goes back to the queue undecided.
  if (args.pendingApprovals) return recordApproval(trx, args, args.pendingApprovals);
  const { caseId, reviewer, now } = args;
  let decision = undefined as unknown as DecisionRecord;
  let row = await takeBackLease(
    trx,
    caseId,
    reviewer,
    now,
    { status: "decided", decided_at: now },
    (held) => {
      decision = decisionFromLease(args, held.claimedAt);
      return decisionRows(decision, [
        { type: "decided", caseId, actor: reviewer, data: decisionEventData(decision), at: now },
      ]);
    },
  );
  if (args.outbox) await insertOutbox(trx, args.outbox);
  if (args.releaseAt !== undefined) {
    // Held (release.delaySeconds): the release timer writes `decision_released` when the window ends.
    await trx.updateTable("cases").set({ release_at: args.releaseAt }).where("id", "=", caseId).execute();
    row = { ...row, release_at: args.releaseAt };
    const timer = { id: `tmr_${randomUUID()}`, caseId, kind: "release" as const, dueAt: args.releaseAt };
    await insertTimers(trx, [timer], now);
  }
  const decided = rowToCase(row);
  await rollupDecision(trx, decided, decision);
  return { case: decided, decision };
}

/**
 * One approval of a four-eyes case that needs more: the decision row, `approved` and
 * `second_review_needed` events, and the case back in the queue (lease and assignment cleared).
 */
async function recordApproval(
  trx: Tx,
  args: RecordDecisionArgs,
  pending: { count: number; needed: number },
): Promise<{ case: CaseRecord; decision: DecisionRecord }> {
  const { caseId, reviewer, now } = args;
  const approvals = { approvals: pending.count, needed: pending.needed };
  let decision = undefined as unknown as DecisionRecord;
  const row = await takeBackLease(trx, caseId, reviewer, now, { status: "queued" }, (held) => {
    decision = decisionFromLease(args, held.claimedAt);
    return decisionRows(decision, [
      {
        type: "approved",
        caseId,
        actor: reviewer,
        data: { ...decisionEventData(decision), ...approvals },
        at: now,
      },
      { type: "second_review_needed", caseId, actor: "system", data: approvals, at: now },
    ]);
  });
  const queued = rowToCase(row);
  await rollupDecision(trx, queued, decision);
  return { case: queued, decision };
}

/** Gives a held case back to the queue (a `released` event). */
export async function releaseCase(
  trx: Tx,
  args: { caseId: string; reviewer: string; now: number },
): Promise<void> {
  const { caseId, reviewer, now } = args;
  await takeBackLease(trx, caseId, reviewer, now, { status: "queued" }, (held) => [
    {
      table: "events",
      row: eventToRow({
        type: "released",
        caseId,
        actor: reviewer,
        data: { leaseId: held.leaseId },
        at: now,
      }),
    },
  ]);
}

/** The decision row and its events, in the order they join the case's audit chain. */
function decisionRows(decision: DecisionRecord, events: NewEvent[]): ChainItem[] {
  return [
    { table: "decisions", row: decisionToRow(decision.caseId, decision) },
    ...events.map((e) => ({ table: "events" as const, row: eventToRow(e) })),
  ];
}

/** What a `decided` or `approved` event says of the decision behind it. */
function decisionEventData(d: DecisionRecord): Record<string, unknown> {
  return { decisionId: d.id, verdict: d.verdict, reasonCode: d.reasonCode, heldMs: d.heldMs };
}

/** The decision a lease holder records: held from the claim to `now`, the moment it is written. */
function decisionFromLease(args: RecordDecisionArgs, claimedAt: number): DecisionRecord {
  return {
    id: args.decisionId,
    caseId: args.caseId,
    decidedBy: args.reviewer,
    verdict: args.verdict,
    output: args.output,
    reasonCode: args.reasonCode,
    note: args.note,
    claimedAt,
    decidedAt: args.now,
    heldMs: args.now - claimedAt,
  };
}

/**
 * Ends `reviewer`'s live lease on a case, moving it to `next`, and writes `rows` (built from the lease)
 * into the case's audit chain. The update only matches while that exact lease is still live, so two
 * concurrent decisions (or a decision racing a take-over) cannot both win: the loser updates nothing and
 * gets Conflict.
 *
 * The chain's new head rides in that same UPDATE, on the condition that the head is still the one read
 * before it: no extra statement and no second version of the case row. A concurrent append to the case
 * (a webhook's event, say) fails that condition; then the lease is ended alone and the rows are appended
 * after the head read under the lock the UPDATE now holds.
 */
async function takeBackLease(
  trx: Tx,
  caseId: string,
  reviewer: string,
  now: number,
  next: { status: "decided" | "queued"; decided_at?: number },
  rows: (held: { leaseId: string; claimedAt: number }) => ChainItem[],
): Promise<Selectable<CasesTable>> {
  const row = await trx.selectFrom("cases").selectAll().where("id", "=", caseId).executeTakeFirst();
  if (!row) throw new NotFound(`case ${caseId} not found`);
  if (row.status === "decided") throw new Conflict(`case ${caseId} is already decided`);
  if (row.lease_id === null || row.claimed_at === null || row.lease_expires_at === null) {
    throw new Conflict(`case ${caseId} is not claimed: claim it before deciding or releasing`);
  }
  if (row.lease_holder !== reviewer) throw new Conflict(`case ${caseId} is held by another reviewer`);
  if (row.lease_expires_at <= now) {
    throw new Conflict(`your lease on case ${caseId} expired; claim it again`);
  }
  const held = { leaseId: row.lease_id, claimedAt: row.claimed_at };
  const ended = {
    ...next,
    lease_id: null,
    lease_holder: null,
    claimed_at: null,
    lease_expires_at: null,
    // An assignment (assign.ts) lasts until the assignee decides or gives the case back.
    assigned_to: null,
  };
  const update = trx
    .updateTable("cases")
    .where("id", "=", caseId)
    .where("lease_id", "=", row.lease_id)
    .where("lease_expires_at", ">", now);
  if (row.chain_head !== null) {
    const cursor = new ChainCursor(row.chain_head, row.chain_length ?? 0);
    const linked = linkAll(new Map([[caseId, cursor]]), rows(held));
    const head = headColumns(cursor, Date.now());
    const moved = await update
      .set({ ...ended, ...head })
      .where("chain_head", "=", row.chain_head)
      .executeTakeFirst();
    if (moved.numUpdatedRows === 1n) {
      await insertRows(trx, linked);
      // The case as the update left it, without reading it back: the transaction holds the row.
      return { ...row, ...ended, ...head };
    }
  }
  const updated = await update.set(ended).executeTakeFirst();
  if (updated.numUpdatedRows === 0n) throw new Conflict(`case ${caseId} changed hands while deciding`);
  await appendChained(trx, rows(held));
  // Its chain columns are appendChained's; the rest is as the update left it.
  return { ...row, ...ended };
}
