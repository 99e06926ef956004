import type { Kysely, Migration } from "kysely";

/**
 * Audit sampling (issue 5, item 3): `audit_draws` keeps the parameters of each draw (seed, rate,
 * meanWeight, fastBelowMs) so it can be recomputed with core `drawAuditSample`; `audits` holds one row
 * per drawn case and the auditor's verdict. A case is audited at most once (unique case_id).
 */
export function auditsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("audit_draws")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("workflow", "text", (c) => c.notNull())
        .addColumn("seed", "text", (c) => c.notNull())
        .addColumn("rate", "double precision", (c) => c.notNull())
        .addColumn("mean_weight", "double precision", (c) => c.notNull())
        .addColumn("fast_below_ms", "double precision")
        .addColumn("since", "bigint", (c) => c.notNull())
        .addColumn("until", "bigint", (c) => c.notNull())
        .addColumn("population", "integer", (c) => c.notNull())
        .addColumn("drawn_by", "text", (c) => c.notNull())
        .addColumn("drawn_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("audits")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("case_id", "text", (c) => c.notNull().unique().references("cases.id").onDelete("cascade"))
        .addColumn("draw_id", "text", (c) => c.notNull().references("audit_draws.id").onDelete("cascade"))
        .addColumn("probability", "double precision", (c) => c.notNull())
        .addColumn("weight", "double precision", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("verdict", "text")
        .addColumn("note", "text")
        .addColumn("auditor", "text")
        .addColumn("decided_at", "bigint")
        .execute();
      await db.schema.createIndex("audits_status").on("audits").column("status").execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("audits").execute();
      await db.schema.dropTable("audit_draws").execute();
    },
  };
}
