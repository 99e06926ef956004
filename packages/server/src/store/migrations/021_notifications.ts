import { type Kysely, type Migration, sql } from "kysely";

/**
 * Issue 14, item 5: notifications to reviewers (Slack, email) and deciding from them.
 *
 * - `notify_identities`: who a Slack user id or an email address is in Loopgate. Deciding from a
 *   notification needs this mapping (made by an admin), never "anyone in the channel".
 * - `notify_tokens`: the email links' tokens, stored as sha256 only, each bound to one person, one case
 *   and the address it was sent to; `used_at` makes them single use.
 * - `notify_messages`: the notification outbox. A `case` row per waiting case and channel (the unique
 *   index below lets every process announce the same case at most once), composed when it is sent; a
 *   `reply` row is a Slack response_url update after a decision. Claimed with a lease like the
 *   webhook outbox (store/leases.ts); `outcome` says what became of it (sent, digest, skipped, failed).
 */
export function notificationsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("notify_identities")
        .addColumn("channel", "text", (c) => c.notNull())
        .addColumn("external_id", "text", (c) => c.notNull())
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("created_by", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("notify_identities_pk", ["channel", "external_id"])
        .execute();
      await db.schema
        .createTable("notify_tokens")
        .addColumn("token_hash", "text", (c) => c.primaryKey())
        .addColumn("case_id", "text", (c) => c.notNull())
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("address", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .addColumn("used_at", "bigint")
        .execute();
      await db.schema
        .createTable("notify_messages")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("workflow", "text", (c) => c.notNull())
        .addColumn("channel", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("case_id", "text")
        .addColumn("case_created_at", "bigint")
        .addColumn("target", "text")
        .addColumn("body", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("next_attempt_at", "bigint")
        .addColumn("lease_until", "bigint")
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("last_error", "text")
        .addColumn("sent_at", "bigint")
        .addColumn("outcome", "text")
        .addColumn("digest_id", "text")
        .execute();
      await db.schema
        .createIndex("notify_messages_one_per_case")
        .on("notify_messages")
        .columns(["case_id", "channel"])
        .unique()
        .where(sql.ref("kind"), "=", sql.lit("case"))
        .execute();
      // The worker's claim: what is due and not yet sent.
      await db.schema
        .createIndex("notify_messages_due")
        .on("notify_messages")
        .columns(["next_attempt_at"])
        .where(sql.ref("sent_at"), "is", null)
        .execute();
      // The digest's count of what a channel got lately, and the scan's watermark per workflow.
      await db.schema
        .createIndex("notify_messages_recent")
        .on("notify_messages")
        .columns(["workflow", "channel", "sent_at"])
        .execute();
      await db.schema
        .createIndex("notify_messages_watermark")
        .on("notify_messages")
        .columns(["workflow", "case_created_at"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("notify_messages").execute();
      await db.schema.dropTable("notify_tokens").execute();
      await db.schema.dropTable("notify_identities").execute();
    },
  };
}
