import { Conflict, NotFound } from "@loopgate/core";
import type { ExpressionBuilder, Kysely, Transaction } from "kysely";
import { decisionEventData, decisionFromLease, insertEvents, selectCase, takeBackLease } from "./queries.js";
import { decisionToRow, rowToCase } from "./rows.js";
import type { Database } from "./schema.js";
import type { CaseRecord, DecisionRecord, NewOutboxMessage } from "./types.js";

/** Review rules in the store: who may take a case (assignment, four-eyes), approvals, assignment. */

type Tx = Transaction<Database>;

/** How many waiting cases a claim reads at a time when it must test each against authority rules. */
export const CLAIM_BATCH = 50;

/** Verdicts that count as an approval towards `review.approvals`. */
export const APPROVING: readonly DecisionRecord["verdict"][] = ["approve", "edit"];

/**
 * Cases `reviewer` may take at all: not assigned to someone else, and not already approved by them
 * (four-eyes: the next approval must come from another person). Undecided cases only have decision
 * rows from earlier approvals (or revoked ones), so any live approving row of theirs excludes the case.
 */
export function reviewable(db: Kysely<Database>, reviewer: string) {
  return db
    .selectFrom("cases")
    .selectAll()
    .where((eb) => eb.or([eb("assigned_to", "is", null), eb("assigned_to", "=", reviewer)]))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom("decisions")
            .select("decisions.id")
            .whereRef("decisions.case_id", "=", "cases.id")
            .where("decisions.decided_by", "=", reviewer)
            .where("decisions.verdict", "in", APPROVING)
            // A revoked decision (release window, migration 005) no longer counts as theirs.
            .where("decisions.revoked_at", "is", null),
        ),
      ),
    );
}

/** Keyset position after `(createdAt, id)` in the queue's order. */
export function laterThan(after: { createdAt: number; id: string }) {
  return (eb: ExpressionBuilder<Database, "cases">) =>
    eb.or([
      eb("created_at", ">", after.createdAt),
      eb.and([eb("created_at", "=", after.createdAt), eb("id", ">", after.id)]),
    ]);
}

/**
 * One approval of a four-eyes case that needs more: the decision row, `approved` and
 * `second_review_needed` events, and the case back in the queue (lease and assignment cleared).
 */
export async function recordApproval(
  trx: Tx,
  args: {
    caseId: string;
    reviewer: string;
    decisionId: string;
    verdict: DecisionRecord["verdict"];
    output: unknown;
    reasonCode: string | null;
    note: string | null;
    outbox?: NewOutboxMessage;
    now: number;
    pendingApprovals?: { count: number; needed: number };
  },
): Promise<{ case: CaseRecord; decision: DecisionRecord }> {
  const { caseId, reviewer, now } = args;
  const pending = args.pendingApprovals ?? { count: 1, needed: 2 };
  const held = await takeBackLease(trx, caseId, reviewer, now, { status: "queued" });
  const decision = decisionFromLease(args, held.claimedAt);
  await trx.insertInto("decisions").values(decisionToRow(caseId, decision)).execute();
  await insertEvents(trx, [
    {
      type: "approved",
      caseId,
      actor: reviewer,
      data: {
        ...decisionEventData(decision),
        approvals: pending.count,
        needed: pending.needed,
      },
      at: now,
    },
    {
      type: "second_review_needed",
      caseId,
      actor: "system",
      data: { approvals: pending.count, needed: pending.needed },
      at: now,
    },
  ]);
  return { case: rowToCase(await selectCase(trx, caseId)), decision };
}

export async function assignCase(
  trx: Tx,
  args: { caseId: string; to: string; by: string; note: string | null; now: number },
): Promise<CaseRecord> {
  const { caseId, to, by, note, now } = args;
  const row = await trx.selectFrom("cases").selectAll().where("id", "=", caseId).executeTakeFirst();
  if (!row) throw new NotFound(`case ${caseId} not found`);
  if (row.status === "decided") throw new Conflict(`case ${caseId} is already decided`);
  const liveHolder =
    row.status === "claimed" && row.lease_expires_at !== null && row.lease_expires_at > now
      ? row.lease_holder
      : null;
  // The assignee keeps a lease they already hold; anyone else's ends now.
  const keepLease = liveHolder === to;
  const set = keepLease
    ? { assigned_to: to }
    : {
        assigned_to: to,
        status: "queued",
        lease_id: null,
        lease_holder: null,
        claimed_at: null,
        lease_expires_at: null,
      };
  await trx.updateTable("cases").set(set).where("id", "=", caseId).execute();
  await insertEvents(trx, [
    {
      type: "assigned",
      caseId,
      actor: by,
      data: { to, from: liveHolder, previous: row.assigned_to, note },
      at: now,
    },
  ]);
  return rowToCase(await selectCase(trx, caseId));
}
