import type { Kysely, Migration } from "kysely";

/**
 * Active-learning queues (issue 6, item 2): `cases.priority` holds how uncertain the model was about a
 * case, by its workflow's `activeLearning.strategy`, computed once at submit (0 for every other case).
 * Claims hand out an active-learning workflow's most uncertain case first (review/claim.ts `claimNext`).
 */
export function queuePriorityMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable("cases")
        .addColumn("priority", "double precision", (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createIndex("cases_queue_priority")
        .on("cases")
        .columns(["workflow", "status", "priority", "created_at"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex("cases_queue_priority").execute();
      await db.schema.alterTable("cases").dropColumn("priority").execute();
    },
  };
}
