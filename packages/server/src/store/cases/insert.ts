import { insertOutbox } from "../outbox/rows.js";
import type { NewOutboxMessage } from "../outbox/types.js";
import type { Tx } from "../rows.js";
import { insertTimers } from "../timers/rows.js";
import type { NewTimer } from "../timers/types.js";
import { insertEvents, type NewEvent } from "./events.js";
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

export async function insertCase(
  trx: Tx,
  c: NewCase,
  extra: InsertCaseExtra,
): Promise<{ case: CaseRecord; created: boolean }> {
  // A concurrent identical submit blocks on the unique index until the first commits, then inserts
  // nothing; the read below sees the winner (each statement reads the latest committed rows).
  const inserted = await trx
    .insertInto("cases")
    .values({
      ...caseToRow(c, extra.decision?.decidedAt ?? null),
      sla_due_at: extra.slaDueAt ?? null,
      release_at: extra.releaseAt ?? null,
    })
    .onConflict((oc) =>
      oc.columns(["workflow", "idempotency_key"]).where("idempotency_key", "is not", null).doNothing(),
    )
    .executeTakeFirst();
  if (inserted.numInsertedOrUpdatedRows === 0n) {
    const existing = await trx
      .selectFrom("cases")
      .selectAll()
      .where("workflow", "=", c.workflow)
      .where("idempotency_key", "=", c.idempotencyKey)
      .executeTakeFirstOrThrow();
    return { case: rowToCase(existing), created: false };
  }
  await insertEvents(trx, extra.events);
  if (extra.decision) await trx.insertInto("decisions").values(decisionToRow(c.id, extra.decision)).execute();
  if (extra.outbox) await insertOutbox(trx, extra.outbox);
  await insertTimers(trx, extra.timers ?? [], c.createdAt);
  for (const shadow of extra.shadows ?? []) {
    await trx
      .insertInto("cases")
      .values({ ...caseToRow(shadow.case, null), sla_due_at: shadow.slaDueAt ?? null })
      .execute();
    await insertEvents(trx, shadow.events);
    await insertTimers(trx, shadow.timers, shadow.case.createdAt);
  }
  // What was just written, without reading it back.
  const decidedAt = extra.decision?.decidedAt ?? null;
  const timing = { ...NO_TIMING, slaDueAt: extra.slaDueAt ?? null, releaseAt: extra.releaseAt ?? null };
  return {
    case: {
      ...c,
      decidedAt,
      lease: null,
      assignedTo: null,
      ...timing,
      goldId: c.goldId ?? null,
      overlapOf: c.overlapOf ?? null,
      priority: c.priority ?? 0,
    },
    created: true,
  };
}
