import { appendChained } from "../audit/append.js";
import type { StoreEngine } from "../engine.js";
import { type Db, toJson } from "../rows.js";

/**
 * The retention purge (issue 13, item 10; EU AI Act Art. 26(6)): finished cases older than their
 * workflow's `retention.days` are deleted with every row that belongs to them. Each purge appends one
 * `cases_purged` event to the audit log's system chain in the same transaction, listing every case it
 * removed with its chain's length and head hash, so `audit verify` can tell a purge from a deletion:
 * the chain a checkpoint signed is gone because a signed, chained record says it was purged.
 */

/** A case the purge removes, with the head of its audit chain as it was. */
export interface PurgedCase {
  id: string;
  createdAt: number;
  /** Rows in the case's audit chain (0 for a case written before the chain existed). */
  chainLength: number;
  /** Hash of the chain's last row (the case row's own hash while nothing was chained). */
  chainHead: string | null;
}

export interface PurgeArgs {
  workflow: string;
  /** Cases created before this (epoch ms) are expired. */
  before: number;
  retentionDays: number;
  /** The policy's recorded reason for keeping fewer than the minimum days, if any. */
  belowMinimumBecause?: string;
  /** Who purges: "retention" for the worker, the CLI's "cli". */
  actor: string;
  now: number;
  /** At most this many cases in one transaction. */
  limit: number;
}

export interface RetentionStore {
  /** The expired finished cases of a workflow, oldest first, up to `limit`, without deleting them. */
  expired(workflow: string, before: number, limit: number): Promise<PurgedCase[]>;
  /**
   * Deletes up to `limit` expired finished cases of the workflow and their rows, and records the purge,
   * in one transaction. Resolves to what it deleted (empty: nothing was due).
   */
  purge(args: PurgeArgs): Promise<PurgedCase[]>;
}

/**
 * Finished: decided, released if it was held, and nobody holding it. A case still waiting for a person
 * is never purged, however old: it is not a record yet but work in progress.
 */
function expiredQuery(db: Db, workflow: string, before: number, limit: number) {
  return db
    .selectFrom("cases")
    .select(["id", "created_at", "chain_length", "chain_head"])
    .where("workflow", "=", workflow)
    .where("created_at", "<", before)
    .where("status", "=", "decided")
    .where((eb) => eb.or([eb("release_at", "is", null), eb("released_at", "is not", null)]))
    .where("lease_id", "is", null)
    .orderBy("created_at")
    .orderBy("id")
    .limit(limit);
}

type ExpiredRow = { id: string; created_at: number; chain_length: number | null; chain_head: string | null };

const toPurged = (r: ExpiredRow): PurgedCase => ({
  id: r.id,
  createdAt: Number(r.created_at),
  chainLength: r.chain_length ?? 0,
  chainHead: r.chain_head,
});

/**
 * Tables whose rows belong to one case (`case_id`), emptied before the case row goes: the notification
 * tables too, whose messages and email tokens name the case and the people it was sent to.
 */
const CASE_TABLES = [
  "events",
  "decisions",
  "outcomes",
  "audits",
  "timers",
  "outbox",
  "notify_messages",
  "notify_tokens",
] as const;

async function purge(db: Db, a: PurgeArgs): Promise<PurgedCase[]> {
  return db.transaction().execute(async (trx) => {
    const rows = await expiredQuery(trx, a.workflow, a.before, a.limit).execute();
    if (rows.length === 0) return [];
    const cases = rows.map(toPurged);
    const ids = cases.map((c) => c.id);
    for (const table of CASE_TABLES) {
      await trx.deleteFrom(table).where("case_id", "in", ids).execute();
    }
    await trx.deleteFrom("cases").where("id", "in", ids).execute();
    const data = {
      workflow: a.workflow,
      retentionDays: a.retentionDays,
      ...(a.belowMinimumBecause && { belowMinimumBecause: a.belowMinimumBecause }),
      before: new Date(a.before).toISOString(),
      cases,
    };
    const row = { type: "cases_purged", case_id: null, actor: a.actor, data: toJson(data), at: a.now };
    await appendChained(trx, [{ table: "events", row }]);
    return cases;
  });
}

export function retentionStore(engine: StoreEngine): RetentionStore {
  const { db } = engine;
  return {
    expired: async (workflow, before, limit) =>
      (await expiredQuery(db, workflow, before, limit).execute()).map(toPurged),
    purge: (args) => purge(db, args),
  };
}
