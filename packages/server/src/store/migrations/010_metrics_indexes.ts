import { type Kysely, type Migration, sql } from "kysely";
import type { EngineName } from "../engine.js";

/**
 * Indexes for the governance metrics (store/metrics/governance.ts), so a window is an index range scan
 * rather than a read of every case and decision it holds. The cases indexes are partial on "a real case"
 * (not a catch trial nor an overlap copy, migration 008), written exactly as the metrics queries write
 * it (`REAL_CASE` there), and carry the columns their query reads, so the counts never touch the table
 * rows (1-2 kB of JSON each). Raw predicates and sql.ref only because Kysely types an index predicate
 * over the indexed columns; the SQL is the same on both engines.
 */

const REAL_CASE = sql<boolean>`coalesce(gold_id, overlap_of) is null`;
export function metricsIndexesMigration(engine: EngineName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Submitted cases of a window by route (and risk class or day): escalation rate, case counts.
      await db.schema
        .createIndex("cases_metrics_created")
        .on("cases")
        .columns(["created_at", "workflow", "route", "risk_class"])
        .where(REAL_CASE)
        .execute();
      // Only the cases that fired a trigger, whose explanations are read for the exception patterns.
      await db.schema
        .createIndex("cases_metrics_triggered")
        .on("cases")
        .columns(["created_at", "workflow", "risk_class"])
        .where(REAL_CASE)
        .where(sql<boolean>`explanation not like '%"triggers":[]%'`)
        .execute();
      // Cases decided in a window: one resolution time each (decided_at − created_at).
      await db.schema
        .createIndex("cases_metrics_decided")
        .on("cases")
        .columns(["decided_at", "workflow", "created_at", "risk_class"])
        .where(sql.ref("decided_at"), "is not", null)
        .where(REAL_CASE)
        .execute();
      // Decisions in force of a window, counted by verdict and reason code (and reviewer or day).
      await db.schema
        .createIndex("decisions_metrics")
        .on("decisions")
        .columns(["decided_at", "decided_by", "verdict", "reason_code", "case_id"])
        .where(sql.ref("revoked_at"), "is", null)
        .execute();
      // PostgreSQL keeps no statistics on an expression by itself, so it would guess that 0.5 % of the
      // cases are real and, say, drive the Prometheus event read from every case. These give it the
      // true share (collected by the next ANALYZE). SQLite plans without statistics and needs none.
      if (engine === "postgres") {
        await sql`create statistics cases_real_case on (coalesce(gold_id, overlap_of)) from cases`.execute(
          db,
        );
      }
    },
    async down(db: Kysely<unknown>) {
      if (engine === "postgres") await sql`drop statistics cases_real_case`.execute(db);
      await db.schema.dropIndex("decisions_metrics").execute();
      await db.schema.dropIndex("cases_metrics_decided").execute();
      await db.schema.dropIndex("cases_metrics_triggered").execute();
      await db.schema.dropIndex("cases_metrics_created").execute();
    },
  };
}
