import type { Kysely, Migration } from "kysely";
import { chainExistingRows } from "../audit/backfill.js";
import type { Database } from "../schema.js";

/**
 * The tamper-evident audit log (issue 13, item 9; store/audit/): every event, decision and outcome row
 * gets its place in its case's hash chain (`chain_pos`, `prev_hash`, `hash`), the case row the chain's
 * head (`chain_head`, `chain_length`, `chain_at`), and signed checkpoints list the heads.
 *
 * `cases_chain_at`: a checkpoint reads the chains that grew since the one before it, not every case.
 * The backfill chains the rows already stored, in the order they were written, so an upgraded database
 * verifies from its first case.
 */
export function auditChainMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const table of ["events", "decisions", "outcomes"]) {
        await db.schema.alterTable(table).addColumn("chain_pos", "integer").execute();
        await db.schema.alterTable(table).addColumn("prev_hash", "text").execute();
        await db.schema.alterTable(table).addColumn("hash", "text").execute();
      }
      await db.schema.alterTable("cases").addColumn("chain_head", "text").execute();
      await db.schema.alterTable("cases").addColumn("chain_length", "integer").execute();
      await db.schema.alterTable("cases").addColumn("chain_at", "bigint").execute();
      await db.schema.createIndex("cases_chain_at").on("cases").column("chain_at").execute();
      // `audit verify` reads each case's rows of the decisions and outcomes by case (events_case_id and
      // decisions_case_id exist; outcomes_case too).
      await db.schema
        .createTable("audit_checkpoints")
        .addColumn("number", "integer", (c) => c.primaryKey())
        .addColumn("prev_hash", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("chains", "integer", (c) => c.notNull())
        .addColumn("digest", "text", (c) => c.notNull())
        .addColumn("key_id", "text", (c) => c.notNull())
        .addColumn("signature", "text", (c) => c.notNull())
        .addColumn("hash", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("audit_checkpoint_heads")
        .addColumn("checkpoint", "integer", (c) => c.notNull())
        .addColumn("chain_id", "text", (c) => c.notNull())
        .addColumn("length", "integer", (c) => c.notNull())
        .addColumn("head", "text", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("audit_checkpoint_heads_pkey", ["checkpoint", "chain_id"])
        .execute();
      await chainExistingRows(db as Kysely<Database>);
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("audit_checkpoint_heads").execute();
      await db.schema.dropTable("audit_checkpoints").execute();
      await db.schema.dropIndex("cases_chain_at").execute();
      for (const column of ["chain_at", "chain_length", "chain_head"]) {
        await db.schema.alterTable("cases").dropColumn(column).execute();
      }
      for (const table of ["outcomes", "decisions", "events"]) {
        for (const column of ["hash", "prev_hash", "chain_pos"]) {
          await db.schema.alterTable(table).dropColumn(column).execute();
        }
      }
    },
  };
}
