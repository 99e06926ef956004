import { type Kysely, type Migration, sql } from "kysely";

/**
 * Issue 15, item 6: the owner's inbox.
 *
 * - An acknowledgement now says what the owner did about the alert (`ack_action`: coached,
 *   paused_reviewer, changed_policy or dismissed) and why (`ack_note`). Both stay null on alerts
 *   acknowledged before this migration: nobody recorded it then.
 * - `reviewer_pauses`: a reviewer kept from claiming a workflow's cases until the owner or an admin
 *   resumes them, kept after resume as the record. `reviewer` is the person (a user id, or a key of no
 *   one), so every key of a paused person is paused with them. One pause in force per workflow and
 *   person: a unique partial index, so two owners pausing at once make one row.
 */
export function ownerInboxMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("oversight_alerts").addColumn("ack_action", "text").execute();
      await db.schema.alterTable("oversight_alerts").addColumn("ack_note", "text").execute();
      await db.schema
        .createTable("reviewer_pauses")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("workflow", "text", (c) => c.notNull())
        .addColumn("reviewer", "text", (c) => c.notNull())
        .addColumn("alert_id", "text")
        .addColumn("note", "text")
        .addColumn("paused_by", "text", (c) => c.notNull())
        .addColumn("paused_at", "bigint", (c) => c.notNull())
        .addColumn("resumed_by", "text")
        .addColumn("resumed_at", "bigint")
        .addColumn("resume_note", "text")
        .execute();
      // The claim asks, for one person, which of their workflows they are paused in.
      await db.schema
        .createIndex("reviewer_pauses_in_force")
        .on("reviewer_pauses")
        .columns(["reviewer", "workflow"])
        .unique()
        .where(sql.ref("resumed_at"), "is", null)
        .execute();
      await db.schema
        .createIndex("reviewer_pauses_workflow_time")
        .on("reviewer_pauses")
        .columns(["workflow", "paused_at"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("reviewer_pauses").execute();
      await db.schema.alterTable("oversight_alerts").dropColumn("ack_note").execute();
      await db.schema.alterTable("oversight_alerts").dropColumn("ack_action").execute();
    },
  };
}
