import type { Updateable } from "kysely";
import { appendChained } from "../audit/append.js";
import { eventToRow } from "../cases/events.js";
import { decisionToRow, rowToCase, selectCase } from "../cases/rows.js";
import type { CaseRecord } from "../cases/types.js";
import type { Lock } from "../engine.js";
import { trackRollups } from "../metrics/rollup-writes.js";
import { insertOutbox } from "../outbox/rows.js";
import type { Db } from "../rows.js";
import type { CasesTable } from "../schema.js";
import { insertTimers, rowToTimer } from "./rows.js";
import type { TimerEffect, TimerRecord } from "./types.js";

/**
 * Firing a durable timer. Every deadline that must fire is a `timers` row; workers claim due rows with
 * a lease (leases.ts, like the webhook outbox) and fire each in one transaction that first marks it
 * done, so a timer fires once even when two processes, or a restarted one, claim it.
 */

export interface FireTimerArgs {
  timerId: string;
  now: number;
  effect: (c: CaseRecord, timer: TimerRecord) => TimerEffect | null;
}

function caseColumns(update: NonNullable<TimerEffect["case"]>): Updateable<CasesTable> {
  const { clearLease, ...u } = update;
  const set: Updateable<CasesTable> = {};
  if (u.status !== undefined) set.status = u.status;
  if (u.decidedAt !== undefined) set.decided_at = u.decidedAt;
  if (u.releaseAt !== undefined) set.release_at = u.releaseAt;
  if (u.releasedAt !== undefined) set.released_at = u.releasedAt;
  if (u.revertedAt !== undefined) set.reverted_at = u.revertedAt;
  if (u.slaDueAt !== undefined) set.sla_due_at = u.slaDueAt;
  if (u.escalatedTo !== undefined) set.escalated_to = u.escalatedTo;
  if (u.handoff !== undefined) set.handoff = u.handoff;
  if (clearLease)
    Object.assign(set, { lease_id: null, lease_holder: null, claimed_at: null, lease_expires_at: null });
  return set;
}

export async function fireTimer(
  db: Db,
  lock: Lock,
  args: FireTimerArgs,
): Promise<{ fired: boolean; case?: CaseRecord }> {
  const { timerId, now, effect } = args;
  return db.transaction().execute(async (trx) => {
    // The case is locked before the timer (as revoke does) so the two never deadlock on PostgreSQL.
    const t = await trx.selectFrom("timers").selectAll().where("id", "=", timerId).executeTakeFirst();
    if (!t) return { fired: false };
    const row = await lock(
      trx.selectFrom("cases").selectAll().where("id", "=", t.case_id),
    ).executeTakeFirst();
    // Marking it done (only if nobody did) is what makes firing exactly once: a second firer updates nothing.
    const done = await trx
      .updateTable("timers")
      .set({ done_at: now, lease_until: null })
      .where("id", "=", timerId)
      .where("done_at", "is", null)
      .executeTakeFirst();
    if (done.numUpdatedRows === 0n || !row) return { fired: false };
    const e = effect(rowToCase(row), rowToTimer(t));
    if (!e) return { fired: false };
    // Only a timer that decides (an SLA timeout) changes what the governance rollups count.
    const rollups =
      e.decision || e.case?.decidedAt !== undefined ? await trackRollups(trx, row.id) : undefined;
    if (e.case) {
      await trx.updateTable("cases").set(caseColumns(e.case)).where("id", "=", row.id).execute();
    }
    await appendChained(trx, [
      ...(e.decision ? [{ table: "decisions" as const, row: decisionToRow(row.id, e.decision) }] : []),
      ...e.events.map((ev) => ({ table: "events" as const, row: eventToRow(ev) })),
    ]);
    if (e.outbox) await insertOutbox(trx, e.outbox);
    await insertTimers(trx, e.timers ?? [], now);
    await rollups?.commit();
    return { fired: true, case: rowToCase(await selectCase(trx, row.id)) };
  });
}
