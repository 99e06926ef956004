import type { Insertable, Selectable } from "kysely";
import type { Db } from "../rows.js";
import type { TimersTable } from "../schema.js";
import type { NewTimer, TimerKind, TimerRecord } from "./types.js";

/** Timer rows; writing them is shared by every transaction that starts or restarts a deadline. */

export function timerToRow(t: NewTimer, now: number): Insertable<TimersTable> {
  return { id: t.id, case_id: t.caseId, kind: t.kind, due_at: t.dueAt, created_at: now };
}

export async function insertTimers(db: Db, timers: NewTimer[], now: number): Promise<void> {
  if (timers.length === 0) return;
  await db
    .insertInto("timers")
    .values(timers.map((t) => timerToRow(t, now)))
    .execute();
}

export function rowToTimer(r: Selectable<TimersTable>): TimerRecord {
  return { id: r.id, caseId: r.case_id, kind: r.kind as TimerKind, dueAt: r.due_at, createdAt: r.created_at };
}
