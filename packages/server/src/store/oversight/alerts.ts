import {
  APPROVING_VERDICTS,
  catchTrialPassed,
  type GoldExpectation,
  type ReviewDecision,
  SYSTEM_DECIDERS,
} from "@loopgate/core";
import type { Selectable } from "kysely";
import { insertEvents } from "../cases/events.js";
import { samePersonIds } from "../identity/keys.js";
import { insertOutbox } from "../outbox/rows.js";
import type { CaselessOutboxMessage } from "../outbox/types.js";
import { alreadyPaused, insertPause, type NewPause, type PauseRecord, pauseInForce } from "../pauses/rows.js";
import { releaseForPause } from "../review/decide.js";
import type { Db } from "../rows.js";
import type { OversightAlertsTable } from "../schema.js";

/**
 * Oversight alerts (issue 5, item 6): the decisions the oversight run reads, and the alerts it raises.
 */

export type AlertKind =
  | "rubber_stamp"
  | "team_rubber_stamp"
  | "approval_high_errors_rising"
  | "queue_overload";

/** What the owner did about an alert, recorded with its acknowledgement (issue 15, item 6). */
export const ACK_ACTIONS = ["coached", "paused_reviewer", "changed_policy", "dismissed"] as const;
export type AckAction = (typeof ACK_ACTIONS)[number];

export interface ReviewDecisionWindow {
  workflow: string;
  /** [since, until), epoch ms, on the decision time. */
  since: number;
  until: number;
}

/** A decision as the detectors read it, with the case's risk class (its `minReviewSeconds`). */
export type StoredReviewDecision = ReviewDecision & { riskClass: string };

export interface NewAlert {
  id: string;
  kind: AlertKind;
  workflow: string;
  /** null for a workflow-level alert. */
  reviewer: string | null;
  evidence: Record<string, unknown>;
  createdAt: number;
  /** Who ran the check (a principal id, or "system" for the worker): the event's actor. */
  actor: string;
  /** The owner's webhook (policy `oversight.alertUrl`), written only when the alert is stored. */
  outbox?: CaselessOutboxMessage;
}

export interface AlertRecord {
  id: string;
  kind: AlertKind;
  workflow: string;
  reviewer: string | null;
  evidence: Record<string, unknown>;
  createdAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  /** null while open, and on alerts acknowledged before actions were recorded. */
  ackAction: AckAction | null;
  ackNote: string | null;
}

export async function reviewDecisions(db: Db, w: ReviewDecisionWindow): Promise<StoredReviewDecision[]> {
  const rows = await db
    .selectFrom("decisions as d")
    .innerJoin("cases as c", "c.id", "d.case_id")
    .leftJoin("gold_cases as g", "g.id", "c.gold_id")
    // A case is audited at most once (unique case_id), so the join adds no row.
    .leftJoin("audits as a", (j) => j.onRef("a.case_id", "=", "c.id").on("a.status", "=", "done"))
    .select([
      "d.decided_by",
      "d.verdict",
      "d.held_ms",
      "d.decided_at",
      "d.id",
      "g.expected",
      "c.risk_class",
      "a.verdict as audit_verdict",
    ])
    .where("c.workflow", "=", w.workflow)
    .where("d.decided_at", ">=", w.since)
    .where("d.decided_at", "<", w.until)
    .where("d.decided_by", "not in", [...SYSTEM_DECIDERS])
    .where("d.revoked_at", "is", null)
    .orderBy("d.decided_at")
    .orderBy("d.id")
    .execute();
  return rows.map((r) => ({
    reviewer: r.decided_by,
    workflow: w.workflow,
    verdict: r.verdict,
    // A person's decision always has a held time (claim to decision); -1 if not is left out by the
    // detector's dwell tests rather than counted as an instant decision.
    heldMs: r.held_ms === null ? -1 : Number(r.held_ms),
    at: Number(r.decided_at),
    riskClass: r.risk_class,
    ...(r.expected !== null && {
      catchTrial: {
        passed: catchTrialPassed(r.expected as GoldExpectation, r.verdict),
        expected: r.expected as GoldExpectation,
      },
    }),
    // Audits draw cases whose decision in force approves them; the verdict judges what this person's
    // approval let through. A decision that did not approve (an earlier one, since revoked, is left out
    // above) gets none.
    ...(r.audit_verdict !== null &&
      APPROVING_VERDICTS.includes(r.verdict) && { audit: { correct: r.audit_verdict === "correct" } }),
  }));
}

const toRecord = (r: Selectable<OversightAlertsTable>): AlertRecord => ({
  id: r.id,
  kind: r.kind as AlertKind,
  workflow: r.workflow,
  reviewer: r.reviewer,
  evidence: JSON.parse(r.evidence) as Record<string, unknown>,
  createdAt: Number(r.created_at),
  acknowledgedAt: r.acknowledged_at === null ? null : Number(r.acknowledged_at),
  acknowledgedBy: r.acknowledged_by,
  ackAction: r.ack_action as AckAction | null,
  ackNote: r.ack_note,
});

export async function insertAlerts(db: Db, alerts: NewAlert[]): Promise<AlertRecord[]> {
  if (alerts.length === 0) return [];
  return db.transaction().execute(async (trx) => {
    const stored: AlertRecord[] = [];
    for (const a of alerts) {
      const row = {
        id: a.id,
        kind: a.kind,
        workflow: a.workflow,
        reviewer: a.reviewer,
        evidence: JSON.stringify(a.evidence),
        created_at: a.createdAt,
        acknowledged_at: null,
        acknowledged_by: null,
        ack_action: null,
        ack_note: null,
      };
      // No conflict target: the only other unique index is the primary key (fresh uuids), so a conflict
      // means an open alert of this kind, workflow and reviewer exists, maybe committed a moment ago by
      // another process (PostgreSQL waits for that transaction, then does nothing).
      const res = await trx
        .insertInto("oversight_alerts")
        .values(row)
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(res.numInsertedOrUpdatedRows ?? 0n) !== 1) continue;
      await insertEvents(trx, [
        {
          type: "oversight_alert",
          caseId: null,
          actor: a.actor,
          data: { alertId: a.id, kind: a.kind, workflow: a.workflow, reviewer: a.reviewer },
          at: a.createdAt,
        },
      ]);
      if (a.outbox) await insertOutbox(trx, a.outbox);
      stored.push(toRecord(row));
    }
    return stored;
  });
}

export async function listAlerts(
  db: Db,
  f: { workflows?: string[]; since?: number; kind?: string; ids?: string[] },
): Promise<AlertRecord[]> {
  if (f.workflows?.length === 0 || f.ids?.length === 0) return [];
  let q = db.selectFrom("oversight_alerts").selectAll();
  if (f.workflows) q = q.where("workflow", "in", f.workflows);
  if (f.since !== undefined) q = q.where("created_at", ">=", f.since);
  if (f.kind !== undefined) q = q.where("kind", "=", f.kind);
  if (f.ids) q = q.where("id", "in", f.ids);
  const rows = await q.orderBy("created_at", "desc").orderBy("id", "desc").execute();
  return rows.map(toRecord);
}

export async function openAlert(
  db: Db,
  kind: string,
  workflow: string,
  reviewer: string | null,
): Promise<AlertRecord | undefined> {
  const row = await db
    .selectFrom("oversight_alerts")
    .selectAll()
    .where("kind", "=", kind)
    .where("workflow", "=", workflow)
    .where((eb) => (reviewer === null ? eb("reviewer", "is", null) : eb("reviewer", "=", reviewer)))
    .where("acknowledged_at", "is", null)
    .executeTakeFirst();
  return row && toRecord(row);
}

export interface Acknowledgement {
  id: string;
  by: string;
  now: number;
  action: AckAction;
  note: string | null;
  /** action paused_reviewer: the pause to store in the same transaction. */
  pause?: Omit<NewPause, "alertId" | "note" | "by" | "now">;
}

/**
 * Acknowledges an open alert with what was done (an `oversight_alert_acknowledged` event), and stores the
 * pause it asks for in the same transaction, so an alert is never marked handled by a pause that failed.
 * false when the alert is not open; Conflict when the reviewer is already paused in that workflow.
 */
export async function acknowledgeAlert(
  db: Db,
  a: Acknowledgement,
): Promise<{ acknowledged: boolean; pause?: PauseRecord }> {
  try {
    return await db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable("oversight_alerts")
        .set({ acknowledged_at: a.now, acknowledged_by: a.by, ack_action: a.action, ack_note: a.note })
        .where("id", "=", a.id)
        .where("acknowledged_at", "is", null)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return { acknowledged: false };
      const pause =
        a.pause &&
        (await insertPause(trx, { ...a.pause, alertId: a.id, note: a.note, by: a.by, now: a.now }));
      if (pause) {
        const person = await samePersonIds(trx, pause.reviewer);
        await releaseForPause(trx, {
          workflow: pause.workflow,
          person,
          pauseId: pause.id,
          by: a.by,
          now: a.now,
        });
      }
      await insertEvents(trx, [
        {
          type: "oversight_alert_acknowledged",
          caseId: null,
          actor: a.by,
          data: { alertId: a.id, action: a.action, note: a.note, ...(pause && { pauseId: pause.id }) },
          at: a.now,
        },
      ]);
      return pause ? { acknowledged: true, pause } : { acknowledged: true };
    });
  } catch (err) {
    // Another transaction paused the same person in the same workflow a moment ago: the unique index.
    const winner = a.pause && (await pauseInForce(db, a.pause.workflow, a.pause.reviewer));
    if (winner) throw alreadyPaused(winner);
    throw err;
  }
}
