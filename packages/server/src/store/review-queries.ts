import { Conflict, NotFound, SYSTEM_DECIDERS } from "@loopgate/core";
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
    )
    .where((eb) => eb.not(eb.exists(heldOrDecidedInGroup(eb, reviewer))));
}

/**
 * Overlap independence: another case of this one's overlap group (the real case and its copies, named
 * by `coalesce(overlap_of, id)`) that `reviewer` holds or decided. Written as two indexed look-ups (the
 * real case by id, the copies by `overlap_of`) rather than comparing coalesce() on both sides, which no
 * index serves. A case outside any group finds nothing here.
 */
function heldOrDecidedInGroup(eb: ExpressionBuilder<Database, "cases">, reviewer: string) {
  const realId = eb.fn.coalesce("cases.overlap_of", "cases.id");
  return eb
    .selectFrom("cases as g")
    .select("g.id")
    .whereRef("g.id", "!=", "cases.id")
    .where((g) => g.or([g("g.overlap_of", "=", realId), g("g.id", "=", eb.ref("cases.overlap_of"))]))
    .where((g) =>
      g.or([
        g("g.lease_holder", "=", reviewer),
        g.exists(
          g
            .selectFrom("decisions as gd")
            .select("gd.id")
            .whereRef("gd.case_id", "=", "g.id")
            .where("gd.decided_by", "=", reviewer),
        ),
      ]),
    );
}

/**
 * Keyset position after a row in the queue's order: `(created_at, id)`, or with `byPriority`
 * `(priority desc, created_at, id)` (active-learning queues).
 */
export function laterThan(after: { priority: number; created_at: number; id: string }, byPriority = false) {
  return (eb: ExpressionBuilder<Database, "cases">) => {
    const sameTime = eb.or([
      eb("created_at", ">", after.created_at),
      eb.and([eb("created_at", "=", after.created_at), eb("id", ">", after.id)]),
    ]);
    if (!byPriority) return sameTime;
    return eb.or([
      eb("priority", "<", after.priority),
      eb.and([eb("priority", "=", after.priority), sameTime]),
    ]);
  };
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

/**
 * Human decisions on a workflow's real cases since `since` (revoked ones and the policy's and SLA's
 * left out): what an active-learning workflow's daily labelling budget counts.
 */
export async function countHumanDecisions(
  db: Kysely<Database>,
  args: { workflow: string; since: number },
): Promise<number> {
  const row = await db
    .selectFrom("decisions as d")
    .innerJoin("cases as c", "c.id", "d.case_id")
    .select((eb) => eb.fn.countAll<number | string | bigint>().as("n"))
    .where("c.workflow", "=", args.workflow)
    .where("c.gold_id", "is", null)
    .where("c.overlap_of", "is", null)
    .where("d.decided_at", ">=", args.since)
    .where("d.decided_by", "not in", [...SYSTEM_DECIDERS])
    .where("d.revoked_at", "is", null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
