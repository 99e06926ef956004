import { type Kysely, type Migration, sql } from "kysely";

/**
 * Issue 14, items 3 and 4: request_changes and revisions, the tool's input schema.
 *
 * - `revision_of`: the case a revision answers (a reviewer asked for changes on it), null for a first
 *   version; `version` counts from 1 along the chain. Indexed (partial) so a case's next version is one
 *   look-up; not unique: a revision's submit is made idempotent by the idempotency key the route derives
 *   from the case it revises (http/cases/revisions.ts), which the insert already resolves on conflict.
 * - `tool_input_schema`: the JSON Schema of the tool's arguments sent with the case (JSON text), which
 *   the proposal met at submit and every edit must meet before it is recorded.
 * - `cases_corrections`: a workflow's recent decided real cases per action, newest first, for
 *   `GET /v1/workflows/:name/corrections` (the same partial "real case" predicate as migration 010's).
 */
export function revisionsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("cases").addColumn("revision_of", "text").execute();
      await db.schema
        .alterTable("cases")
        .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema.alterTable("cases").addColumn("tool_input_schema", "text").execute();
      await db.schema
        .createIndex("cases_revision_of")
        .on("cases")
        .column("revision_of")
        .where(sql.ref("revision_of"), "is not", null)
        .execute();
      await db.schema
        .createIndex("cases_corrections")
        .on("cases")
        .columns(["workflow", "action", "decided_at"])
        .where(sql.ref("decided_at"), "is not", null)
        .where(sql<boolean>`coalesce(gold_id, overlap_of) is null`)
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex("cases_corrections").execute();
      await db.schema.dropIndex("cases_revision_of").execute();
      await db.schema.alterTable("cases").dropColumn("tool_input_schema").execute();
      await db.schema.alterTable("cases").dropColumn("version").execute();
      await db.schema.alterTable("cases").dropColumn("revision_of").execute();
    },
  };
}
