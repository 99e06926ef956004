import type { DecisionRow, GovernanceRows, ResolvedCaseRow, SubmittedCaseRow } from "@loopgate/core";
import type { Kysely } from "kysely";
import { auditVerdicts } from "./audit-queries.js";
import { outcomeFacts } from "./outcome-queries.js";
import type { Database } from "./schema.js";

/**
 * The rows behind the governance metrics (`GET /v1/metrics/governance`), shared by both engines like
 * `queries.ts` (SqlStore calls these). The store only selects a window's rows; the rates and percentiles
 * are computed by the pure functions of `@loopgate/core` (metrics/governance.ts).
 *
 * Scaling: each query reads every row of the window, and no index covers `cases.created_at`,
 * `cases.decided_at` or `decisions.decided_at` yet, so a window costs a scan of both tables. Exact and
 * simple; a large history wants those indexes and the counts and reason codes as GROUP BYs.
 */

type Db = Kysely<Database>;

export interface GovernanceWindow {
  /** Only these workflows (all when undefined; none when empty). */
  workflows?: string[];
  /** [since, until), epoch ms. */
  since: number;
  until: number;
}

function triggersOf(explanation: string): string[] {
  try {
    const parsed = JSON.parse(explanation) as { triggers?: unknown };
    return Array.isArray(parsed.triggers) ? parsed.triggers.filter((t) => typeof t === "string") : [];
  } catch {
    return [];
  }
}

export async function governanceRows(db: Db, w: GovernanceWindow): Promise<GovernanceRows> {
  const { workflows, since, until } = w;
  if (workflows?.length === 0) return { submitted: [], resolved: [], decisions: [] };

  let submittedQ = db
    .selectFrom("cases")
    .select(["route", "risk_class", "created_at", "explanation"])
    .where("created_at", ">=", since)
    .where("created_at", "<", until);
  let resolvedQ = db
    .selectFrom("cases")
    .select(["id", "risk_class", "created_at", "decided_at"])
    .where("decided_at", ">=", since)
    .where("decided_at", "<", until);
  let decisionsQ = db
    .selectFrom("decisions as d")
    .innerJoin("cases as c", "c.id", "d.case_id")
    .select([
      "d.decided_by",
      "d.verdict",
      "d.reason_code",
      "d.decided_at",
      "d.revoked_at",
      "c.risk_class",
      "c.created_at",
    ])
    .where("d.decided_at", ">=", since)
    .where("d.decided_at", "<", until);
  if (workflows) {
    submittedQ = submittedQ.where("workflow", "in", workflows);
    resolvedQ = resolvedQ.where("workflow", "in", workflows);
    decisionsQ = decisionsQ.where("c.workflow", "in", workflows);
  }
  const [submitted, resolved, decisions, facts] = await Promise.all([
    submittedQ.execute(),
    resolvedQ.execute(),
    decisionsQ.execute(),
    outcomeFacts(db, w),
  ]);
  const audited = await auditedOutcomes(db, w);
  return {
    submitted: submitted.map(
      (r): SubmittedCaseRow => ({
        route: r.route,
        riskClass: r.risk_class,
        createdAt: Number(r.created_at),
        triggers: triggersOf(r.explanation),
      }),
    ),
    resolved: resolved.map(
      (r): ResolvedCaseRow => ({
        riskClass: r.risk_class,
        createdAt: Number(r.created_at),
        decidedAt: Number(r.decided_at),
        approval: facts.get(r.id)?.approval ?? null,
        approvedBy: facts.get(r.id)?.approvedBy ?? null,
        outcome: audited.get(r.id) ?? facts.get(r.id)?.outcome ?? null,
      }),
    ),
    decisions: decisions.map(
      (r): DecisionRow => ({
        decidedBy: r.decided_by,
        verdict: r.verdict,
        reasonCode: r.reason_code,
        decidedAt: Number(r.decided_at),
        revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
        riskClass: r.risk_class,
        caseCreatedAt: Number(r.created_at),
      }),
    ),
  };
}

/**
 * Audit verdicts as outcomes: for each audited case of the window, the audit verdict when it is at
 * least as recent as the case's latest reported outcome (`decided_at` of the audit ≥ the greatest
 * `reported_at`; a tie goes to the audit). Cases whose latest outcome is newer keep that outcome.
 */
async function auditedOutcomes(db: Db, w: GovernanceWindow): Promise<Map<string, "correct" | "incorrect">> {
  const verdicts = await auditVerdicts(db, w);
  const out = new Map<string, "correct" | "incorrect">();
  if (verdicts.size === 0) return out;
  const latestOutcome = await db
    .selectFrom("outcomes")
    .select(["case_id", (eb) => eb.fn.max("reported_at").as("at")])
    .where("case_id", "in", [...verdicts.keys()])
    .groupBy("case_id")
    .execute();
  const outcomeAt = new Map(latestOutcome.map((r) => [r.case_id, Number(r.at)]));
  for (const [caseId, v] of verdicts) {
    const at = outcomeAt.get(caseId);
    if (at === undefined || v.at >= at) out.set(caseId, v.result);
  }
  return out;
}

/** A `routed` or `decided` event with its case's workflow, for the Prometheus counters. */
export interface CountedEvent {
  seq: number;
  type: "routed" | "decided";
  at: number;
  workflow: string;
  /** The event's data: `route` for routed, `verdict` (and `heldMs` for a person's) for decided. */
  data: Record<string, unknown>;
}

/**
 * Up to `limit` `routed` and `decided` events after `afterSeq`, oldest first: the Prometheus counters
 * read the append-only log from where they stopped, so a scrape costs the events since the last one.
 */
export async function countedEventsAfter(db: Db, afterSeq: number, limit: number): Promise<CountedEvent[]> {
  const rows = await db
    .selectFrom("events as e")
    .innerJoin("cases as c", "c.id", "e.case_id")
    .select(["e.seq", "e.type", "e.at", "e.data", "c.workflow"])
    .where("e.seq", ">", afterSeq)
    .where("e.type", "in", ["routed", "decided"])
    .orderBy("e.seq")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    seq: Number(r.seq),
    type: r.type as CountedEvent["type"],
    at: Number(r.at),
    workflow: r.workflow,
    data: JSON.parse(r.data) as Record<string, unknown>,
  }));
}
