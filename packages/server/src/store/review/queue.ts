import { sql } from "kysely";
import type { Db } from "../rows.js";
import type { QueueCount, ReviewerDay } from "./types.js";

/**
 * The queue summary and a reviewer's day, for the workspace. Every aggregate is a GROUP BY in the
 * database over an index (migrations 003 and 013), never rows pulled into the process to be counted.
 */

/**
 * The undecided cases counted per workflow and risk class, in two passes: the queued ones (read through
 * `cases_queued_oldest`, migration 013) and the held ones (`cases_claimed`). A case whose lease has
 * expired counts as waiting: the next claim puts it back in the queue.
 */
export async function queueCounts(
  db: Db,
  args: { workflows?: string[]; now: number },
): Promise<QueueCount[]> {
  const { workflows, now } = args;
  if (workflows?.length === 0) return [];
  const expired = sql`lease_expires_at <= ${now}`;
  let queued = db
    .selectFrom("cases")
    .select(["workflow", "risk_class"])
    .select((eb) => [
      eb.fn.countAll<number | string>().as("waiting"),
      eb.fn.min<number | string>("created_at").as("oldest"),
      sql<number | string>`0`.as("in_review"),
    ])
    .where("status", "=", sql.lit("queued"))
    .groupBy(["workflow", "risk_class"]);
  let held = db
    .selectFrom("cases")
    .select(["workflow", "risk_class"])
    .select([
      sql<number | string>`sum(case when ${expired} then 1 else 0 end)`.as("waiting"),
      sql<number | string | null>`min(case when ${expired} then created_at end)`.as("oldest"),
      sql<number | string>`sum(case when ${expired} then 0 else 1 end)`.as("in_review"),
    ])
    .where("status", "=", sql.lit("claimed"))
    .groupBy(["workflow", "risk_class"]);
  if (workflows) {
    queued = queued.where("workflow", "in", workflows);
    held = held.where("workflow", "in", workflows);
  }
  const counts = new Map<string, QueueCount>();
  for (const r of [...(await queued.execute()), ...(await held.execute())]) {
    const key = JSON.stringify([r.workflow, r.risk_class]);
    const c = counts.get(key) ?? {
      workflow: r.workflow,
      riskClass: r.risk_class,
      waiting: 0,
      oldestWaitingAt: null,
      inReview: 0,
    };
    c.waiting += Number(r.waiting);
    c.inReview += Number(r.in_review);
    if (r.oldest !== null) {
      const oldest = Number(r.oldest);
      c.oldestWaitingAt = c.oldestWaitingAt === null ? oldest : Math.min(c.oldestWaitingAt, oldest);
    }
    counts.set(key, c);
  }
  return [...counts.values()]
    .filter((c) => c.waiting > 0 || c.inReview > 0)
    .sort((a, b) =>
      a.workflow === b.workflow ? cmp(a.riskClass, b.riskClass) : cmp(a.workflow, b.workflow),
    );
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

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
      .where("status", "=", sql.lit("claimed"))
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
