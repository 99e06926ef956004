import { type CaseStatus, Conflict, NotFound, type Route, type Verdict } from "@loopgate/core";
import { type Kysely, sql, type Transaction } from "kysely";
import { eventToRow } from "./rows.js";
import type { Database } from "./schema.js";
import type { BlindJudgment, HistoryEntry, QueueCount, ReviewerDay } from "./workspace-types.js";

/**
 * The workspace's queries, shared by both engines like `queries.ts` (SqlStore calls these). Every
 * aggregate is a GROUP BY in the database over an index (migrations 001 and 003), never rows pulled
 * into the process to be counted.
 */

type Db = Kysely<Database>;

/**
 * One pass over the undecided cases (the `cases_queue` index's queued/claimed prefixes), counting per
 * workflow and risk class. A case whose lease has expired counts as waiting: the next claim takes it.
 */
export async function queueCounts(
  db: Db,
  args: { workflows?: string[]; now: number },
): Promise<QueueCount[]> {
  const { workflows, now } = args;
  if (workflows?.length === 0) return [];
  const waiting = sql`(status = 'queued' or lease_expires_at <= ${now})`;
  let query = db
    .selectFrom("cases")
    .select(["workflow", "risk_class"])
    .select([
      sql<number | string>`sum(case when ${waiting} then 1 else 0 end)`.as("waiting"),
      sql<number | string | null>`min(case when ${waiting} then created_at end)`.as("oldest"),
      sql<
        number | string
      >`sum(case when status = 'claimed' and lease_expires_at > ${now} then 1 else 0 end)`.as("in_review"),
    ])
    .where("status", "in", ["queued", "claimed"])
    .groupBy(["workflow", "risk_class"])
    .orderBy("workflow")
    .orderBy("risk_class");
  if (workflows) query = query.where("workflow", "in", workflows);
  const rows = await query.execute();
  return rows.map((r) => ({
    workflow: r.workflow,
    riskClass: r.risk_class,
    waiting: Number(r.waiting),
    oldestWaitingAt: r.oldest === null ? null : Number(r.oldest),
    inReview: Number(r.in_review),
  }));
}

/** A reviewer's decisions in [from, to) and the cases they hold at `now`. */
export async function reviewerDay(
  db: Db,
  args: { reviewer: string; from: number; to: number; now: number },
): Promise<ReviewerDay> {
  const { reviewer, from, to, now } = args;
  const theirs = db
    .selectFrom("decisions")
    .where("decided_by", "=", reviewer)
    .where("decided_at", ">=", from)
    .where("decided_at", "<", to);
  const [totals, holding] = await Promise.all([
    theirs
      .select((eb) => [
        eb.fn.countAll<number | string>().as("decided"),
        sql<number | string | null>`sum(case when verdict = 'approve' then 1 else 0 end)`.as("approved"),
        eb.fn.count<number | string>("held_ms").as("timed"),
      ])
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("cases")
      .select("id")
      .where("status", "=", "claimed")
      .where("lease_holder", "=", reviewer)
      .where("lease_expires_at", ">", now)
      .orderBy("claimed_at")
      .orderBy("id")
      .execute(),
  ]);
  // The median is the middle one or two of the sorted times: the database sorts over the index and
  // hands back at most two rows, whatever the day's volume.
  const timed = Number(totals.timed);
  let medianHeldMs: number | null = null;
  if (timed > 0) {
    const middle = await theirs
      .select("held_ms")
      .where("held_ms", "is not", null)
      .orderBy("held_ms")
      .limit(timed % 2 === 1 ? 1 : 2)
      .offset(Math.floor((timed - 1) / 2))
      .execute();
    const values = middle.map((r) => Number(r.held_ms));
    if (values.length > 0) medianHeldMs = values.reduce((a, b) => a + b, 0) / values.length;
  }
  return {
    decided: Number(totals.decided),
    approved: Number(totals.approved ?? 0),
    medianHeldMs,
    holding: holding.map((r) => r.id),
  };
}

/** Other cases of `subject` created at or before `before`, newest first, each with its latest decision. */
export async function subjectHistory(
  db: Db,
  args: { subject: string; excludeCaseId: string; before: number; workflows?: string[]; limit: number },
): Promise<HistoryEntry[]> {
  const { subject, excludeCaseId, before, workflows, limit } = args;
  if (workflows?.length === 0) return [];
  let query = db
    .selectFrom("cases")
    .select(["id", "workflow", "action", "created_at", "status", "route"])
    .where("subject", "=", subject)
    .where("created_at", "<=", before)
    .where("id", "!=", excludeCaseId)
    // Shadow cases are not part of the subject's history: a catch trial never happened to the subject,
    // and an overlap copy would show one reviewer the other's decision.
    .where("gold_id", "is", null)
    .where("overlap_of", "is", null)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(limit);
  if (workflows) query = query.where("workflow", "in", workflows);
  const cases = await query.execute();
  if (cases.length === 0) return [];
  const decisions = await db
    .selectFrom("decisions")
    .select(["case_id", "verdict", "reason_code", "note", "decided_at"])
    .where(
      "case_id",
      "in",
      cases.map((c) => c.id),
    )
    .orderBy("decided_at")
    .orderBy("id")
    .execute();
  // Ordered oldest first, so the last one written per case is its latest.
  const latest = new Map(decisions.map((d) => [d.case_id, d]));
  return cases.map((c) => {
    const d = latest.get(c.id);
    return {
      id: c.id,
      workflow: c.workflow,
      action: c.action,
      createdAt: c.created_at,
      status: c.status as CaseStatus,
      route: c.route as Route,
      decision: d
        ? {
            verdict: d.verdict as Verdict,
            reasonCode: d.reason_code,
            note: d.note,
            decidedAt: d.decided_at,
          }
        : null,
    };
  });
}

/** The `blind_judgment` events of a case, as judgments (oldest first). */
export async function blindJudgments(db: Db, caseId: string): Promise<BlindJudgment[]> {
  const rows = await db
    .selectFrom("events")
    .select(["actor", "data", "at"])
    .where("case_id", "=", caseId)
    .where("type", "=", "blind_judgment")
    .orderBy("seq")
    .execute();
  return rows.map((r) => judgmentFromEvent(r.actor, JSON.parse(r.data) as Record<string, unknown>, r.at));
}

/** Reads a judgment back from its event (see `recordBlindJudgment` for what the event holds). */
export function judgmentFromEvent(actor: string, data: Record<string, unknown>, at: number): BlindJudgment {
  return {
    leaseId: String(data.leaseId),
    reviewer: actor,
    verdict: data.verdict as Verdict,
    output: data.output ?? null,
    reasonCode: typeof data.reasonCode === "string" ? data.reasonCode : null,
    note: typeof data.note === "string" ? data.note : null,
    at,
  };
}

/**
 * Records the lease holder's own judgment as a `blind_judgment` event, once per claim. The case row is
 * written first (a no-op update guarded by the live lease): on PostgreSQL that locks it, so a second
 * judgment racing this one waits, then sees this one's event and is refused; on SQLite the
 * transaction already holds the write lock.
 */
export async function recordBlindJudgment(
  trx: Transaction<Database>,
  args: {
    caseId: string;
    reviewer: string;
    verdict: Verdict;
    output: unknown;
    reasonCode: string | null;
    note: string | null;
    now: number;
  },
): Promise<BlindJudgment> {
  const { caseId, reviewer, now } = args;
  const row = await trx.selectFrom("cases").selectAll().where("id", "=", caseId).executeTakeFirst();
  if (!row) throw new NotFound(`case ${caseId} not found`);
  if (row.status === "decided") throw new Conflict(`case ${caseId} is already decided`);
  if (row.lease_id === null || row.lease_holder !== reviewer || row.lease_expires_at === null) {
    throw new Conflict(`claim case ${caseId} before recording a judgment; you do not hold its lease`);
  }
  if (row.lease_expires_at <= now) throw new Conflict(`your lease on case ${caseId} expired; claim it again`);
  const leaseId = row.lease_id;
  const touched = await trx
    .updateTable("cases")
    .set((eb) => ({ lease_id: eb.ref("lease_id") }))
    .where("id", "=", caseId)
    .where("lease_id", "=", leaseId)
    .where("lease_expires_at", ">", now)
    .executeTakeFirst();
  if (touched.numUpdatedRows === 0n) throw new Conflict(`case ${caseId} changed hands meanwhile`);
  const earlier = await blindJudgments(trx, caseId);
  if (earlier.some((j) => j.leaseId === leaseId)) {
    throw new Conflict(`a blind judgment is already recorded for this claim of case ${caseId}`);
  }
  const data = {
    leaseId,
    verdict: args.verdict,
    output: args.output,
    reasonCode: args.reasonCode,
    note: args.note,
  };
  await trx
    .insertInto("events")
    .values(eventToRow({ type: "blind_judgment", caseId, actor: reviewer, data, at: now }))
    .execute();
  return judgmentFromEvent(reviewer, data, now);
}
