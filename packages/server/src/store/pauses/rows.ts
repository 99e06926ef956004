import { Conflict } from "@loopgate/core";
import type { Selectable } from "kysely";
import { insertEvents } from "../cases/events.js";
import type { Db } from "../rows.js";
import type { ReviewerPausesTable } from "../schema.js";

/** A reviewer kept from claiming one workflow's cases until resumed (issue 15, item 6). */
export interface PauseRecord {
  id: string;
  workflow: string;
  /** The person paused: a user id (all their keys with them), or a key that belongs to no one. */
  reviewer: string;
  alertId: string | null;
  note: string | null;
  pausedBy: string;
  pausedAt: number;
  resumedBy: string | null;
  /** null while in force. */
  resumedAt: number | null;
  resumeNote: string | null;
}

export interface NewPause {
  id: string;
  workflow: string;
  reviewer: string;
  alertId: string | null;
  note: string | null;
  by: string;
  now: number;
}

export function rowToPause(r: Selectable<ReviewerPausesTable>): PauseRecord {
  return {
    id: r.id,
    workflow: r.workflow,
    reviewer: r.reviewer,
    alertId: r.alert_id,
    note: r.note,
    pausedBy: r.paused_by,
    pausedAt: Number(r.paused_at),
    resumedBy: r.resumed_by,
    resumedAt: r.resumed_at === null ? null : Number(r.resumed_at),
    resumeNote: r.resume_note,
  };
}

export function pauseInForce(db: Db, workflow: string, reviewer: string) {
  return db
    .selectFrom("reviewer_pauses")
    .selectAll()
    .where("reviewer", "=", reviewer)
    .where("workflow", "=", workflow)
    .where("resumed_at", "is", null)
    .executeTakeFirst();
}

export const alreadyPaused = (p: { workflow: string; reviewer: string; id: string }) =>
  new Conflict(
    `reviewer ${p.reviewer} is already paused in workflow ${p.workflow} (pause ${p.id}); resume them first`,
  );

/**
 * Stores a pause and its `reviewer_paused` event (the audit log's system chain) in `trx`, the caller's
 * transaction. Conflict when one is in force already; a pause committed by another transaction a moment
 * ago shows as the unique index's violation, which the caller turns into the same Conflict.
 */
export async function insertPause(trx: Db, p: NewPause): Promise<PauseRecord> {
  const existing = await pauseInForce(trx, p.workflow, p.reviewer);
  if (existing) throw alreadyPaused(existing);
  const row = {
    id: p.id,
    workflow: p.workflow,
    reviewer: p.reviewer,
    alert_id: p.alertId,
    note: p.note,
    paused_by: p.by,
    paused_at: p.now,
    resumed_by: null,
    resumed_at: null,
    resume_note: null,
  };
  await trx.insertInto("reviewer_pauses").values(row).execute();
  await insertEvents(trx, [
    {
      type: "reviewer_paused",
      caseId: null,
      actor: p.by,
      data: { pauseId: p.id, workflow: p.workflow, reviewer: p.reviewer, alertId: p.alertId, note: p.note },
      at: p.now,
    },
  ]);
  return rowToPause(row);
}
