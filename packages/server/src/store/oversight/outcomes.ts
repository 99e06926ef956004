import { type Approval, approvalOf, type OutcomeResult } from "@loopgate/core";
import { sql } from "kysely";
import { appendChained } from "../audit/append.js";
import { eventToRow } from "../cases/events.js";
import { trackRollups } from "../metrics/rollup-writes.js";
import type { Db } from "../rows.js";
import { windowDays } from "../window-days.js";

/**
 * Outcomes (issue 5, item 2): what the automation reports happened downstream of a decided case, and the
 * per-case facts the post-review error rate needs (who approved a case, its latest outcome).
 */

export interface NewOutcome {
  id: string;
  caseId: string;
  result: OutcomeResult;
  details: Record<string, unknown> | null;
  /** The key (or user) that reported it. */
  reportedBy: string;
  /** When it happened, as reported (defaults to the time of the request). */
  reportedAt: number;
  /** Server time of the report, for the `outcome_reported` event. */
  now: number;
}

export type OutcomeRecord = Omit<NewOutcome, "now">;

/** Stores the outcome and its `outcome_reported` event in one transaction. */
export async function insertOutcome(db: Db, o: NewOutcome): Promise<OutcomeRecord> {
  await db.transaction().execute(async (trx) => {
    // The case's latest outcome may change what its post-review error counts hold.
    const rollups = await trackRollups(trx, o.caseId, { lock: true });
    await appendChained(trx, [
      {
        table: "outcomes",
        row: {
          id: o.id,
          case_id: o.caseId,
          result: o.result,
          details: o.details === null ? null : JSON.stringify(o.details),
          reported_by: o.reportedBy,
          reported_at: o.reportedAt,
        },
      },
      {
        table: "events",
        row: eventToRow({
          type: "outcome_reported",
          caseId: o.caseId,
          actor: o.reportedBy,
          data: { outcomeId: o.id, result: o.result, reportedAt: o.reportedAt },
          at: o.now,
        }),
      },
    ]);
    await rollups.commit();
  });
  const { now: _now, ...record } = o;
  return record;
}

export interface CaseOutcomeFacts {
  approval: Approval | null;
  approvedBy: string | null;
  outcome: OutcomeResult | null;
}

/**
 * For the real cases (no catch trials, no overlap copies) decided in [since, until), optionally in
 * `workflows`: who approved each (its latest decision not revoked) and its latest outcome (greatest
 * `reported_at`, ties by id). Read a day at a time (window-days.ts) through `cases_metrics_decided`.
 */
export async function outcomeFacts(
  db: Db,
  w: { workflows?: string[]; since: number; until: number },
): Promise<Map<string, CaseOutcomeFacts>> {
  // Said as migration 010's partial index says it, so SQLite reads the day's cases through it.
  const realCase = sql<boolean>`coalesce(c.gold_id, c.overlap_of) is null`;
  const decisionsOf = (day: { since: number; until: number }) => {
    let q = db
      .selectFrom("decisions as d")
      .innerJoin("cases as c", "c.id", "d.case_id")
      .select(["d.case_id", "d.decided_by", "d.verdict", "d.decided_at", "d.id"])
      .where("c.decided_at", ">=", day.since)
      .where("c.decided_at", "<", day.until)
      .where(realCase)
      .where("d.revoked_at", "is", null);
    if (w.workflows) q = q.where("c.workflow", "in", w.workflows);
    return q.execute();
  };
  const outcomesOf = (day: { since: number; until: number }) => {
    let q = db
      .selectFrom("outcomes as o")
      .innerJoin("cases as c", "c.id", "o.case_id")
      .select(["o.case_id", "o.result", "o.reported_at", "o.id"])
      .where("c.decided_at", ">=", day.since)
      .where("c.decided_at", "<", day.until)
      .where(realCase);
    if (w.workflows) q = q.where("c.workflow", "in", w.workflows);
    return q.execute();
  };
  const latest = <T extends { id: string }>(
    map: Map<string, T>,
    key: string,
    row: T,
    at: number,
    prevAt: (r: T) => number,
  ) => {
    const prev = map.get(key);
    if (!prev || at > prevAt(prev) || (at === prevAt(prev) && row.id > prev.id)) map.set(key, row);
  };
  const lastDecision = new Map<string, Awaited<ReturnType<typeof decisionsOf>>[number]>();
  const lastOutcome = new Map<string, Awaited<ReturnType<typeof outcomesOf>>[number]>();
  // A case's decisions and outcomes all come in its decision's day.
  for await (const day of windowDays(w)) {
    const [decisions, outcomes] = await Promise.all([decisionsOf(day), outcomesOf(day)]);
    for (const d of decisions)
      latest(lastDecision, d.case_id, d, Number(d.decided_at), (r) => Number(r.decided_at));
    for (const o of outcomes)
      latest(lastOutcome, o.case_id, o, Number(o.reported_at), (r) => Number(r.reported_at));
  }
  const out = new Map<string, CaseOutcomeFacts>();
  for (const [caseId, d] of lastDecision) {
    const approval = approvalOf({ decidedBy: d.decided_by, verdict: d.verdict });
    const o = lastOutcome.get(caseId);
    out.set(caseId, {
      approval,
      approvedBy: approval === "human" ? d.decided_by : null,
      outcome: o ? (o.result as OutcomeResult) : null,
    });
  }
  return out;
}
