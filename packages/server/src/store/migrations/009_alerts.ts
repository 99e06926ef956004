import { type Kysely, type Migration, sql } from "kysely";
import type { EngineName } from "../engine.js";

/**
 * Oversight alerts (issue 5, item 6): what the oversight run found (a reviewer who rubber-stamps, a
 * workflow whose approvals stay high while post-review errors rise), kept until the owner acknowledges it.
 *
 * At most one open (unacknowledged) alert per kind, workflow and reviewer: a unique partial index, so two
 * processes running the oversight check at the same moment cannot both raise it (the second insert finds
 * the first and does nothing). `coalesce` because NULLs never collide in a unique index, and a
 * workflow-level alert has no reviewer.
 *
 * Alerts are delivered to the owner's webhook through the existing outbox, and an alert belongs to no
 * case, so `outbox.case_id` becomes nullable. PostgreSQL drops the NOT NULL in place; SQLite cannot
 * change a column's constraints, so it rebuilds the table the way its documentation prescribes
 * (https://www.sqlite.org/lang_altertable.html#otheralter): nothing references `outbox`, so dropping it
 * with foreign keys on is safe.
 */
export function alertsMigration(engine: EngineName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("oversight_alerts")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("workflow", "text", (c) => c.notNull())
        .addColumn("reviewer", "text")
        .addColumn("evidence", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("acknowledged_at", "bigint")
        .addColumn("acknowledged_by", "text")
        .execute();
      await sql`CREATE UNIQUE INDEX oversight_alerts_open ON oversight_alerts (kind, workflow, coalesce(reviewer, '')) WHERE acknowledged_at IS NULL`.execute(
        db,
      );
      await db.schema
        .createIndex("oversight_alerts_workflow_created")
        .on("oversight_alerts")
        .columns(["workflow", "created_at"])
        .execute();

      if (engine === "postgres") {
        await db.schema
          .alterTable("outbox")
          .alterColumn("case_id", (c) => c.dropNotNull())
          .execute();
        return;
      }
      await db.schema
        .createTable("outbox_new")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("case_id", "text", (c) => c.references("cases.id"))
        .addColumn("key_id", "text", (c) => c.notNull())
        .addColumn("url", "text", (c) => c.notNull())
        .addColumn("body", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("next_attempt_at", "bigint")
        .addColumn("lease_until", "bigint")
        .addColumn("delivered_at", "bigint")
        .addColumn("last_error", "text")
        .execute();
      await sql`INSERT INTO outbox_new (id, case_id, key_id, url, body, created_at, attempts, next_attempt_at, lease_until, delivered_at, last_error)
        SELECT id, case_id, key_id, url, body, created_at, attempts, next_attempt_at, lease_until, delivered_at, last_error FROM outbox`.execute(
        db,
      );
      await db.schema.dropTable("outbox").execute();
      await db.schema.alterTable("outbox_new").renameTo("outbox").execute();
      // The same index as 001 (dropped with the old table).
      await db.schema
        .createIndex("outbox_due")
        .on("outbox")
        .column("next_attempt_at")
        .where(sql.ref("delivered_at"), "is", null)
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("oversight_alerts").execute();
    },
  };
}
