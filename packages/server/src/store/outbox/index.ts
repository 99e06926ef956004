import { NotFound } from "@loopgate/core";
import type { Updateable } from "kysely";
import { insertEvents, type NewEvent } from "../cases/events.js";
import type { StoreEngine } from "../engine.js";
import { type DueLease, leaseDue } from "../leases.js";
import type { Db } from "../rows.js";
import type { OutboxTable } from "../schema.js";
import { rowToOutbox } from "./rows.js";
import type { OutboxMessage } from "./types.js";

/**
 * The webhook outbox: deliveries are rows written in the transaction that decides (cases, review,
 * timers and oversight write them with `insertOutbox`); the outbox worker claims, sends and records them.
 */
export interface OutboxStore {
  /**
   * Leases up to `limit` due messages (nextAttemptAt <= now, not delivered, not leased, not among
   * `exclude`, not to one of `excludeDestinations` (outbox/destination.ts), not signed by one of
   * `excludeKeys`) for `leaseMs`.
   */
  claim(args: DueLease): Promise<OutboxMessage[]>;
  /** Marks delivered and writes a `webhook_delivered` event, in one transaction. */
  markDelivered(id: string, event: NewEvent): Promise<void>;
  /** Records a failed attempt: attempts+1, next try at `nextAttemptAt` (null = give up), a `webhook_failed` event. */
  markFailed(id: string, nextAttemptAt: number | null, event: NewEvent): Promise<void>;
  /**
   * Gives claimed messages back unattempted and still due (their lease ends now): the worker claimed them
   * for a destination that already has its share of deliveries in flight (no attempt, no event).
   */
  release(ids: readonly string[]): Promise<void>;
}

export function outboxStore(engine: StoreEngine): OutboxStore {
  const { db } = engine;
  return {
    claim: async (args) => (await leaseDue(db, engine.lockForClaim, "outbox", args)).map(rowToOutbox),
    markDelivered: (id, event) =>
      recordAttempt(db, id, event, { delivered_at: event.at, next_attempt_at: null }),
    release: async (ids) => {
      if (ids.length === 0) return;
      await db
        .updateTable("outbox")
        .set({ lease_until: null })
        .where("id", "in", [...ids])
        .where("delivered_at", "is", null)
        .execute();
    },
    markFailed: (id, nextAttemptAt, event) => {
      const error = event.data.error;
      return recordAttempt(db, id, event, {
        next_attempt_at: nextAttemptAt,
        last_error: typeof error === "string" ? error : null,
      });
    },
  };
}

/** One attempt more, the lease given back, and the attempt's event, in one transaction. */
async function recordAttempt(
  db: Db,
  id: string,
  event: NewEvent,
  set: Updateable<OutboxTable>,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable("outbox")
      .set((eb) => ({ ...set, attempts: eb("attempts", "+", 1), lease_until: null }))
      .where("id", "=", id)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) throw new NotFound(`outbox message ${id} not found`);
    await insertEvents(trx, [event]);
  });
}
