import { type Kysely, type Migration, sql } from "kysely";

/**
 * Skill erosion, measured (issue 15, item 5).
 *
 * - `cases.blind_sampled`: 1 when the case was drawn at submit for a blind judgment
 *   (`review.blindSampleRate`, core `inBlindSample`). Kept on the row, not recomputed, so a later change
 *   of the rate never unblinds a case in review, and every view and process reads the same answer
 *   from the row it already loads. A constant default: no table rewrite on PostgreSQL 11+.
 * - `events_blind_judgments`: the `blind_judgment` events in time order, partial so it holds those
 *   events only. The erosion figures read the judgments of a window through it, so their cost follows
 *   the blind judgments in the window, not the events (about ten per case) nor the window's cases.
 *   `seq` completes the key: the read pages through it in (at, seq) order. The reads state the type as
 *   a literal, so SQLite's planner sees the WHERE implies the index's.
 */
export function blindSampleMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable("cases")
        .addColumn("blind_sampled", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createIndex("events_blind_judgments")
        .on("events")
        .columns(["at", "seq"])
        .where(sql<boolean>`type = 'blind_judgment'`)
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex("events_blind_judgments").execute();
      await db.schema.alterTable("cases").dropColumn("blind_sampled").execute();
    },
  };
}
