import { SYSTEM_DECIDERS } from "@loopgate/core";
import type { Db } from "../rows.js";

/** What the queue-depth forecast (core oversight/queue-forecast.ts) reads of one workflow. */
export interface ForecastFacts {
  waiting: number;
  /** The oldest waiting cases' creation times, oldest first, at most `limit`. */
  oldestCreatedAt: number[];
  /** People's decisions in [now - paceMs, now), revoked ones too (the work was done). */
  decidedInWindow: number;
}

/**
 * Waiting work and the team's recent pace in one workflow. The oldest cases are read from the head of
 * the queue's index (claim order), so the read stays a few hundred rows at any depth; only the count
 * walks the workflow's range of the index.
 */
export async function forecastFacts(
  db: Db,
  args: { workflow: string; now: number; paceMs: number; limit: (decidedInWindow: number) => number },
): Promise<ForecastFacts> {
  const { workflow, now, paceMs } = args;
  const decided = await db
    .selectFrom("decisions as d")
    .innerJoin("cases as c", "c.id", "d.case_id")
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .where("d.decided_at", ">=", now - paceMs)
    .where("d.decided_at", "<", now)
    .where("d.decided_by", "not in", [...SYSTEM_DECIDERS])
    .where("c.workflow", "=", workflow)
    .executeTakeFirst();
  const decidedInWindow = Number(decided?.n ?? 0);
  const waitingRows = await db
    .selectFrom("cases")
    .select(["status", (eb) => eb.fn.countAll<number | string>().as("n")])
    .where("workflow", "=", workflow)
    .where("status", "in", ["queued", "claimed"])
    .groupBy("status")
    .execute();
  const waiting = waitingRows.reduce((sum, r) => sum + Number(r.n), 0);
  const limit = Math.max(1, args.limit(decidedInWindow));
  const oldest = (status: "queued" | "claimed") =>
    db
      .selectFrom("cases")
      .select("created_at")
      .where("workflow", "=", workflow)
      .where("status", "=", status)
      .orderBy("created_at")
      .orderBy("id")
      .limit(limit)
      .execute();
  const [queued, claimed] = await Promise.all([oldest("queued"), oldest("claimed")]);
  const oldestCreatedAt = [...queued, ...claimed]
    .map((r) => Number(r.created_at))
    .sort((a, b) => a - b)
    .slice(0, limit);
  return { waiting, oldestCreatedAt, decidedInWindow };
}
