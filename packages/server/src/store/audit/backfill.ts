import type { Kysely } from "kysely";
import type { Database } from "../schema.js";
import { CASE_BASE_COLUMNS, ChainCursor, type ChainedTable, caseHash, SYSTEM_GENESIS } from "./chain.js";

/** Cases chained per round of the backfill: bounded memory on a large history. */
const BATCH = 500;

/**
 * Chains the rows stored before migration 017, in the order they were written: within a case by time
 * (event `at`, `decided_at`, `reported_at`), a decision before the events written with it (as decide
 * does), events in `seq` order. Events of no case form the system chain.
 */
export async function chainExistingRows(db: Kysely<Database>): Promise<void> {
  const now = Date.now();
  let after = "";
  for (;;) {
    const cases = await db
      .selectFrom("cases")
      // Migration 017 runs before 020 adds the revision columns (a case then has none: chain.ts).
      .select(CASE_BASE_COLUMNS)
      .where("id", ">", after)
      .orderBy("id")
      .limit(BATCH)
      .execute();
    if (cases.length === 0) break;
    after = (cases[cases.length - 1] as (typeof cases)[number]).id;
    const ids = cases.map((c) => c.id);
    const rows = await rowsOf(db, ids);
    for (const c of cases) {
      const cursor = new ChainCursor(caseHash(c), 0);
      for (const r of rows.get(c.id) ?? []) await link(db, cursor, r);
      await db
        .updateTable("cases")
        .set({ chain_head: cursor.head, chain_length: cursor.length, chain_at: now })
        .where("id", "=", c.id)
        .execute();
    }
  }
  const system = await db
    .selectFrom("events")
    .selectAll()
    .where("case_id", "is", null)
    .orderBy("seq")
    .execute();
  if (system.length > 0) {
    const cursor = new ChainCursor(SYSTEM_GENESIS, 0);
    for (const e of system) await link(db, cursor, { table: "events", key: e.seq, at: e.at, row: e });
    await db
      .insertInto("settings")
      .values({
        name: "audit_chain_head:system",
        value: JSON.stringify({ head: cursor.head, length: cursor.length, at: now }),
        created_at: now,
      })
      .execute();
  }
}

interface Stored {
  table: ChainedTable;
  key: string | number;
  at: number;
  row: Record<string, unknown>;
}

const TABLE_ORDER: Record<ChainedTable, number> = { decisions: 0, outcomes: 1, events: 2 };

async function rowsOf(db: Kysely<Database>, ids: string[]): Promise<Map<string, Stored[]>> {
  const [events, decisions, outcomes] = await Promise.all([
    db.selectFrom("events").selectAll().where("case_id", "in", ids).orderBy("seq").execute(),
    db.selectFrom("decisions").selectAll().where("case_id", "in", ids).orderBy("id").execute(),
    db.selectFrom("outcomes").selectAll().where("case_id", "in", ids).orderBy("id").execute(),
  ]);
  const all: (Stored & { caseId: string })[] = [
    ...decisions.map((r) => ({
      table: "decisions" as const,
      key: r.id,
      at: r.decided_at,
      row: r,
      caseId: r.case_id,
    })),
    ...outcomes.map((r) => ({
      table: "outcomes" as const,
      key: r.id,
      at: r.reported_at,
      row: r,
      caseId: r.case_id,
    })),
    ...events.map((r) => ({
      table: "events" as const,
      key: r.seq,
      at: r.at,
      row: r,
      caseId: r.case_id as string,
    })),
  ];
  // Stable sort: events keep their seq order among equal times.
  all.sort((a, b) => a.at - b.at || TABLE_ORDER[a.table] - TABLE_ORDER[b.table]);
  const byCase = new Map<string, Stored[]>();
  for (const r of all) {
    const list = byCase.get(r.caseId) ?? [];
    list.push(r);
    byCase.set(r.caseId, list);
  }
  return byCase;
}

async function link(db: Kysely<Database>, cursor: ChainCursor, r: Stored): Promise<void> {
  const { chain_pos, prev_hash, hash } = cursor.link(r.table, { ...r.row });
  const set = { chain_pos, prev_hash, hash };
  if (r.table === "events") {
    await db
      .updateTable("events")
      .set(set)
      .where("seq", "=", r.key as number)
      .execute();
  } else {
    await db
      .updateTable(r.table)
      .set(set)
      .where("id", "=", r.key as string)
      .execute();
  }
}
