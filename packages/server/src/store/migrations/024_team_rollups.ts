import { type Kysely, type Migration, sql } from "kysely";
import { rebuildRollups } from "../metrics/rollup-rebuild.js";
import type { Database } from "../schema.js";

/**
 * The `team` rollup documents (metrics/rollup-docs.ts; issue 12, nothing heavy on the event loop): per
 * workflow, UTC day and risk class, every person's decisions together, so a report not grouped by
 * reviewer reads a few documents per day instead of one per person and day. No new table: the rows go
 * in `metric_rollups`.
 *
 * The existing history's documents are rebuilt from the tables, the way migration 014 first computed
 * them, so an upgraded database reports the same figures as before the upgrade. It reads every case
 * and decision once, in one transaction: on a large history the upgrade takes as long as
 * `store.metrics.rebuildRollups()` (about 15 s per million events on the development machine).
 */
export function teamRollupsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await rebuildRollups(db as Kysely<Database>);
    },
    async down(db: Kysely<unknown>) {
      await sql`delete from metric_rollups where kind = 'team'`.execute(db);
    },
  };
}
