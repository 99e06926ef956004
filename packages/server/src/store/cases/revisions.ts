import type { Verdict } from "@loopgate/core";
import { sql } from "kysely";
import { type Db, fromJson } from "../rows.js";
import { rowToCase, rowToDecision } from "./rows.js";
import type { CaseRecord, DecisionRecord } from "./types.js";

/**
 * Revisions (issue 14, item 4, migration 020): a case a reviewer asked changes on may be revised by the
 * automation, which makes a new case linked to it (`revision_of`, `version`). The chain of versions is
 * read one link at a time: back along `revision_of`, forward through its partial index; shadow cases
 * (overlap copies carry their real case's link) are never anyone's next version.
 */

/** The most versions one case may have (http/cases/revisions.ts), and so the longest chain read. */
export const MAX_VERSIONS = 20;

/** One version of a chain and the decision in force on it (null while undecided). */
export interface CaseVersion {
  case: CaseRecord;
  decision: DecisionRecord | null;
}

async function caseById(db: Db, id: string): Promise<CaseRecord | undefined> {
  const row = await db.selectFrom("cases").selectAll().where("id", "=", id).executeTakeFirst();
  return row && rowToCase(row);
}

async function nextVersion(db: Db, id: string): Promise<CaseRecord | undefined> {
  const row = await db
    .selectFrom("cases")
    .selectAll()
    .where("revision_of", "=", id)
    .where("gold_id", "is", null)
    .where("overlap_of", "is", null)
    .orderBy("created_at")
    .limit(1)
    .executeTakeFirst();
  return row && rowToCase(row);
}

/**
 * The versions `c` belongs to, first to last, each with its latest decision not revoked; just `[c]`
 * when it was never revised and revises nothing. At most `MAX_VERSIONS` on either side of it.
 */
export async function versionChain(db: Db, c: CaseRecord): Promise<CaseVersion[]> {
  const before: CaseRecord[] = [];
  let at: CaseRecord | undefined = c;
  while (at?.revisionOf && before.length < MAX_VERSIONS) {
    at = await caseById(db, at.revisionOf);
    if (at) before.unshift(at);
  }
  const after: CaseRecord[] = [];
  // A shadow copy is no version of anything: nothing revises it.
  let next = c.goldId === null && c.overlapOf === null ? await nextVersion(db, c.id) : undefined;
  while (next && after.length < MAX_VERSIONS) {
    after.push(next);
    next = await nextVersion(db, next.id);
  }
  const cases = [...before, c, ...after];
  if (cases.length === 1) return [{ case: c, decision: await latestDecision(db, c.id) }];
  const rows = await db
    .selectFrom("decisions")
    .selectAll()
    .where(
      "case_id",
      "in",
      cases.map((v) => v.id),
    )
    .where("revoked_at", "is", null)
    .orderBy("decided_at")
    .orderBy("id")
    .execute();
  // Oldest first, so the last one per case is its latest.
  const latest = new Map(rows.map((r) => [r.case_id, rowToDecision(r)]));
  return cases.map((v) => ({ case: v, decision: latest.get(v.id) ?? null }));
}

/** The case's latest decision not revoked, or null. */
export async function latestDecision(db: Db, caseId: string): Promise<DecisionRecord | null> {
  const row = await db
    .selectFrom("decisions")
    .selectAll()
    .where("case_id", "=", caseId)
    .where("revoked_at", "is", null)
    .orderBy("decided_at", "desc")
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ? rowToDecision(row) : null;
}

/**
 * The case and its last decision (revoked or not; null when none), in one statement, so the two are of
 * one moment: a decided case always comes with the decision committed with it. The long-poll's wake-up
 * path, where every statement is a round trip between the decision and the automation hearing it.
 */
export async function withLastDecision(
  db: Db,
  id: string,
): Promise<{ case: CaseRecord; decision: DecisionRecord | null } | undefined> {
  const row = await db
    .selectFrom("cases")
    .leftJoin("decisions as d", (join) =>
      join.on("d.id", "=", (eb) =>
        eb
          .selectFrom("decisions as last")
          .select("last.id")
          .whereRef("last.case_id", "=", "cases.id")
          .orderBy("last.decided_at", "desc")
          .orderBy("last.id", "desc")
          .limit(1),
      ),
    )
    .selectAll("cases")
    .select([
      "d.id as d_id",
      "d.decided_by as d_decided_by",
      "d.verdict as d_verdict",
      "d.output as d_output",
      "d.reason_code as d_reason_code",
      "d.note as d_note",
      "d.claimed_at as d_claimed_at",
      "d.decided_at as d_decided_at",
      "d.held_ms as d_held_ms",
      "d.revoked_at as d_revoked_at",
    ])
    .where("cases.id", "=", id)
    .executeTakeFirst();
  if (!row) return undefined;
  const decision =
    row.d_id === null || row.d_decided_by === null || row.d_verdict === null || row.d_output === null
      ? null
      : rowToDecision({
          id: row.d_id,
          case_id: row.id,
          decided_by: row.d_decided_by,
          verdict: row.d_verdict,
          output: row.d_output,
          reason_code: row.d_reason_code,
          note: row.d_note,
          claimed_at: row.d_claimed_at,
          decided_at: row.d_decided_at as number,
          held_ms: row.d_held_ms,
          revoked_at: row.d_revoked_at,
        });
  return { case: rowToCase(row), decision };
}

/** Verdicts that correct the machine, as `GET /v1/workflows/:name/corrections` lists them. */
export const CORRECTION_VERDICTS: readonly Verdict[] = [
  "edit",
  "override",
  "reject",
  "respond",
  "request_changes",
];

/** One correction: the decision and the case's action and proposal it corrected. */
export interface CorrectionRecord {
  caseId: string;
  action: string;
  proposal: unknown;
  decision: DecisionRecord;
}

export interface CorrectionsQuery {
  workflow: string;
  action?: string;
  limit: number;
}

/**
 * A workflow's most recent corrections by a person (not the policy, not a timeout), newest first:
 * decisions in force whose verdict corrects the machine, on real cases of `workflow` (and `action`).
 * Reads the decided cases of the workflow newest first through `cases_corrections` (migration 020) and
 * their decisions by case; only the cases of that one workflow are ever read.
 */
export async function recentCorrections(db: Db, q: CorrectionsQuery): Promise<CorrectionRecord[]> {
  let query = db
    .selectFrom("cases")
    .innerJoin("decisions", "decisions.case_id", "cases.id")
    .select(["cases.action as case_action", "cases.proposal as case_proposal"])
    .selectAll("decisions")
    .where("cases.workflow", "=", q.workflow)
    .where("cases.decided_at", "is not", null)
    // Written as migration 020's partial index is, so PostgreSQL may use it.
    .where(sql<boolean>`coalesce(cases.gold_id, cases.overlap_of) is null`)
    .where("decisions.verdict", "in", [...CORRECTION_VERDICTS])
    .where("decisions.revoked_at", "is", null)
    .where("decisions.decided_by", "not in", ["policy", "sla"])
    .orderBy("cases.decided_at", "desc")
    .orderBy("decisions.decided_at", "desc")
    .orderBy("decisions.id", "desc")
    .limit(q.limit);
  if (q.action !== undefined) query = query.where("cases.action", "=", q.action);
  const rows = await query.execute();
  return rows.map(({ case_action, case_proposal, ...d }) => {
    const decision = rowToDecision(d);
    return {
      caseId: decision.caseId,
      action: case_action,
      proposal: fromJson(case_proposal),
      decision,
    };
  });
}
