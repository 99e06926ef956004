import { Conflict, NotFound } from "@loopgate/core";
import { insertEvents } from "../cases/events.js";
import { rowToCase, selectCase } from "../cases/rows.js";
import type { CaseRecord } from "../cases/types.js";
import type { Lock } from "../engine.js";
import { trackRollups } from "../metrics/rollup-writes.js";
import { insertOutbox } from "../outbox/rows.js";
import type { NewOutboxMessage } from "../outbox/types.js";
import type { Db } from "../rows.js";
import { insertTimers } from "../timers/rows.js";
import type { NewTimer } from "../timers/types.js";

/**
 * Reversible actions: revoking a held decision inside its release window, reverting a released one.
 * Both lock the case row first (as firing a timer does), so a revoke and the release timer never both win.
 */

export interface RevokeArgs {
  caseId: string;
  actor: string;
  reason: string;
  now: number;
  timers?: NewTimer[];
  slaDueAt?: number;
}

export interface RevertArgs {
  caseId: string;
  actor: string;
  reason: string;
  now: number;
  outbox?: NewOutboxMessage;
}

export async function revokeDecision(db: Db, lock: Lock, args: RevokeArgs): Promise<CaseRecord> {
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
    const rollups = await trackRollups(trx, caseId);
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
    await rollups.commit();
    return rowToCase(await selectCase(trx, caseId));
  });
}

export async function revertDecision(db: Db, lock: Lock, args: RevertArgs): Promise<CaseRecord> {
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
    if (args.outbox) await insertOutbox(trx, args.outbox);
    return rowToCase({ ...row, reverted_at: now });
  });
}
