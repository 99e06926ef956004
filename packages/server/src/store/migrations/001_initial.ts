import { type Kysely, type Migration, sql } from "kysely";
import type { EngineName } from "../engine.js";

/**
 * The first schema, one definition for both engines. Column types are chosen so that each engine reads
 * them natively: `bigint` is INTEGER affinity on SQLite and int8 on PostgreSQL (epoch ms), `double
 * precision` is REAL on SQLite, and JSON is plain `text` on both (parsed by each aggregate's row mapping).
 */
export function initialMigration(engine: EngineName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("cases")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("workflow", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("route", "text", (c) => c.notNull())
        .addColumn("risk_class", "text", (c) => c.notNull())
        .addColumn("confidence", "double precision", (c) => c.notNull())
        .addColumn("input", "text", (c) => c.notNull())
        .addColumn("proposal", "text", (c) => c.notNull())
        .addColumn("rationale", "text")
        .addColumn("evidence", "text")
        .addColumn("subject", "text")
        .addColumn("metadata", "text")
        .addColumn("context", "text")
        .addColumn("explanation", "text", (c) => c.notNull())
        .addColumn("idempotency_key", "text")
        .addColumn("request_hash", "text", (c) => c.notNull())
        .addColumn("callback_url", "text")
        .addColumn("submitted_by", "text", (c) => c.notNull())
        .addColumn("policy_version", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("decided_at", "bigint")
        .addColumn("lease_id", "text")
        .addColumn("lease_holder", "text")
        .addColumn("claimed_at", "bigint")
        .addColumn("lease_expires_at", "bigint")
        .execute();
      // The idempotency guarantee lives here, not in application code: concurrent identical submits race
      // on this index and `insertCase` turns the loser into a read (ON CONFLICT DO NOTHING). Partial, so
      // cases without a key never collide; the ON CONFLICT target repeats this predicate.
      await db.schema
        .createIndex("cases_workflow_idempotency_key")
        .on("cases")
        .columns(["workflow", "idempotency_key"])
        .unique()
        .where("idempotency_key", "is not", null)
        .execute();
      // The claim scans waiting cases oldest first; decided cases (the bulk, over time) sort away from
      // the `queued`/`claimed` prefixes so the scan never walks them.
      await db.schema.createIndex("cases_queue").on("cases").columns(["status", "created_at"]).execute();

      await db.schema
        .createTable("decisions")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("case_id", "text", (c) => c.notNull().references("cases.id"))
        .addColumn("decided_by", "text", (c) => c.notNull())
        .addColumn("verdict", "text", (c) => c.notNull())
        .addColumn("output", "text", (c) => c.notNull())
        .addColumn("reason_code", "text")
        .addColumn("note", "text")
        .addColumn("claimed_at", "bigint")
        .addColumn("decided_at", "bigint", (c) => c.notNull())
        .addColumn("held_ms", "bigint")
        .execute();
      await db.schema.createIndex("decisions_case_id").on("decisions").column("case_id").execute();

      await db.schema
        .createTable("events")
        // The log's order. The engines have no common spelling for a generated key: SQLite's
        // AUTOINCREMENT makes the rowid alias never reuse a number, PostgreSQL uses an identity column.
        .addColumn("seq", engine === "sqlite" ? "integer" : "bigint", (c) =>
          engine === "sqlite"
            ? c.primaryKey().autoIncrement()
            : c.primaryKey().generatedByDefaultAsIdentity(),
        )
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("case_id", "text", (c) => c.references("cases.id"))
        .addColumn("actor", "text", (c) => c.notNull())
        .addColumn("data", "text", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("events_case_id").on("events").column("case_id").execute();

      await db.schema
        .createTable("outbox")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("case_id", "text", (c) => c.notNull().references("cases.id"))
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
      // Workers poll for due messages; delivered ones (nearly all of them) stay out of the index.
      await db.schema
        .createIndex("outbox_due")
        .on("outbox")
        .column("next_attempt_at")
        // sql.ref only because Kysely types an index predicate over the indexed columns; portable SQL.
        .where(sql.ref("delivered_at"), "is", null)
        .execute();

      await db.schema
        .createTable("api_keys")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("workflows", "text")
        .addColumn("token_hash", "text", (c) => c.notNull().unique())
        .addColumn("signing_secret", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>) {
      for (const table of ["api_keys", "outbox", "events", "decisions", "cases"]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
