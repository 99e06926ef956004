import type { Kysely, Migration } from "kysely";
import { rebuildRollups } from "../metrics/rollup-rebuild.js";
import type { Database } from "../schema.js";

/**
 * Governance metrics that do not scan (issue 12, item 3): `metric_rollups` holds, per workflow and UTC
 * day, what the governance report counts (metrics/rollup-docs.ts), kept in the transaction of every
 * write that changes it (metrics/rollup-writes.ts). A 90-day report reads hundreds of these rows instead
 * of the window's cases and decisions.
 *
 * The key is also the order a report reads: one kind over a range of days, optionally some workflows.
 * `version` counts the writes of a row (the statement that locks it for a write bumps it).
 * `audits_case`: the decision that decides a case looks up its audit verdict (an audited case may be
 * decided again after a revoke), which without it would read every done audit.
 *
 * The backfill computes the rollups of the existing rows, so an upgraded database reports the same
 * figures as before the upgrade.
 */
export function metricRollupsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("metric_rollups")
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("day", "integer", (c) => c.notNull())
        .addColumn("workflow", "text", (c) => c.notNull())
        .addColumn("part", "text", (c) => c.notNull())
        .addColumn("doc", "text", (c) => c.notNull())
        .addColumn("version", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("metric_rollups_pkey", ["kind", "day", "workflow", "part"])
        .execute();
      await db.schema.createIndex("audits_case").on("audits").column("case_id").execute();
      await rebuildRollups(db as Kysely<Database>);
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex("audits_case").execute();
      await db.schema.dropTable("metric_rollups").execute();
    },
  };
}
