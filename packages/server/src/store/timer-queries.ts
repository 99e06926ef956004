import { Conflict, NotFound } from "@loopgate/core";
import type { Kysely, SelectQueryBuilder, Updateable } from "kysely";
import { decisionToRow, eventToRow, outboxToRow, rowToCase } from "./rows.js";
import type { CasesTable, Database } from "./schema.js";
import type {
  CaseRecord,
  FlatStore,
  NewEvent,
  NewTimer,
  TimerEffect,
  TimerKind,
  TimerRecord,
} from "./types.js";

/**
 * Release delay, revoke, revert and SLA timers: the queries behind the `Store` methods of the same
 * names (queries.ts delegates here). Every deadline that must fire is a `timers` row; workers claim due
 * rows with a lease (like the webhook outbox) and fire each in one transaction that first marks it done,
 * so a timer fires once even when two processes, or a restarted one, claim it.
 */

type Lock = <TB extends keyof Database, O>(
  q: SelectQueryBuilder<Database, TB, O>,
) => SelectQueryBuilder<Database, TB, O>;

/**
 * Locks one case row until commit, waiting for any other holder (never skipping it, unlike the claim
 * lock: a timer or a revoke must act on the case, not pass it by). SQLite needs nothing: its
 * transactions hold the single write lock from the start (sqlite.ts).
 */
export function rowLock(engine: FlatStore["engine"]): Lock {
  return engine === "postgres" ? (q) => q.forNoKeyUpdate() : (q) => q;
}

export async function insertTimers(db: Kysely<Database>, timers: NewTimer[], now: number): Promise<void> {
  if (timers.length === 0) return;
  await db
    .insertInto("timers")
    .values(
      timers.map((t) => ({ id: t.id, case_id: t.caseId, kind: t.kind, due_at: t.dueAt, created_at: now })),
    )
    .execute();
}

export async function claimTimers(
  db: Kysely<Database>,
  lock: Lock,
  args: { now: number; limit: number; leaseMs: number },
): Promise<TimerRecord[]> {
  const { now, limit, leaseMs } = args;
  return db.transaction().execute(async (trx) => {
    const due = trx
      .selectFrom("timers")
      .selectAll()
      .where("done_at", "is", null)
      .where("due_at", "<=", now)
      .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now)]))
      .orderBy("due_at")
      .orderBy("id")
      .limit(limit);
    const rows = await lock(due).execute();
    if (rows.length === 0) return [];
    await trx
      .updateTable("timers")
      .set({ lease_until: now + leaseMs })
      .where(
        "id",
        "in",
        rows.map((r) => r.id),
      )
      .execute();
    return rows.map((r) => ({
      id: r.id,
      caseId: r.case_id,
      kind: r.kind as TimerKind,
      dueAt: r.due_at,
      createdAt: r.created_at,
    }));
  });
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

async function insertEvents(db: Kysely<Database>, events: NewEvent[]): Promise<void> {
  if (events.length > 0) await db.insertInto("events").values(events.map(eventToRow)).execute();
}

export async function fireTimer(
  db: Kysely<Database>,
  lock: Lock,
  args: Parameters<FlatStore["fireTimer"]>[0],
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
    const timer: TimerRecord = {
      id: t.id,
      caseId: t.case_id,
      kind: t.kind as TimerKind,
      dueAt: t.due_at,
      createdAt: t.created_at,
    };
    const e = effect(rowToCase(row), timer);
    if (!e) return { fired: false };
    if (e.case) {
      await trx.updateTable("cases").set(caseColumns(e.case)).where("id", "=", row.id).execute();
    }
    if (e.decision) await trx.insertInto("decisions").values(decisionToRow(row.id, e.decision)).execute();
    await insertEvents(trx, e.events);
    if (e.outbox) await trx.insertInto("outbox").values(outboxToRow(e.outbox)).execute();
    await insertTimers(trx, e.timers ?? [], now);
    const after = await trx
      .selectFrom("cases")
      .selectAll()
      .where("id", "=", row.id)
      .executeTakeFirstOrThrow();
    return { fired: true, case: rowToCase(after) };
  });
}

export async function revokeDecision(
  db: Kysely<Database>,
  lock: Lock,
  args: Parameters<FlatStore["revokeDecision"]>[0],
): Promise<CaseRecord> {
  const { caseId, actor, reason, now } = args;
  return db.transaction().execute(async (trx) => {
    const row = await lock(trx.selectFrom("cases").selectAll().where("id", "=", caseId)).executeTakeFirst();
    if (!row) throw new NotFound(`no case ${caseId}`);
    if (row.status !== "decided") throw new Conflict(`case ${caseId} holds no decision to revoke`);
    if (row.release_at === null) {
      throw new Conflict(`case ${caseId} was released when decided (no release delay); use revert`);
    }
    if (row.release_at <= now) {
      throw new Conflict(
        `case ${caseId} was released at ${new Date(row.release_at).toISOString()}; use revert`,
      );
    }
    const decision = await trx
      .selectFrom("decisions")
      .select(["id", "decided_by", "verdict"])
      .where("case_id", "=", caseId)
      .where("revoked_at", "is", null)
      .orderBy("decided_at", "desc")
      .orderBy("id", "desc")
      .executeTakeFirst();
    if (decision) {
      await trx.updateTable("decisions").set({ revoked_at: now }).where("id", "=", decision.id).execute();
    }
    // The held webhook is never sent, and no pending timer of the old decision or window fires.
    await trx
      .updateTable("outbox")
      .set({ next_attempt_at: null, lease_until: null, last_error: "revoked before release" })
      .where("case_id", "=", caseId)
      .where("delivered_at", "is", null)
      .execute();
    await trx
      .updateTable("timers")
      .set({ done_at: now, lease_until: null })
      .where("case_id", "=", caseId)
      .where("done_at", "is", null)
      .execute();
    await trx
      .updateTable("cases")
      .set({ status: "queued", decided_at: null, release_at: null, sla_due_at: args.slaDueAt ?? null })
      .where("id", "=", caseId)
      .execute();
    await insertEvents(trx, [
      {
        type: "revoked",
        caseId,
        actor,
        data: {
          decisionId: decision?.id ?? null,
          decidedBy: decision?.decided_by ?? null,
          verdict: decision?.verdict ?? null,
          reason,
          releaseAt: row.release_at,
        },
        at: now,
      },
    ]);
    await insertTimers(trx, args.timers ?? [], now);
    const after = await trx
      .selectFrom("cases")
      .selectAll()
      .where("id", "=", caseId)
      .executeTakeFirstOrThrow();
    return rowToCase(after);
  });
}

export async function revertDecision(
  db: Kysely<Database>,
  lock: Lock,
  args: Parameters<FlatStore["revertDecision"]>[0],
): Promise<CaseRecord> {
  const { caseId, actor, reason, now } = args;
  return db.transaction().execute(async (trx) => {
    const row = await lock(trx.selectFrom("cases").selectAll().where("id", "=", caseId)).executeTakeFirst();
    if (!row) throw new NotFound(`no case ${caseId}`);
    if (row.status !== "decided") throw new Conflict(`case ${caseId} holds no decision to revert`);
    if (row.release_at !== null && row.release_at > now) {
      throw new Conflict(
        `case ${caseId} is not released yet (release at ${new Date(row.release_at).toISOString()}); use revoke`,
      );
    }
    if (row.reverted_at !== null) {
      throw new Conflict(`case ${caseId} was already reverted at ${new Date(row.reverted_at).toISOString()}`);
    }
    await trx.updateTable("cases").set({ reverted_at: now }).where("id", "=", caseId).execute();
    await insertEvents(trx, [{ type: "reverted", caseId, actor, data: { reason }, at: now }]);
    if (args.outbox) await trx.insertInto("outbox").values(outboxToRow(args.outbox)).execute();
    return rowToCase({ ...row, reverted_at: now });
  });
}
