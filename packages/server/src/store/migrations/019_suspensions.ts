import { type Kysely, type Migration, sql } from "kysely";

/**
 * Issue 13, item 10: the stop button (EU AI Act Art. 14(4)(e), 26(5)). One row per suspension of a
 * workflow or of one of its actions, kept after resume as the record of who stopped it, when and why.
 *
 * - `action` is "" for the whole workflow: a NOT NULL column lets the unique index below hold on both
 *   engines (NULLs are distinct in a unique index), so two admins suspending at once make one row.
 * - `resumed_at` null = in force. The submit path never reads this table per request: it keeps the
 *   rows in force in memory (suspensions/cache.ts); timers and the outbox read it when they fire.
 */
export function suspensionsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("suspensions")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("workflow", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("suspended_by", "text", (c) => c.notNull())
        .addColumn("suspended_at", "bigint", (c) => c.notNull())
        .addColumn("resumed_by", "text")
        .addColumn("resumed_at", "bigint")
        .addColumn("resume_note", "text")
        .execute();
      await db.schema
        .createIndex("suspensions_in_force")
        .on("suspensions")
        .columns(["workflow", "action"])
        .unique()
        .where(sql.ref("resumed_at"), "is", null)
        .execute();
      // The history and the report read a workflow's suspensions by time.
      await db.schema
        .createIndex("suspensions_workflow_time")
        .on("suspensions")
        .columns(["workflow", "suspended_at"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("suspensions").execute();
    },
  };
}
