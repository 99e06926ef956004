import type { StoreEngine } from "../engine.js";

/** A webhook signing secret and until when it still verifies (null = it is the current one). */
export interface WebhookSecret {
  secret: string;
  createdAt: number;
  expiresAt: number | null;
}

/**
 * Webhook signing secrets that rotate with overlap (migration 015). An owner is an API key id (its case
 * webhooks) or `workflow:<name>` (that workflow's oversight alerts).
 */
export interface WebhookSecretStore {
  /** The owner's secrets that still verify at `now`, newest first (the first one signs). */
  valid(owner: string, now: number): Promise<WebhookSecret[]>;
  /**
   * Makes `secret` the owner's signing secret; the ones before it stay valid until `overlapUntil` (or
   * their own earlier end). `seed`, if the owner has no row yet, is recorded first as its old secret (a
   * key's creation secret, so it keeps verifying during the overlap).
   */
  rotate(
    owner: string,
    args: { secret: string; now: number; overlapUntil: number; seed?: string },
  ): Promise<void>;
  /** The owner's first secret, created once: two processes that race both read the same one. */
  initial(owner: string, secret: string, now: number): Promise<WebhookSecret>;
}

export function webhookSecretStore(engine: StoreEngine): WebhookSecretStore {
  const { db } = engine;
  const valid: WebhookSecretStore["valid"] = async (owner, now) => {
    const rows = await db
      .selectFrom("webhook_secrets")
      .select(["secret", "created_at", "expires_at"])
      .where("owner", "=", owner)
      .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .execute();
    return rows.map((r) => ({
      secret: r.secret,
      createdAt: Number(r.created_at),
      expiresAt: r.expires_at === null ? null : Number(r.expires_at),
    }));
  };
  return {
    valid,
    rotate: (owner, { secret, now, overlapUntil, seed }) =>
      db.transaction().execute(async (trx) => {
        const any = await trx
          .selectFrom("webhook_secrets")
          .select("id")
          .where("owner", "=", owner)
          .limit(1)
          .executeTakeFirst();
        if (!any && seed !== undefined) {
          await trx
            .insertInto("webhook_secrets")
            .values({ id: `${owner}#seed`, owner, secret: seed, created_at: 0, expires_at: null })
            .execute();
        }
        await trx
          .updateTable("webhook_secrets")
          .set({ expires_at: overlapUntil })
          .where("owner", "=", owner)
          .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", overlapUntil)]))
          .execute();
        await trx
          .insertInto("webhook_secrets")
          // The time in the id orders two rotations within one millisecond as they happened.
          .values({
            id: `${owner}#${now}#${process.hrtime.bigint()}`,
            owner,
            secret,
            created_at: now,
            expires_at: null,
          })
          .execute();
      }),
    async initial(owner, secret, now) {
      await db
        .insertInto("webhook_secrets")
        .values({ id: `${owner}#initial`, owner, secret, created_at: now, expires_at: null })
        .onConflict((oc) => oc.column("id").doNothing())
        .execute();
      const [current] = await valid(owner, now);
      if (!current) throw new Error(`no webhook secret for ${owner}`);
      return current;
    },
  };
}
