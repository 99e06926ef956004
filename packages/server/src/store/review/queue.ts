import { sql } from "kysely";
import type { Db } from "../rows.js";
import type { QueueCount, ReviewerDay } from "./types.js";

/**
 * The queue summary and a reviewer's day, for the workspace. Every aggregate is a GROUP BY in the
 * database over an index (migrations 001 and 003), never rows pulled into the process to be counted.
 */

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
