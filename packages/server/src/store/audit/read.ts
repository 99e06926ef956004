import type { Db } from "../rows.js";
import { systemHead } from "./append.js";
import { CASE_CONTENT_COLUMNS, SYSTEM_CHAIN } from "./chain.js";
import type { StoredChain, StoredRow } from "./verify.js";

/** Cases read per round: memory stays flat however long the history. */
const BATCH = 200;

/**
 * Every chain as stored, one at a time: each case (by id; `since`: those whose chain grew at or after
 * it) with its events, decisions and outcomes, then the system chain (events of no case).
 */
export async function* storedChains(db: Db, opts: { since?: number } = {}): AsyncGenerator<StoredChain> {
  let after = "";
  for (;;) {
    let q = db
      .selectFrom("cases")
      .select([...CASE_CONTENT_COLUMNS, "chain_head", "chain_length", "chain_at"])
      .where("id", ">", after)
      .orderBy("id")
      .limit(BATCH);
    if (opts.since !== undefined) q = q.where("chain_at", ">=", opts.since);
    const cases = await q.execute();
    if (cases.length === 0) break;
    after = (cases[cases.length - 1] as (typeof cases)[number]).id;
    const ids = cases.map((c) => c.id);
    const [events, decisions, outcomes] = await Promise.all([
      db.selectFrom("events").selectAll().where("case_id", "in", ids).execute(),
      db.selectFrom("decisions").selectAll().where("case_id", "in", ids).execute(),
      db.selectFrom("outcomes").selectAll().where("case_id", "in", ids).execute(),
    ]);
    const rows = new Map<string, StoredRow[]>(ids.map((id) => [id, []]));
    for (const e of events) rows.get(e.case_id as string)?.push({ table: "events", key: e.seq, ...e });
    for (const d of decisions) rows.get(d.case_id)?.push({ table: "decisions", key: d.id, ...d });
    for (const o of outcomes) rows.get(o.case_id)?.push({ table: "outcomes", key: o.id, ...o });
    for (const { chain_head, chain_length, chain_at: _at, ...caseRow } of cases) {
      yield {
        id: caseRow.id,
        caseRow,
        head: chain_head === null ? null : { head: chain_head, length: chain_length ?? 0 },
        rows: rows.get(caseRow.id) ?? [],
      };
    }
  }
  const head = await systemHead(db);
  const events = await db.selectFrom("events").selectAll().where("case_id", "is", null).execute();
  if (head || events.length > 0) {
    yield {
      id: SYSTEM_CHAIN,
      caseRow: null,
      head: head ? { head: head.head, length: head.length } : null,
      rows: events.map((e) => ({ table: "events", key: e.seq, ...e })),
    };
  }
}
