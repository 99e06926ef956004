import { sql } from "kysely";
import type { Tx } from "../rows.js";
import { RollupDoc, type RollupKey } from "./rollup-docs.js";

/**
 * Adding changed documents to their `metric_rollups` rows, inside the caller's transaction. Plain SQL,
 * the same on both engines: these run on every submit and decision, where building queries with Kysely
 * cost more than running them.
 *
 * Each row is locked and read in one statement (a no-op update RETURNING the document: SQLite has no
 * FOR UPDATE, and there the transaction is the only writer anyway), merged in code, and written back.
 * On PostgreSQL a concurrent writer of the same row waits for the lock and then reads what the first
 * committed, so writers of a busy row take turns instead of all failing a version check and retrying.
 * Rows are taken in key order (`RollupDeltas.changes`), so two writers never wait on each other in a
 * cycle.
 */

const MAX_ATTEMPTS = 10;

export async function addToRows(
  trx: Tx,
  changes: readonly { key: RollupKey; doc: RollupDoc }[],
): Promise<void> {
  for (const { key, doc } of changes) await addToRow(trx, key, doc);
}

async function addToRow(trx: Tx, key: RollupKey, change: RollupDoc): Promise<void> {
  const { kind, day, workflow, part } = key;
  const thisRow = sql`kind = ${kind} and day = ${day} and workflow = ${workflow} and part = ${part}`;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const { rows } = await sql<{ doc: string }>`update metric_rollups set version = version + 1
      where ${thisRow} returning doc`.execute(trx);
    const stored = rows[0];
    if (stored) {
      const doc = RollupDoc.parse(stored.doc).merge(change);
      // A document that counts nothing any more is deleted, so rollups equal a rebuild from the tables.
      if (doc.isEmpty) await sql`delete from metric_rollups where ${thisRow}`.execute(trx);
      else await sql`update metric_rollups set doc = ${JSON.stringify(doc)} where ${thisRow}`.execute(trx);
      return;
    }
    // No row yet. Another writer may insert it first: then nothing is inserted, and the next round
    // locks and reads what it wrote.
    const inserted = await sql`insert into metric_rollups (kind, day, workflow, part, doc, version)
      values (${kind}, ${day}, ${workflow}, ${part}, ${JSON.stringify(change)}, 1)
      on conflict (kind, day, workflow, part) do nothing`.execute(trx);
    if (inserted.numAffectedRows === 1n) return;
  }
  throw new Error(`metric rollup ${JSON.stringify(key)} could not be written in ${MAX_ATTEMPTS} attempts`);
}
