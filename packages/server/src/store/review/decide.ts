import { randomUUID } from "node:crypto";
import { Conflict, NotFound } from "@loopgate/core";
import type { Selectable } from "kysely";
import { appendChained, type ChainItem } from "../audit/append.js";
import { eventToRow, type NewEvent } from "../cases/events.js";
import { decisionToRow, rowToCase } from "../cases/rows.js";
import type { CaseRecord, DecisionRecord } from "../cases/types.js";
import type { TransactionNotice } from "../engine.js";
import { type KnownLinks, knownLinks, linkColumns, rollupDecision } from "../metrics/rollup-writes.js";
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
  /** The lease the reviewer holds, as read with the case: saves reading it again. */
  lease?: HeldLease;
  /** The reviewer's person (a user, or a key of no one): refused while paused in the workflow. */
  person?: string;
  /**
   * PostgreSQL: sent with the decision's COMMIT (engine.notifyingTransaction), so other processes'
   * long-polls wake at its commit (change-feed.ts `noticeFor`).
   */
  notice?: TransactionNotice;
}

export async function recordDecision(
  trx: Tx,
  args: RecordDecisionArgs,
): Promise<{ case: CaseRecord; decision: DecisionRecord }> {
  // Four-eyes, not the last approval needed: recorded, and the case goes back to the queue undecided.
  if (args.pendingApprovals) return recordApproval(trx, args, args.pendingApprovals);
  const { caseId, reviewer, now } = args;
  let decision = undefined as unknown as DecisionRecord;
  const taken = await takeBackLease(
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
    { ...args, links: true },
  );
  let row = taken.row;
  if (args.outbox) await insertOutbox(trx, args.outbox);
  if (args.releaseAt !== undefined) {
    // Held (release.delaySeconds): the release timer writes `decision_released` when the window ends.
    await trx.updateTable("cases").set({ release_at: args.releaseAt }).where("id", "=", caseId).execute();
    row = { ...row, release_at: args.releaseAt };
    const timer = { id: `tmr_${randomUUID()}`, caseId, kind: "release" as const, dueAt: args.releaseAt };
    await insertTimers(trx, [timer], now);
  }
  const decided = rowToCase(row);
  await rollupDecision(trx, decided, decision, taken.links);
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
  const { row, links } = await takeBackLease(
    trx,
    caseId,
    reviewer,
    now,
    { status: "queued" },
    (held) => {
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
    },
    { ...args, links: true },
  );
  const queued = rowToCase(row);
  await rollupDecision(trx, queued, decision, links);
  return { case: queued, decision };
}

/** Gives a held case back to the queue (a `released` event). */
export async function releaseCase(
  trx: Tx,
  args: { caseId: string; reviewer: string; now: number; lease?: HeldLease | null },
): Promise<void> {
  const { caseId, reviewer, now } = args;
  await takeBackLease(
    trx,
    caseId,
    reviewer,
    now,
    { status: "queued" },
    (held) => [
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
    ],
    args,
  );
}

/**
 * A pause (store/oversight/alerts.ts) takes back every case the paused person holds in the workflow:
 * each goes back to the queue with a `released` event by whoever paused them, naming the pause. A pause
 * that only stopped new claims would leave a flagged reviewer deciding what they already hold. A decision
 * committed before this transaction stands; one after it finds no lease (409).
 */
export async function releaseForPause(
  trx: Tx,
  p: { workflow: string; person: readonly string[]; pauseId: string; by: string; now: number },
): Promise<string[]> {
  if (p.person.length === 0) return [];
  const held = await trx
    .selectFrom("cases")
    .select(["id", "lease_holder", "lease_id", "claimed_at"])
    .where("workflow", "=", p.workflow)
    .where("status", "=", "claimed")
    .where("lease_holder", "in", [...p.person])
    .where("lease_expires_at", ">", p.now)
    .orderBy("id")
    .execute();
  const released: string[] = [];
  for (const { id, lease_holder, lease_id, claimed_at } of held) {
    const lease =
      lease_id !== null && claimed_at !== null ? { leaseId: lease_id, claimedAt: claimed_at } : null;
    try {
      await takeBackLease(
        trx,
        id,
        lease_holder as string,
        p.now,
        { status: "queued" },
        (ended) => [
          {
            table: "events",
            row: eventToRow({
              type: "released",
              caseId: id,
              actor: p.by,
              data: { leaseId: ended.leaseId, holder: lease_holder, pauseId: p.pauseId },
              at: p.now,
            }),
          },
        ],
        { lease },
      );
      released.push(id);
    } catch (err) {
      // Decided (or given back) by the person a moment before: nothing was written for it, and the
      // pause itself must not fail for that.
      if (!(err instanceof Conflict)) throw err;
    }
  }
  return released;
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

/** The lease a reviewer ends: which claim, and when it began. */
export interface HeldLease {
  leaseId: string;
  claimedAt: number;
}

/**
 * A decision refused because its person is paused in the case's workflow (checked in the decision's own
 * UPDATE, so a pause committed before it is never decided past). The HTTP layer answers it with the
 * pause's 403.
 */
export class PausedWhileDeciding extends Conflict {}

/**
 * Ends `reviewer`'s live lease on a case, moving it to `next`, and writes `rows` (built from the lease)
 * into the case's audit chain. One UPDATE ends the lease only while that exact lease is still live (and,
 * with `person`, while that person is not paused in the workflow), so two concurrent decisions, or a
 * decision racing a take-over or a pause, cannot both win: the loser updates nothing and gets the reason
 * as Conflict. It RETURNs the case, whose chain head the rows then link to under the lock it took.
 *
 * `lease`: the one the caller read with the case (the decide routes), saving the read here. `links`: the
 * same UPDATE also says what the decision's rollups would otherwise read back (KnownLinks).
 */
async function takeBackLease(
  trx: Tx,
  caseId: string,
  reviewer: string,
  now: number,
  next: { status: "decided" | "queued"; decided_at?: number },
  rows: (held: HeldLease) => ChainItem[],
  { lease, person, links }: { lease?: HeldLease | null; person?: string; links?: boolean } = {},
): Promise<{ row: Selectable<CasesTable>; links?: KnownLinks }> {
  const held = lease ?? (await liveLease(trx, caseId, reviewer, now));
  let update = trx
    .updateTable("cases")
    .set({
      ...next,
      lease_id: null,
      lease_holder: null,
      claimed_at: null,
      lease_expires_at: null,
      // An assignment (assign.ts) lasts until the assignee decides or gives the case back.
      assigned_to: null,
    })
    .where("id", "=", caseId)
    .where("status", "<>", "decided")
    .where("lease_id", "=", held.leaseId)
    .where("lease_holder", "=", reviewer)
    .where("lease_expires_at", ">", now);
  if (person !== undefined) {
    update = update.where(({ exists, not, selectFrom }) =>
      not(
        exists(
          selectFrom("reviewer_pauses")
            .select("reviewer_pauses.id")
            .where("reviewer_pauses.reviewer", "=", person)
            .whereRef("reviewer_pauses.workflow", "=", "cases.workflow")
            .where("reviewer_pauses.resumed_at", "is", null),
        ),
      ),
    );
  }
  const found = await (links
    ? update.returningAll().returning(linkColumns(now))
    : update.returningAll()
  ).executeTakeFirst();
  if (!found) {
    // Why not, for the reviewer: the lease as it is now (throws when it is gone), else the pause.
    const live = await liveLease(trx, caseId, reviewer, now);
    if (live.leaseId !== held.leaseId || person === undefined) {
      throw new Conflict(`case ${caseId} changed hands while deciding`);
    }
    throw new PausedWhileDeciding(`you are paused in the workflow of case ${caseId}`);
  }
  const { copied, linked, ...row } = found as typeof found & { copied?: unknown; linked?: unknown };
  const known =
    row.chain_head === null
      ? undefined
      : new Map([[caseId, { head: row.chain_head, length: row.chain_length ?? 0 }]]);
  await appendChained(trx, rows(held), known);
  // Its chain columns are appendChained's; the rest is as the update left it.
  return { row, ...(links && { links: knownLinks({ copied, linked }) }) };
}

/** `reviewer`'s live lease on the case, or the Conflict (NotFound) that says why there is none. */
async function liveLease(trx: Tx, caseId: string, reviewer: string, now: number): Promise<HeldLease> {
  const row = await trx
    .selectFrom("cases")
    .select(["status", "lease_id", "lease_holder", "claimed_at", "lease_expires_at"])
    .where("id", "=", caseId)
    .executeTakeFirst();
  if (!row) throw new NotFound(`case ${caseId} not found`);
  if (row.status === "decided") throw new Conflict(`case ${caseId} is already decided`);
  if (row.lease_id === null || row.claimed_at === null || row.lease_expires_at === null) {
    throw new Conflict(`case ${caseId} is not claimed: claim it before deciding or releasing`);
  }
  if (row.lease_holder !== reviewer) throw new Conflict(`case ${caseId} is held by another reviewer`);
  if (row.lease_expires_at <= now) {
    throw new Conflict(`your lease on case ${caseId} expired; claim it again`);
  }
  return { leaseId: row.lease_id, claimedAt: row.claimed_at };
}
