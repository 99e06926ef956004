import { type Selectable, sql } from "kysely";
import type { Lock } from "./engine.js";
import type { Db } from "./rows.js";
import type { NotifyMessagesTable, OutboxTable, TimersTable } from "./schema.js";

/**
 * The durable jobs' tables: rows that are due at a time, held by one worker under a lease
 * (`lease_until`) and finished once (`done`). The outbox and the timers are claimed the same way.
 */
interface JobTables {
  outbox: { row: Selectable<OutboxTable>; due: "next_attempt_at"; done: "delivered_at" };
  timers: { row: Selectable<TimersTable>; due: "due_at"; done: "done_at" };
  notify_messages: { row: Selectable<NotifyMessagesTable>; due: "next_attempt_at"; done: "sent_at" };
}

const COLUMNS: { [T in keyof JobTables]: { due: JobTables[T]["due"]; done: JobTables[T]["done"] } } = {
  outbox: { due: "next_attempt_at", done: "delivered_at" },
  timers: { due: "due_at", done: "done_at" },
  notify_messages: { due: "next_attempt_at", done: "sent_at" },
};

/** Which due rows `leaseDue` takes, and for how long. */
export interface DueLease {
  now: number;
  limit: number;
  leaseMs: number;
  exclude?: readonly string[];
  /** Outbox only: leave out rows to these destinations (a row of unknown destination is not left out). */
  excludeDestinations?: readonly string[];
  /** Outbox only: leave out rows signed by these keys (`key_id`). */
  excludeKeys?: readonly string[];
}

/**
 * Leases up to `limit` rows of `table` that are due (due time <= now, not done, no live lease) to the
 * caller for `leaseMs`, earliest first. `lock` (the engine's claim lock) keeps two workers from taking
 * the same row; a worker that dies leaves its rows to be taken again when the lease runs out.
 */
export async function leaseDue<T extends keyof JobTables>(
  db: Db,
  lock: Lock,
  table: T,
  args: DueLease,
): Promise<JobTables[T]["row"][]> {
  const { now, limit, leaseMs, exclude = [], excludeDestinations = [], excludeKeys = [] } = args;
  // Kysely cannot type a query over a table chosen at run time; both tables have these columns, named
  // in COLUMNS, so the query is written against one of them.
  const t = table as "timers";
  const { due, done } = COLUMNS[table] as { due: "due_at"; done: "done_at" };
  return db.transaction().execute(async (trx) => {
    const query = trx
      .selectFrom(t)
      .selectAll()
      .where(done, "is", null)
      .where(due, "<=", now)
      .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now)]))
      .$if(exclude.length > 0, (q) => q.where("id", "not in", [...exclude]))
      .$if(table === "outbox" && excludeDestinations.length > 0, (q) =>
        q.where(sql<boolean>`(destination IS NULL OR destination NOT IN (${sql.join(excludeDestinations)}))`),
      )
      .$if(table === "outbox" && excludeKeys.length > 0, (q) =>
        q.where(sql<boolean>`key_id NOT IN (${sql.join(excludeKeys)})`),
      )
      .orderBy(due)
      .orderBy("id")
      .limit(limit);
    const rows = await lock(query).execute();
    if (rows.length === 0) return [];
    await trx
      .updateTable(t)
      .set({ lease_until: now + leaseMs })
      .where(
        "id",
        "in",
        rows.map((r) => r.id),
      )
      .execute();
    return rows as unknown as JobTables[T]["row"][];
  });
}
