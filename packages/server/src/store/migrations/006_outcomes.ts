import type { Kysely, Migration } from "kysely";

/**
 * Outcomes (issue 5, item 2): what the automation reports happened downstream of a decided case. Several
 * reports per case are kept; the latest (by `reported_at`) counts in the post-review error rate.
 */
export function outcomesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("outcomes")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("case_id", "text", (c) => c.notNull().references("cases.id").onDelete("cascade"))
        .addColumn("result", "text", (c) => c.notNull())
        .addColumn("details", "text")
        .addColumn("reported_by", "text", (c) => c.notNull())
        .addColumn("reported_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("outcomes_case").on("outcomes").column("case_id").execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("outcomes").execute();
    },
  };
}
