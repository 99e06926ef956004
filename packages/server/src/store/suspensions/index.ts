import { Conflict } from "@loopgate/core";
import { appendChained } from "../audit/append.js";
import type { StoreEngine } from "../engine.js";
import { type Db, toJson } from "../rows.js";
import { rowToSuspension, WHOLE_WORKFLOW } from "./rows.js";
import type { SuspensionRecord } from "./types.js";

/**
 * The stop button's rows (migration 019). Suspending and resuming also append a `workflow_suspended` /
 * `workflow_resumed` event to the audit log's system chain in the same transaction, so the record of
 * who stopped what is as tamper-evident as the decisions it stopped.
 */
export interface SuspensionStore {
  /** Stores a suspension in force. Conflict when the same workflow/action already is suspended. */
  suspend(s: {
    id: string;
    workflow: string;
    action: string | null;
    reason: string;
    by: string;
    now: number;
  }): Promise<SuspensionRecord>;
  /** Ends the suspension in force for exactly this workflow/action; undefined when there is none. */
  resume(r: {
    workflow: string;
    action: string | null;
    note: string | null;
    by: string;
    now: number;
  }): Promise<SuspensionRecord | undefined>;
  /** Every suspension in force, of every workflow (what the submit path's cache holds). */
  inForce(): Promise<SuspensionRecord[]>;
  /** The suspension in force that covers `action` of `workflow` (workflow-wide first), read now. */
  inForceFor(workflow: string, action: string): Promise<SuspensionRecord | undefined>;
  /** A workflow's suspensions, newest first. */
  history(workflow: string, limit: number): Promise<SuspensionRecord[]>;
  /** Suspensions in force at some time in [from, to), of the given workflows, oldest first. */
  during(workflows: readonly string[], from: number, to: number): Promise<SuspensionRecord[]>;
  /**
   * Of these cases, the ones whose held decision may not be released now: the release is still pending
   * (release_at set, released_at null) and a suspension in force covers the case's workflow/action.
   */
  heldReleases(caseIds: readonly string[]): Promise<Set<string>>;
  /** Keeps claimed timers / outbox messages back until `until` (their lease), unfired and unattempted. */
  holdJobs(table: "timers" | "outbox", ids: readonly string[], until: number): Promise<void>;
}

type EventType = "workflow_suspended" | "workflow_resumed";

/** Suspend and resume are events of no case: the audit log's system chain holds them. */
function chained(type: EventType, s: SuspensionRecord, actor: string, at: number, data: object) {
  const row = {
    type,
    case_id: null,
    actor,
    data: toJson({ suspensionId: s.id, workflow: s.workflow, action: s.action, ...data }),
    at,
  };
  return { table: "events" as const, row };
}

async function suspend(db: Db, s: Parameters<SuspensionStore["suspend"]>[0]): Promise<SuspensionRecord> {
  const action = s.action ?? WHOLE_WORKFLOW;
  const inForce = () =>
    db
      .selectFrom("suspensions")
      .select("id")
      .where("workflow", "=", s.workflow)
      .where("action", "=", action)
      .where("resumed_at", "is", null)
      .executeTakeFirst();
  const conflict = (id: string) =>
    new Conflict(
      `${s.action === null ? `workflow ${s.workflow}` : `action ${s.action} of workflow ${s.workflow}`} is already suspended (suspension ${id}); resume it first`,
    );
  const existing = await inForce();
  if (existing) throw conflict(existing.id);
  const record: SuspensionRecord = {
    id: s.id,
    workflow: s.workflow,
    action: s.action,
    reason: s.reason,
    suspendedBy: s.by,
    suspendedAt: s.now,
    resumedBy: null,
    resumedAt: null,
    resumeNote: null,
  };
  try {
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto("suspensions")
        .values({
          id: s.id,
          workflow: s.workflow,
          action,
          reason: s.reason,
          suspended_by: s.by,
          suspended_at: s.now,
        })
        .execute();
      await appendChained(trx, [chained("workflow_suspended", record, s.by, s.now, { reason: s.reason })]);
    });
  } catch (err) {
    // Two suspends at once: the unique index on what is in force lets one in; the other is told so.
    const winner = await inForce();
    if (winner) throw conflict(winner.id);
    throw err;
  }
  return record;
}

async function resume(db: Db, r: Parameters<SuspensionStore["resume"]>[0]) {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("suspensions")
      .set({ resumed_at: r.now, resumed_by: r.by, resume_note: r.note })
      .where("workflow", "=", r.workflow)
      .where("action", "=", r.action ?? WHOLE_WORKFLOW)
      .where("resumed_at", "is", null)
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    const s = rowToSuspension(row);
    await appendChained(trx, [chained("workflow_resumed", s, r.by, r.now, { note: r.note })]);
    return s;
  });
}

export function suspensionStore(engine: StoreEngine): SuspensionStore {
  const { db } = engine;
  return {
    suspend: (s) => suspend(db, s),
    resume: (r) => resume(db, r),
    inForce: async () =>
      (await db.selectFrom("suspensions").selectAll().where("resumed_at", "is", null).execute()).map(
        rowToSuspension,
      ),
    inForceFor: async (workflow, action) => {
      const rows = await db
        .selectFrom("suspensions")
        .selectAll()
        .where("workflow", "=", workflow)
        .where("action", "in", [WHOLE_WORKFLOW, action])
        .where("resumed_at", "is", null)
        .orderBy("action")
        .execute();
      return rows[0] && rowToSuspension(rows[0]);
    },
    history: async (workflow, limit) =>
      (
        await db
          .selectFrom("suspensions")
          .selectAll()
          .where("workflow", "=", workflow)
          .orderBy("suspended_at", "desc")
          .orderBy("id", "desc")
          .limit(limit)
          .execute()
      ).map(rowToSuspension),
    during: async (workflows, from, to) => {
      if (workflows.length === 0) return [];
      const rows = await db
        .selectFrom("suspensions")
        .selectAll()
        .where("workflow", "in", [...workflows])
        .where("suspended_at", "<", to)
        .where((eb) => eb.or([eb("resumed_at", "is", null), eb("resumed_at", ">=", from)]))
        .orderBy("suspended_at")
        .orderBy("id")
        .execute();
      return rows.map(rowToSuspension);
    },
    heldReleases: async (caseIds) => {
      if (caseIds.length === 0) return new Set();
      const rows = await db
        .selectFrom("cases")
        .innerJoin("suspensions", (j) =>
          j
            .onRef("suspensions.workflow", "=", "cases.workflow")
            .on((eb) =>
              eb.or([
                eb("suspensions.action", "=", WHOLE_WORKFLOW),
                eb("suspensions.action", "=", eb.ref("cases.action")),
              ]),
            )
            .on("suspensions.resumed_at", "is", null),
        )
        .select("cases.id")
        .where("cases.id", "in", [...caseIds])
        .where("cases.release_at", "is not", null)
        .where("cases.released_at", "is", null)
        .execute();
      return new Set(rows.map((r) => r.id));
    },
    holdJobs: async (table, ids, until) => {
      if (ids.length === 0) return;
      // Kysely cannot type a table chosen at run time; both have `id` and `lease_until`.
      await db
        .updateTable(table as "timers")
        .set({ lease_until: until })
        .where("id", "in", [...ids])
        .execute();
    },
  };
}

export type { SuspensionRecord } from "./types.js";
export { covers } from "./types.js";
