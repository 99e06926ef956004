import { ChainCursor, caseHash } from "../audit/chain.js";
import { rollupSubmits } from "../metrics/rollup-writes.js";
import { outboxToRow } from "../outbox/rows.js";
import type { NewOutboxMessage } from "../outbox/types.js";
import { PreparedInsert } from "../prepared-insert.js";
import type { Db, Tx } from "../rows.js";
import { timerToRow } from "../timers/rows.js";
import type { NewTimer } from "../timers/types.js";
import { eventToRow, type NewEvent } from "./events.js";
import { caseToRow, decisionToRow, rowToCase } from "./rows.js";
import { type CaseRecord, type NewCase, type NewDecision, NO_TIMING } from "./types.js";

/** A shadow case written alongside a submitted one (`cases.insert` extra `shadows`). */
export interface ShadowInsert {
  case: NewCase;
  events: NewEvent[];
  timers: NewTimer[];
  slaDueAt?: number;
}

/** What a submit writes beside the case row, in the same transaction. */
export interface InsertCaseExtra {
  events: NewEvent[];
  decision?: NewDecision;
  outbox?: NewOutboxMessage;
  /** The SLA deadline and its timers (only written when the case is created). */
  slaDueAt?: number;
  /** A held auto decision's release time (release.delaySeconds). */
  releaseAt?: number;
  timers?: NewTimer[];
  /**
   * Shadow cases (catch trials, overlap copies) mixed in with this one: written in the same
   * transaction, and only when this case is created (an idempotent retry writes none).
   */
  shadows?: ShadowInsert[];
}

/** One submit: the case and what is written with it. */
export interface CaseWrite {
  c: NewCase;
  extra: InsertCaseExtra;
}

export interface Inserted {
  case: CaseRecord;
  created: boolean;
}

/**
 * The submit transaction's writer for one engine: `insertCases(trx, writes)` stores any number of
 * submits (one, or a group commit's batch) with one statement per table, each compiled once
 * (prepared-insert.ts). A write whose idempotency key is taken stores nothing and returns the case that
 * holds the key with `created: false`.
 */
export function caseWriter(db: Db) {
  // A concurrent identical submit blocks on the unique index until the first commits, then inserts
  // nothing (RETURNING leaves it out); the read below sees the winner (each statement reads the latest
  // committed rows). Two writes of one batch with the same key: the second is the one left out.
  const cases = new PreparedInsert(db, "cases", (q) =>
    q
      .onConflict((oc) =>
        // Per submitting key (migration 016): another key's use of the same idempotency key is its own.
        oc
          .columns(["workflow", "submitted_by", "idempotency_key"])
          .where("idempotency_key", "is not", null)
          .doNothing(),
      )
      .returning("id"),
  );
  const shadowCases = new PreparedInsert(db, "cases");
  const events = new PreparedInsert(db, "events");
  const decisions = new PreparedInsert(db, "decisions");
  const outbox = new PreparedInsert(db, "outbox");
  const timers = new PreparedInsert(db, "timers");

  return async function insertCases(trx: Tx, writes: readonly CaseWrite[]): Promise<Inserted[]> {
    // Each new case's audit chain is built here in memory (audit/chain.ts) and its head goes into the
    // case row's INSERT: a submit pays a few hashes and no extra statement for it.
    const startChain = (row: ReturnType<typeof caseToRow>) => new ChainCursor(caseHash(row), 0);
    const sorted = byIdempotencyKey(writes);
    const caseRows = sorted.map(({ c, extra }) => ({
      ...caseToRow(c, extra.decision?.decidedAt ?? null),
      sla_due_at: extra.slaDueAt ?? null,
      release_at: extra.releaseAt ?? null,
    }));
    const linked = sorted.map(({ c, extra }, i) => {
      const cursor = startChain(caseRows[i] as ReturnType<typeof caseToRow>);
      return {
        events: extra.events.map((e) => cursor.link("events", eventToRow(e))),
        decision: extra.decision && cursor.link("decisions", decisionToRow(c.id, extra.decision)),
        head: cursor,
      };
    });
    const chainAt = Date.now();
    const inserted = await cases.execute<{ id: string }>(
      trx,
      caseRows.map((row, i) => {
        const { head } = linked[i] as (typeof linked)[number];
        return { ...row, chain_head: head.head, chain_length: head.length, chain_at: chainAt };
      }),
    );
    const linkedOf = new Map(sorted.map((w, i) => [w.c.id, linked[i] as (typeof linked)[number]]));
    const insertedIds = new Set(inserted.map((r) => r.id));
    const created = writes.filter((w) => insertedIds.has(w.c.id));
    const results: Inserted[] = [];
    for (const w of writes) {
      results.push(
        insertedIds.has(w.c.id) ? { case: justWritten(w), created: true } : await existing(trx, w.c),
      );
    }
    // Shadow cases before the events and timers, which reference them.
    const shadows = created.flatMap((w) => w.extra.shadows ?? []);
    const shadowLinked = shadows.map((s) => {
      const row = { ...caseToRow(s.case, null), sla_due_at: s.slaDueAt ?? null };
      const cursor = startChain(row);
      const evs = s.events.map((e) => cursor.link("events", eventToRow(e)));
      return {
        row: { ...row, chain_head: cursor.head, chain_length: cursor.length, chain_at: chainAt },
        evs,
      };
    });
    await shadowCases.execute(
      trx,
      shadowLinked.map((s) => s.row),
    );
    // Each case's events in the order given, a case's shadows' events after them.
    await events.execute(trx, [
      ...created.flatMap((w) => linkedOf.get(w.c.id)?.events ?? []),
      ...shadowLinked.flatMap((s) => s.evs),
    ]);
    await decisions.execute(
      trx,
      created.flatMap((w) => {
        const d = linkedOf.get(w.c.id)?.decision;
        return d ? [d] : [];
      }),
    );
    await outbox.execute(
      trx,
      created.flatMap(({ extra }) => (extra.outbox ? [outboxToRow(extra.outbox)] : [])),
    );
    await timers.execute(trx, [
      ...created.flatMap(({ c, extra }) => (extra.timers ?? []).map((t) => timerToRow(t, c.createdAt))),
      ...shadows.flatMap((s) => s.timers.map((t) => timerToRow(t, s.case.createdAt))),
    ]);
    await rollupSubmits(trx, created);
    return results;
  };
}

/**
 * Two batches (PostgreSQL, two processes) holding the same keys each wait for the other's uncommitted
 * rows; taking the keys in one order everywhere makes that a wait instead of a deadlock.
 */
function byIdempotencyKey(writes: readonly CaseWrite[]): readonly CaseWrite[] {
  const key = (w: CaseWrite) => `${w.c.workflow}\u0000${w.c.submittedBy}\u0000${w.c.idempotencyKey ?? ""}`;
  return writes.some((w) => w.c.idempotencyKey !== null)
    ? [...writes].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
    : writes;
}

/** The case whose idempotency key a write found taken, as stored (by this batch or before it). */
async function existing(trx: Tx, c: NewCase): Promise<Inserted> {
  const row = await trx
    .selectFrom("cases")
    .selectAll()
    .where("workflow", "=", c.workflow)
    .where("submitted_by", "=", c.submittedBy)
    .where("idempotency_key", "=", c.idempotencyKey)
    .executeTakeFirstOrThrow();
  return { case: rowToCase(row), created: false };
}

/** What was just written, without reading it back. */
function justWritten({ c, extra }: CaseWrite): CaseRecord {
  // Object.assign, not a spread: V8 copied this ~30-field record several times slower as a spread,
  // a visible share of a submit's CPU.
  return Object.assign({}, c, NO_TIMING, {
    decidedAt: extra.decision?.decidedAt ?? null,
    lease: null,
    assignedTo: null,
    slaDueAt: extra.slaDueAt ?? null,
    releaseAt: extra.releaseAt ?? null,
    goldId: c.goldId ?? null,
    overlapOf: c.overlapOf ?? null,
    revisionOf: c.revisionOf ?? null,
    version: c.version ?? 1,
    toolInputSchema: c.toolInputSchema ?? null,
    priority: c.priority ?? 0,
    blindSampled: c.blindSampled ?? false,
  });
}
