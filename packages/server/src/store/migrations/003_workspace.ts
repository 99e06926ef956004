import type { Kysely, Migration } from "kysely";

/**
 * Indexes for the reviewer workspace: a subject's history on the case screen (newest first), and one
 * reviewer's decisions of the day in the queue summary. Without them both scan whole tables.
 */
export function workspaceMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex("cases_subject").on("cases").columns(["subject", "created_at"]).execute();
      await db.schema
        .createIndex("decisions_decided_by")
        .on("decisions")
        .columns(["decided_by", "decided_at"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex("decisions_decided_by").execute();
      await db.schema.dropIndex("cases_subject").execute();
    },
  };
}
