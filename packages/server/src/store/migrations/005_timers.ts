import type { Kysely, Migration } from "kysely";

/**
 * Durable timers for release delays and SLAs. Deadlines live on the case (shown in views and used to
 * explain what happened) and each one that must fire is a `timers` row, claimed with a lease like the
 * webhook outbox, so a restart or a second process loses none and none fires twice.
 */
export function timersMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("cases").addColumn("release_at", "bigint").execute();
      await db.schema.alterTable("cases").addColumn("released_at", "bigint").execute();
      await db.schema.alterTable("cases").addColumn("reverted_at", "bigint").execute();
      await db.schema.alterTable("cases").addColumn("sla_due_at", "bigint").execute();
      await db.schema.alterTable("cases").addColumn("escalated_to", "text").execute();
      await db.schema.alterTable("cases").addColumn("handoff", "text").execute();
      await db.schema.alterTable("decisions").addColumn("revoked_at", "bigint").execute();
      await db.schema
        .createTable("timers")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("case_id", "text", (c) => c.notNull().references("cases.id").onDelete("cascade"))
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("due_at", "bigint", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("lease_until", "bigint")
        .addColumn("done_at", "bigint")
        .execute();
      await db.schema.createIndex("timers_due").on("timers").columns(["done_at", "due_at"]).execute();
      await db.schema.createIndex("timers_case").on("timers").column("case_id").execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("timers").execute();
      await db.schema.alterTable("decisions").dropColumn("revoked_at").execute();
      for (const column of [
        "handoff",
        "escalated_to",
        "sla_due_at",
        "reverted_at",
        "released_at",
        "release_at",
      ]) {
        await db.schema.alterTable("cases").dropColumn(column).execute();
      }
    },
  };
}
