import type { Kysely, Migration } from "kysely";

/**
 * Shadow cases (issue 5, items 4 and 5): cases a reviewer works like any other but whose decisions never
 * reach an automation and never count in the governance rates.
 * - A catch trial is built from a known-answer case of `gold_cases`; `cases.gold_id` names it.
 * - An overlap copy repeats a real case for an independent second reviewer; `cases.overlap_of` names the
 *   real case. Agreement between the two is the workflow's reviewer consistency.
 */
export function shadowCasesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("gold_cases")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("workflow", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("confidence", "double precision", (c) => c.notNull())
        .addColumn("input", "text", (c) => c.notNull())
        .addColumn("proposal", "text", (c) => c.notNull())
        .addColumn("rationale", "text")
        .addColumn("evidence", "text")
        .addColumn("subject", "text")
        .addColumn("metadata", "text")
        .addColumn("context", "text")
        .addColumn("expected", "text", (c) => c.notNull())
        .addColumn("expected_reason", "text")
        .addColumn("note", "text")
        .addColumn("created_by", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("disabled_at", "bigint")
        .execute();
      await db.schema.createIndex("gold_cases_workflow").on("gold_cases").column("workflow").execute();
      await db.schema.alterTable("cases").addColumn("gold_id", "text").execute();
      await db.schema.alterTable("cases").addColumn("overlap_of", "text").execute();
      await db.schema.createIndex("cases_gold_id").on("cases").column("gold_id").execute();
      await db.schema.createIndex("cases_overlap_of").on("cases").column("overlap_of").execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex("cases_overlap_of").execute();
      await db.schema.dropIndex("cases_gold_id").execute();
      await db.schema.alterTable("cases").dropColumn("overlap_of").execute();
      await db.schema.alterTable("cases").dropColumn("gold_id").execute();
      await db.schema.dropTable("gold_cases").execute();
    },
  };
}
