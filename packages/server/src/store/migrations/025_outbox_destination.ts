import { type Kysely, type Migration, sql } from "kysely";
import { destinationOf } from "../outbox/destination.js";

/**
 * Each outbox row names its destination (outbox/destination.ts), so the webhook worker's claim leaves
 * out every message to a destination that already has its share of deliveries in flight, in SQL,
 * however many are queued (issue 13, item 4). Before, such messages were left out by id, at most 1,000
 * of them; past that the worker claimed nothing, so an automation that queued a thousand webhooks to its
 * own slow receiver held back every other automation's webhooks until its backlog drained.
 * Rows still to be delivered are filled in here; the rest are never claimed again and keep null.
 */
export function outboxDestinationMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("outbox").addColumn("destination", "text").execute();
      const { rows } = await sql<{ id: string; url: string }>`
        SELECT id, url FROM outbox WHERE delivered_at IS NULL AND next_attempt_at IS NOT NULL`.execute(db);
      for (const r of rows) {
        await sql`UPDATE outbox SET destination = ${destinationOf(r.url)} WHERE id = ${r.id}`.execute(db);
      }
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable("outbox").dropColumn("destination").execute();
    },
  };
}
