import { type Kysely, type Migration, sql } from "kysely";

/**
 * Claims that do not scan (issue 12, item 1): the queue in claim order, as partial indexes over the
 * cases that wait. A claim reads the head of a workflow's range of one of these and checks the few
 * candidates it finds; it never sorts or filters the whole queue, so it costs the same at a million
 * waiting cases as at ten.
 *
 * - `cases_queued_oldest`: a workflow's waiting cases, oldest first;
 * - `cases_queued_priority`: an active-learning workflow's most uncertain first. It replaces
 *   `cases_queue_priority` (migration 011), which held every decided case too;
 * - `cases_claimed`: the held cases in the same order, so a claim finds the ones whose lease ran out
 *   (they wait again in their old place) without a sort; it is as small as the leases reviewers hold.
 *
 * Partial (`status = ...`) so each index holds only what waits or is held, and stays as small as the
 * queue. The claim's queries state the status as a literal: SQLite uses a partial index only when the
 * query's WHERE visibly implies the index's. The status is also in the key, though every entry has the
 * same: it gives SQLite's planner an equality to search on.
 *
 * Both queued indexes begin with the workflow, and no index holds the whole queue in order, on purpose:
 * a claim over several workflows reads each workflow's range and merges them, and no planner, however
 * stale its statistics, can pick a read of everyone's queue filtered down to one workflow. For the same
 * reason `cases_queue` (status, created_at, migration 001) goes: planners took it over the partial
 * indexes, to read every waiting case and sort them. The queue summary now counts the queued and the
 * held cases through these indexes instead.
 */
export function claimIndexesMigration(): Migration {
  const queued = sql<boolean>`status = 'queued'`;
  const claimed = sql<boolean>`status = 'claimed'`;
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex("cases_queued_oldest")
        .on("cases")
        .columns(["workflow", "status", "created_at", "id"])
        .where(queued)
        .execute();
      await db.schema
        .createIndex("cases_queued_priority")
        .on("cases")
        .columns(["workflow", "status", "priority desc", "created_at", "id"])
        .where(queued)
        .execute();
      await db.schema
        .createIndex("cases_claimed")
        .on("cases")
        .columns(["status", "created_at", "id"])
        .where(claimed)
        .execute();
      await db.schema.dropIndex("cases_queue_priority").execute();
      await db.schema.dropIndex("cases_queue").execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.createIndex("cases_queue").on("cases").columns(["status", "created_at"]).execute();
      await db.schema
        .createIndex("cases_queue_priority")
        .on("cases")
        .columns(["workflow", "status", "priority", "created_at"])
        .execute();
      await db.schema.dropIndex("cases_claimed").execute();
      await db.schema.dropIndex("cases_queued_priority").execute();
      await db.schema.dropIndex("cases_queued_oldest").execute();
    },
  };
}
