import { sql } from "kysely";
import type { Tx } from "../rows.js";
import { writeBehind } from "../write-behind.js";
import { keyId, RollupDoc, type RollupKey } from "./rollup-docs.js";

/**
 * Adding changed documents to their `metric_rollups` rows, inside the caller's transaction. Plain SQL,
 * the same on both engines: these run on every submit and decision, where building queries with Kysely
 * cost more than running them.
 *
 * Two statements whatever the number of rows. First one upsert locks every row (ON CONFLICT DO UPDATE
 * bumps its version) and RETURNs its document, and creates the missing ones with the change as their
 * document (version 1 tells them apart: nothing to merge). The stored documents are merged in code, then
 * every changed row is written back in a second upsert. On PostgreSQL a concurrent writer of the same
 * row waits for the lock and then reads what the first committed, so writers of a busy row take turns
 * instead of all failing a version check and retrying; two writers creating one row, one inserts and the
 * other waits and then updates. The upsert takes its rows in the order given, which is key order
 * (`RollupDeltas.changes`), so two writers never wait on each other in a cycle.
 */

/** Rows per statement, well under both engines' parameter limits. */
const BATCH = 500;

type Change = { key: RollupKey; doc: RollupDoc };

export async function addToRows(trx: Tx, changes: readonly Change[]): Promise<void> {
  const merged: Change[] = [];
  for (let i = 0; i < changes.length; i += BATCH) {
    const batch = changes.slice(i, i + BATCH);
    const stored = await lockOrCreate(trx, batch);
    for (const { key, doc } of batch) {
      const found = stored.get(keyId(key));
      if (found) merged.push({ key, doc: found.merge(doc) });
    }
  }
  // A document that counts nothing any more is deleted, so rollups equal a rebuild from the tables.
  for (const { key } of merged.filter((c) => c.doc.isEmpty)) {
    await sql`delete from metric_rollups where ${thisRow(key)}`.execute(trx);
  }
  const kept = merged.filter((c) => !c.doc.isEmpty);
  for (let i = 0; i < kept.length; i += BATCH) {
    // Every row exists and is locked by this transaction, so each takes the conflict's update. Nothing
    // reads its answer: on PostgreSQL it goes with the transaction's next statement (write-behind.ts).
    await writeBehind(() =>
      sql`insert into metric_rollups (kind, day, workflow, part, doc, version)
        values ${sql.join(kept.slice(i, i + BATCH).map(valuesOf))}
        on conflict (kind, day, workflow, part) do update set doc = excluded.doc`.execute(trx),
    );
  }
}

/**
 * Locks the rows of `changes` and returns their stored documents by key id; a row that did not exist is
 * inserted with its change as its document, and is not in the result.
 */
async function lockOrCreate(trx: Tx, changes: readonly Change[]): Promise<Map<string, RollupDoc>> {
  const { rows } = await sql<RollupKey & { doc: string; version: number }>`
    insert into metric_rollups (kind, day, workflow, part, doc, version)
    values ${sql.join(changes.map(valuesOf))}
    on conflict (kind, day, workflow, part) do update set version = metric_rollups.version + 1
    returning kind, day, workflow, part, doc, version`.execute(trx);
  const stored = new Map<string, RollupDoc>();
  for (const r of rows) {
    if (Number(r.version) > 1) stored.set(keyId({ ...r, day: Number(r.day) }), RollupDoc.parse(r.doc));
  }
  return stored;
}

const valuesOf = ({ key: k, doc }: Change) =>
  sql`(${k.kind}, ${k.day}, ${k.workflow}, ${k.part}, ${JSON.stringify(doc)}, 1)`;

const thisRow = ({ kind, day, workflow, part }: RollupKey) =>
  sql`kind = ${kind} and day = ${day} and workflow = ${workflow} and part = ${part}`;
