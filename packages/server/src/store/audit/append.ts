import { type Insertable, SqliteAdapter } from "kysely";
import type { Db } from "../rows.js";
import type { DecisionsTable, EventsTable, OutcomesTable } from "../schema.js";
import {
  CASE_CONTENT_COLUMNS,
  ChainCursor,
  type ChainedTable,
  type ChainHead,
  caseHash,
  SYSTEM_CHAIN,
  SYSTEM_GENESIS,
} from "./chain.js";

/** One row to append: which table, and the row as it will be inserted (links are added here). */
export type ChainItem =
  | { table: "events"; row: Insertable<EventsTable> }
  | { table: "decisions"; row: Insertable<DecisionsTable> }
  | { table: "outcomes"; row: Insertable<OutcomesTable> };

/** Where the system chain's head is kept (events of no case are rare: oversight alerts). */
const SYSTEM_HEAD_SETTING = "audit_chain_head:system";

/**
 * Inserts `items` into their tables, each linked into its case's chain, and moves the chains' heads, in
 * one transaction (`db`'s, or a new one). Each chain's head is read under a row lock on its case, so two
 * transactions appending to one case take turns; different cases never wait for each other.
 *
 * `chain_at` is the server's wall clock, not the request's clock: checkpoints compare it with their own.
 *
 * `known` gives heads the caller already read under that lock (e.g. from the UPDATE that took the
 * case's lease, which RETURNs them), saving the read.
 */
export async function appendChained(
  db: Db,
  items: readonly ChainItem[],
  known?: ReadonlyMap<string, ChainHead>,
): Promise<void> {
  if (items.length === 0) return;
  if (!db.isTransaction) {
    await db.transaction().execute((trx) => appendChained(trx, items, known));
    return;
  }
  const ids = [...new Set(items.map((i) => i.row.case_id ?? SYSTEM_CHAIN))];
  const heads = new Map(known);
  const missing = ids.filter((id) => !heads.has(id));
  if (missing.length > 0) for (const [id, h] of await lockHeads(db, missing)) heads.set(id, h);
  const cursors = new Map(ids.map((id) => [id, headCursor(heads, id)]));

  const byTable = linkAll(cursors, items);
  await insertRows(db, { ...byTable, events: [] });
  const events = byTable.events as Insertable<EventsTable>[];
  const [only] = cursors;
  if (only && cursors.size === 1 && only[0] !== SYSTEM_CHAIN && events.length > 0 && !isSqlite(db)) {
    // One case's chain (nearly every append): on PostgreSQL the head moves in the events' INSERT
    // statement, a data-modifying WITH, so the chain costs no round trip there. SQLite has no such WITH
    // and no round trips to save.
    await db
      .with("appended", (q) => q.insertInto("events").values(events).returning("seq"))
      .updateTable("cases")
      .set(headColumns(only[1], Date.now()))
      .where("id", "=", only[0])
      .execute();
    return;
  }
  if (events.length > 0) await db.insertInto("events").values(events).execute();
  await saveHeads(db, cursors, Date.now());
}

/** Rows linked into their chains, by table, ready to insert. */
export type LinkedRows = { [T in ChainedTable]: ChainItem["row"][] };

/** Links `items` (in order) into the chains of `cursors`, moving each cursor to its chain's new head. */
export function linkAll(cursors: ReadonlyMap<string, ChainCursor>, items: readonly ChainItem[]): LinkedRows {
  const byTable: LinkedRows = { events: [], decisions: [], outcomes: [] };
  for (const item of items) {
    const cursor = cursors.get(item.row.case_id ?? SYSTEM_CHAIN);
    if (!cursor) throw new Error(`audit chain: no head for ${item.row.case_id}`);
    byTable[item.table].push(cursor.link(item.table, item.row));
  }
  return byTable;
}

/** Inserts linked rows; the caller moves the heads (in a statement it runs anyway, where it can). */
export async function insertRows(db: Db, rows: LinkedRows): Promise<void> {
  if (rows.decisions.length > 0) {
    await db
      .insertInto("decisions")
      .values(rows.decisions as Insertable<DecisionsTable>[])
      .execute();
  }
  if (rows.outcomes.length > 0) {
    await db
      .insertInto("outcomes")
      .values(rows.outcomes as Insertable<OutcomesTable>[])
      .execute();
  }
  if (rows.events.length > 0) {
    await db
      .insertInto("events")
      .values(rows.events as Insertable<EventsTable>[])
      .execute();
  }
}

const isSqlite = (db: Db) => db.getExecutor().adapter instanceof SqliteAdapter;

/** The case row's columns that hold its chain's head at `c`. */
export function headColumns(c: ChainCursor, at: number) {
  return { chain_head: c.head, chain_length: c.length, chain_at: at };
}

function headCursor(heads: ReadonlyMap<string, ChainHead>, id: string): ChainCursor {
  const h = heads.get(id);
  if (!h) throw new Error(`audit chain: case ${id} not found`);
  return new ChainCursor(h.head, h.length);
}

/**
 * The current heads of these chains, each locked until commit. On PostgreSQL the case rows are locked
 * FOR NO KEY UPDATE (in id order, so two multi-case appends cannot deadlock); SQLite has one writer,
 * whose transaction already excludes every other.
 */
async function lockHeads(db: Db, ids: readonly string[]): Promise<Map<string, ChainHead>> {
  const sqlite = isSqlite(db);
  const heads = new Map<string, ChainHead>();
  const caseIds = ids.filter((id) => id !== SYSTEM_CHAIN).sort();
  if (caseIds.length > 0) {
    const q = db
      .selectFrom("cases")
      .select(["id", "chain_head", "chain_length"])
      .where("id", "in", caseIds)
      .orderBy("id");
    for (const r of await (sqlite ? q : q.forNoKeyUpdate()).execute()) {
      heads.set(r.id, { head: r.chain_head ?? (await genesisOf(db, r.id)), length: r.chain_length ?? 0 });
    }
  }
  if (ids.includes(SYSTEM_CHAIN)) {
    // Insert-if-absent, then read under lock: the first alerts of two processes agree on one head.
    await db
      .insertInto("settings")
      .values({
        name: SYSTEM_HEAD_SETTING,
        value: JSON.stringify({ head: SYSTEM_GENESIS, length: 0, at: 0 }),
        created_at: Date.now(),
      })
      .onConflict((oc) => oc.column("name").doNothing())
      .execute();
    const q = db.selectFrom("settings").select("value").where("name", "=", SYSTEM_HEAD_SETTING);
    const row = await (sqlite ? q : q.forNoKeyUpdate()).executeTakeFirstOrThrow();
    const { head, length } = JSON.parse(row.value) as ChainHead;
    heads.set(SYSTEM_CHAIN, { head, length });
  }
  return heads;
}

/** A case written before its chain had a head (none should be): its chain starts from its row. */
async function genesisOf(db: Db, id: string): Promise<string> {
  const row = await db
    .selectFrom("cases")
    .select(CASE_CONTENT_COLUMNS)
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  return caseHash(row);
}

async function saveHeads(db: Db, cursors: ReadonlyMap<string, ChainCursor>, now: number): Promise<void> {
  for (const [id, c] of cursors) {
    if (id === SYSTEM_CHAIN) {
      await db
        .updateTable("settings")
        .set({ value: JSON.stringify({ head: c.head, length: c.length, at: now }) })
        .where("name", "=", SYSTEM_HEAD_SETTING)
        .execute();
    } else {
      await db.updateTable("cases").set(headColumns(c, now)).where("id", "=", id).execute();
    }
  }
}

/** The system chain's head as stored (the checkpoint lists it beside the cases'). */
export async function systemHead(db: Db): Promise<(ChainHead & { at: number }) | undefined> {
  const row = await db
    .selectFrom("settings")
    .select("value")
    .where("name", "=", SYSTEM_HEAD_SETTING)
    .executeTakeFirst();
  return row ? (JSON.parse(row.value) as ChainHead & { at: number }) : undefined;
}
