import type { Kysely, Migration } from "kysely";

/**
 * Webhook signing secrets that rotate (issue 13, item 5): each owner (an API key for its case webhooks,
 * `workflow:<name>` for its oversight alerts) has one or more secrets; the newest signs, and a secret
 * replaced by a rotation stays valid until `expires_at` (the overlap), so receivers can switch without
 * missing a delivery. A key that was never rotated has no row here and signs with
 * `api_keys.signing_secret`, the secret shown when it was created.
 */
export function webhookSecretsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("webhook_secrets")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("owner", "text", (c) => c.notNull())
        .addColumn("secret", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("expires_at", "bigint")
        .execute();
      await db.schema
        .createIndex("webhook_secrets_owner")
        .on("webhook_secrets")
        .columns(["owner", "created_at"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("webhook_secrets").execute();
    },
  };
}
