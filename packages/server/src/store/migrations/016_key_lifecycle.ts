import { type Kysely, type Migration, sql } from "kysely";

/**
 * Issue 13, items 6 and 7: keys with a life cycle, sign-in lockouts, and idempotency keys that belong
 * to the key that submitted.
 *
 * - `api_keys.revoked_at` / `expires_at`: a key stops working at either; rows stay, since decisions,
 *   events and outbox rows name the key's id.
 * - `api_keys.previous_token_hash` / `previous_expires_at`: after a rotation the old token keeps
 *   working until `previous_expires_at` (the overlap window), so a fleet can roll the new secret out.
 *   Rotation keeps the key's id, so its cases, idempotency keys and webhook secret stay its own.
 * - `api_keys.bootstrap`: 1 for the key LOOPGATE_BOOTSTRAP_TOKEN made. Start-up revokes it once the
 *   variable is unset or changed (it used to live on as an ordinary admin key). Keys made before this
 *   migration by that code path are named "bootstrap", admin and of no one; they are marked so.
 * - `sign_in_failures`: wrong passwords counted per username and per address, shared by every process
 *   on the database, so running more processes does not multiply an attacker's guesses.
 * - The idempotency index gains `submitted_by`: per workflow alone, another automation could take a
 *   key first and so deny it to (or, before, learn the case of) the one that meant it.
 */
export function keyLifecycleMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("api_keys").addColumn("revoked_at", "bigint").execute();
      await db.schema.alterTable("api_keys").addColumn("expires_at", "bigint").execute();
      await db.schema.alterTable("api_keys").addColumn("previous_token_hash", "text").execute();
      await db.schema.alterTable("api_keys").addColumn("previous_expires_at", "bigint").execute();
      await db.schema
        .alterTable("api_keys")
        .addColumn("bootstrap", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      await sql`UPDATE api_keys SET bootstrap = 1 WHERE name = 'bootstrap' AND role = 'admin' AND user_id IS NULL`.execute(
        db,
      );
      // Authentication looks an old token up by its hash during the overlap window.
      await db.schema
        .createIndex("api_keys_previous_token_hash")
        .on("api_keys")
        .column("previous_token_hash")
        .where("previous_token_hash", "is not", null)
        .execute();

      await db.schema
        .createTable("sign_in_failures")
        // `user:<lowercased username>` or `addr:<client address>`.
        .addColumn("subject", "text", (c) => c.primaryKey())
        .addColumn("failures", "integer", (c) => c.notNull())
        .addColumn("first_at", "bigint", (c) => c.notNull())
        .addColumn("locked_until", "bigint", (c) => c.notNull())
        .execute();

      await db.schema.dropIndex("cases_workflow_idempotency_key").execute();
      await db.schema
        .createIndex("cases_submitter_idempotency_key")
        .on("cases")
        .columns(["workflow", "submitted_by", "idempotency_key"])
        .unique()
        .where("idempotency_key", "is not", null)
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex("cases_submitter_idempotency_key").execute();
      await db.schema
        .createIndex("cases_workflow_idempotency_key")
        .on("cases")
        .columns(["workflow", "idempotency_key"])
        .unique()
        .where("idempotency_key", "is not", null)
        .execute();
      await db.schema.dropTable("sign_in_failures").execute();
      await db.schema.dropIndex("api_keys_previous_token_hash").execute();
      for (const column of [
        "bootstrap",
        "previous_expires_at",
        "previous_token_hash",
        "expires_at",
        "revoked_at",
      ]) {
        await db.schema.alterTable("api_keys").dropColumn(column).execute();
      }
    },
  };
}
