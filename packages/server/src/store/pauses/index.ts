import { insertEvents } from "../cases/events.js";
import type { StoreEngine } from "../engine.js";
import type { Db } from "../rows.js";
import { type PauseRecord, rowToPause } from "./rows.js";

/**
 * Reviewers paused by a workflow's owner or an admin (migration 022), usually from an oversight alert
 * (store/oversight/alerts.ts pauses in the acknowledgement's transaction). The claim's reads of the queue
 * pass over the workflows a person is paused in (claim-queries.ts `notPaused`), and `inForceFor` says
 * which when a claim found nothing; resuming appends a `reviewer_resumed` event to the audit log's
 * system chain.
 */
export interface PauseStore {
  /** Ends the pause in force of this person in this workflow; undefined when there is none. */
  resume(r: {
    workflow: string;
    reviewer: string;
    note: string | null;
    by: string;
    now: number;
  }): Promise<PauseRecord | undefined>;
  /** The pauses in force of `reviewer` (a person) in any of `workflows`. */
  inForceFor(reviewer: string, workflows: readonly string[]): Promise<PauseRecord[]>;
  /** Pauses of these workflows in force at some time in [from, to), oldest first. */
  during(workflows: readonly string[], from: number, to: number): Promise<PauseRecord[]>;
}

async function resume(db: Db, r: Parameters<PauseStore["resume"]>[0]) {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("reviewer_pauses")
      .set({ resumed_at: r.now, resumed_by: r.by, resume_note: r.note })
      .where("workflow", "=", r.workflow)
      .where("reviewer", "=", r.reviewer)
      .where("resumed_at", "is", null)
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    const p = rowToPause(row);
    await insertEvents(trx, [
      {
        type: "reviewer_resumed",
        caseId: null,
        actor: r.by,
        data: { pauseId: p.id, workflow: p.workflow, reviewer: p.reviewer, note: r.note },
        at: r.now,
      },
    ]);
    return p;
  });
}

export function pauseStore(engine: StoreEngine): PauseStore {
  const { db } = engine;
  return {
    resume: (r) => resume(db, r),
    inForceFor: async (reviewer, workflows) => {
      if (workflows.length === 0) return [];
      const rows = await db
        .selectFrom("reviewer_pauses")
        .selectAll()
        .where("reviewer", "=", reviewer)
        .where("workflow", "in", [...workflows])
        .where("resumed_at", "is", null)
        .orderBy("workflow")
        .execute();
      return rows.map(rowToPause);
    },
    during: async (workflows, from, to) => {
      if (workflows.length === 0) return [];
      const rows = await db
        .selectFrom("reviewer_pauses")
        .selectAll()
        .where("workflow", "in", [...workflows])
        .where("paused_at", "<", to)
        .where((eb) => eb.or([eb("resumed_at", "is", null), eb("resumed_at", ">=", from)]))
        .orderBy("paused_at")
        .orderBy("id")
        .execute();
      return rows.map(rowToPause);
    },
  };
}

export type { PauseRecord } from "./rows.js";
