import type { Kysely, Migration } from "kysely";

/**
 * Keys that belong to a person (issue 11, item 7): `api_keys.user_id` names the user a key acts for, so
 * four-eyes, "never the submitter" and overlap independence count that person once however many keys
 * they hold. Null for a key of no one (automations, the bootstrap key): it is a person of its own.
 */
export function keyOwnerMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable("api_keys")
        .addColumn("user_id", "text", (c) => c.references("users.id"))
        .execute();
      // Claims look up every key of the claiming person (review/claim.ts) on each claim.
      await db.schema.createIndex("api_keys_user_id").on("api_keys").column("user_id").execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex("api_keys_user_id").execute();
      await db.schema.alterTable("api_keys").dropColumn("user_id").execute();
    },
  };
}
