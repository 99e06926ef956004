import {
  type Insertable,
  type InsertQueryBuilder,
  type InsertResult,
  type QueryCreator,
  SqliteAdapter,
  type Updateable,
} from "kysely";
import type { Db } from "../rows.js";
import type { CasesTable, Database, DecisionsTable, EventsTable, OutcomesTable } from "../schema.js";
import { writeBehind } from "../write-behind.js";
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
 *
 * `alsoSet`: other columns of the case row (the items must all be that one case's), written by the same
 * UPDATE that moves its head, so a change of the case and its event cost one statement (a claim).
 */
export async function appendChained(
  db: Db,
  items: readonly ChainItem[],
  known?: ReadonlyMap<string, ChainHead>,
  alsoSet?: Updateable<CasesTable>,
): Promise<void> {
  if (items.length === 0) return;
  if (!db.isTransaction) {
    await db.transaction().execute((trx) => appendChained(trx, items, known, alsoSet));
    return;
  }
  const ids = [...new Set(items.map((i) => i.row.case_id ?? SYSTEM_CHAIN))];
  if (alsoSet && (ids.length !== 1 || ids[0] === SYSTEM_CHAIN)) {
    throw new Error("audit chain: alsoSet needs the items of one case");
  }
  const heads = new Map(known);
  const missing = ids.filter((id) => !heads.has(id));
  if (missing.length > 0) for (const [id, h] of await lockHeads(db, missing)) heads.set(id, h);
  const cursors = new Map(ids.map((id) => [id, headCursor(heads, id)]));

  const byTable = linkAll(cursors, items);
  const [only] = cursors;
  if (only && cursors.size === 1 && only[0] !== SYSTEM_CHAIN && !isSqlite(db)) {
    // One case's chain (nearly every append): on PostgreSQL its rows go in and its head moves in one
    // statement, data-modifying WITHs before the case's UPDATE, so the chain costs no round trip there.
    // SQLite has no such WITH and no round trips to save.
    let q: QueryCreator<Database> = db;
    const { decisions, outcomes, events } = rowsOf(byTable);
    // Each WITH adds its name to the query's tables; nothing reads them, so the type stays the database's.
    const insert = (
      name: string,
      build: (w: QueryCreator<Database>) => InsertQueryBuilder<Database, never, InsertResult>,
    ) => {
      q = q.with(name, build) as unknown as QueryCreator<Database>;
    };
    if (decisions.length > 0) insert("d", (w) => w.insertInto("decisions").values(decisions));
    if (outcomes.length > 0) insert("o", (w) => w.insertInto("outcomes").values(outcomes));
    if (events.length > 0) insert("e", (w) => w.insertInto("events").values(events));
    // Nobody reads its answer (the case is locked by the caller or by its UPDATE below, so it cannot
    // miss), so it goes with the transaction's next statement or its COMMIT (write-behind.ts).
    await writeBehind(() =>
      q
        .updateTable("cases")
        .set({ ...alsoSet, ...headColumns(only[1], Date.now()) })
        .where("id", "=", only[0])
        .execute(),
    );
    return;
  }
  await insertRows(db, byTable);
  await saveHeads(db, cursors, Date.now(), alsoSet);
}

/** Rows linked into their chains, by table, ready to insert. */
export type LinkedRows = { [T in ChainedTable]: ChainItem["row"][] };

/** Links `items` (in order) into the chains of `cursors`, moving each cursor to its chain's new head. */
function linkAll(cursors: ReadonlyMap<string, ChainCursor>, items: readonly ChainItem[]): LinkedRows {
  const byTable: LinkedRows = { events: [], decisions: [], outcomes: [] };
  for (const item of items) {
    const cursor = cursors.get(item.row.case_id ?? SYSTEM_CHAIN);
    if (!cursor) throw new Error(`audit chain: no head for ${item.row.case_id}`);
    byTable[item.table].push(cursor.link(item.table, item.row));
  }
  return byTable;
}

/** Linked rows as their tables take them. */
function rowsOf(rows: LinkedRows) {
  return {
    decisions: rows.decisions as Insertable<DecisionsTable>[],
    outcomes: rows.outcomes as Insertable<OutcomesTable>[],
    events: rows.events as Insertable<EventsTable>[],
  };
}

async function insertRows(db: Db, rows: LinkedRows): Promise<void> {
  const { decisions, outcomes, events } = rowsOf(rows);
  if (decisions.length > 0) await db.insertInto("decisions").values(decisions).execute();
  if (outcomes.length > 0) await db.insertInto("outcomes").values(outcomes).execute();
  if (events.length > 0) await db.insertInto("events").values(events).execute();
}

const isSqlite = (db: Db) => db.getExecutor().adapter instanceof SqliteAdapter;

/** The case row's columns that hold its chain's head at `c`. */
function headColumns(c: ChainCursor, at: number) {
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

async function saveHeads(
  db: Db,
  cursors: ReadonlyMap<string, ChainCursor>,
  now: number,
  alsoSet?: Updateable<CasesTable>,
): Promise<void> {
  for (const [id, c] of cursors) {
    if (id === SYSTEM_CHAIN) {
      await db
        .updateTable("settings")
        .set({ value: JSON.stringify({ head: c.head, length: c.length, at: now }) })
        .where("name", "=", SYSTEM_HEAD_SETTING)
        .execute();
    } else {
      await db
        .updateTable("cases")
        .set({ ...alsoSet, ...headColumns(c, now) })
        .where("id", "=", id)
        .execute();
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
