import { Conflict, NotFound, type Verdict } from "@loopgate/core";
import { insertEvents } from "../cases/events.js";
import type { Db, Tx } from "../rows.js";
import type { BlindJudgment } from "./types.js";

export interface BlindJudgmentArgs {
  caseId: string;
  reviewer: string;
  verdict: Verdict;
  output: unknown;
  reasonCode: string | null;
  note: string | null;
  now: number;
}

/** The `blind_judgment` events of a case, as judgments (oldest first). */
export async function blindJudgments(db: Db, caseId: string): Promise<BlindJudgment[]> {
  const rows = await db
    .selectFrom("events")
    .select(["actor", "data", "at"])
    .where("case_id", "=", caseId)
    .where("type", "=", "blind_judgment")
    .orderBy("seq")
    .execute();
  return rows.map((r) => judgmentFromEvent(r.actor, JSON.parse(r.data) as Record<string, unknown>, r.at));
}

/** Reads a judgment back from its event (see `recordBlindJudgment` for what the event holds). */
function judgmentFromEvent(actor: string, data: Record<string, unknown>, at: number): BlindJudgment {
  return {
    leaseId: String(data.leaseId),
    reviewer: actor,
    verdict: data.verdict as Verdict,
    output: data.output ?? null,
    reasonCode: typeof data.reasonCode === "string" ? data.reasonCode : null,
    note: typeof data.note === "string" ? data.note : null,
    at,
  };
}

/**
 * Records the lease holder's own judgment as a `blind_judgment` event, once per claim. The case row is
 * written first (a no-op update guarded by the live lease): on PostgreSQL that locks it, so a second
 * judgment racing this one waits, then sees this one's event and is refused; on SQLite the
 * transaction already holds the write lock.
 */
export async function recordBlindJudgment(trx: Tx, args: BlindJudgmentArgs): Promise<BlindJudgment> {
  const { caseId, reviewer, now } = args;
  const row = await trx.selectFrom("cases").selectAll().where("id", "=", caseId).executeTakeFirst();
  if (!row) throw new NotFound(`case ${caseId} not found`);
  if (row.status === "decided") throw new Conflict(`case ${caseId} is already decided`);
  if (row.lease_id === null || row.lease_holder !== reviewer || row.lease_expires_at === null) {
    throw new Conflict(`claim case ${caseId} before recording a judgment; you do not hold its lease`);
  }
  if (row.lease_expires_at <= now) throw new Conflict(`your lease on case ${caseId} expired; claim it again`);
  const leaseId = row.lease_id;
  const touched = await trx
    .updateTable("cases")
    .set((eb) => ({ lease_id: eb.ref("lease_id") }))
    .where("id", "=", caseId)
    .where("lease_id", "=", leaseId)
    .where("lease_expires_at", ">", now)
    .executeTakeFirst();
  if (touched.numUpdatedRows === 0n) throw new Conflict(`case ${caseId} changed hands meanwhile`);
  const earlier = await blindJudgments(trx, caseId);
  if (earlier.some((j) => j.leaseId === leaseId)) {
    throw new Conflict(`a blind judgment is already recorded for this claim of case ${caseId}`);
  }
  const data = {
    leaseId,
    verdict: args.verdict,
    output: args.output,
    reasonCode: args.reasonCode,
    note: args.note,
  };
  await insertEvents(trx, [{ type: "blind_judgment", caseId, actor: reviewer, data, at: now }]);
  return judgmentFromEvent(reviewer, data, now);
}
