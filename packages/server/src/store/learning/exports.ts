import { SYSTEM_DECIDERS, type Verdict } from "@loopgate/core";
import type { Db } from "../rows.js";

/**
 * Dataset exports (issue 6, item 1): the human decisions in force, read in keyset-paginated batches so
 * an export of millions of rows never holds more than one batch. Dedup and the row shapes live in
 * `export/`.
 */

/** Which decisions an export reads. Times are epoch ms on the decision in force. */
export interface ExportFilter {
  /** The verdicts to read (the kind's, narrowed by the `verdict` filter). */
  verdicts: Verdict[];
  /** undefined = every workflow. */
  workflows?: string[];
  /** [since, until) on the decision time. */
  since?: number;
  until?: number;
  /** The decider's id (usr_… or key_…). */
  reviewer?: string;
  reason?: string;
}

/** Where the previous batch stopped: the last case read, in submission order. */
export interface ExportCursor {
  createdAt: number;
  caseId: string;
}

/** One decided case with the human decision in force on it. */
export interface ExportDecision {
  caseId: string;
  workflow: string;
  action: string;
  input: unknown;
  proposal: unknown;
  confidence: number;
  policyVersion: string;
  createdAt: number;
  verdict: Verdict;
  output: unknown;
  reasonCode: string | null;
  note: string | null;
  reviewer: string;
  decidedAt: number;
}

/**
 * Up to `limit` decided cases after `after`, in submission order (created_at, id), each with its decision
 * in force — the latest one not revoked — when that decision is a person's and matches the filter.
 *
 * Left out: shadow cases (catch trials and overlap copies never reached an automation and repeat real
 * work), cases whose decision was reverted (what the reviewer decided was undone), and cases whose latest
 * decision came from the policy or an SLA default (no person taught anything).
 *
 * Paged on the cases' (status, created_at) index, so each batch resumes where the last stopped and a
 * whole export is one pass over the decided cases, whatever the filters. The decision in force is the
 * one with no later live decision on its case: an index look-up per case (decisions_case_id).
 */
export async function exportDecisions(
  db: Db,
  filter: ExportFilter,
  after: ExportCursor | null,
  limit: number,
): Promise<ExportDecision[]> {
  if (filter.verdicts.length === 0 || filter.workflows?.length === 0) return [];
  let q = db
    .selectFrom("cases as c")
    .innerJoin("decisions as d", "d.case_id", "c.id")
    .select([
      "c.id as case_id",
      "c.workflow",
      "c.action",
      "c.input",
      "c.proposal",
      "c.confidence",
      "c.policy_version",
      "c.created_at",
      "d.verdict",
      "d.output",
      "d.reason_code",
      "d.note",
      "d.decided_by",
      "d.decided_at",
    ])
    .where("c.status", "=", "decided")
    .where("c.gold_id", "is", null)
    .where("c.overlap_of", "is", null)
    .where("c.reverted_at", "is", null)
    .where("d.revoked_at", "is", null)
    .where("d.decided_by", "not in", SYSTEM_DECIDERS)
    .where("d.verdict", "in", filter.verdicts)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("decisions as later")
            .select("later.id")
            .whereRef("later.case_id", "=", "c.id")
            .where("later.revoked_at", "is", null)
            .where((eb) =>
              eb.or([
                eb("later.decided_at", ">", eb.ref("d.decided_at")),
                eb.and([
                  eb("later.decided_at", "=", eb.ref("d.decided_at")),
                  eb("later.id", ">", eb.ref("d.id")),
                ]),
              ]),
            ),
        ),
      ),
    )
    .orderBy("c.created_at")
    .orderBy("c.id")
    .limit(limit);
  if (after) {
    // `>=` first so both engines range-scan the index; the OR then only settles ties on created_at.
    q = q
      .where("c.created_at", ">=", after.createdAt)
      .where((eb) => eb.or([eb("c.created_at", ">", after.createdAt), eb("c.id", ">", after.caseId)]));
  }
  if (filter.workflows) q = q.where("c.workflow", "in", filter.workflows);
  if (filter.since !== undefined) q = q.where("d.decided_at", ">=", filter.since);
  if (filter.until !== undefined) q = q.where("d.decided_at", "<", filter.until);
  if (filter.reviewer !== undefined) q = q.where("d.decided_by", "=", filter.reviewer);
  if (filter.reason !== undefined) q = q.where("d.reason_code", "=", filter.reason);
  const rows = await q.execute();
  return rows.map((r) => ({
    caseId: r.case_id,
    workflow: r.workflow,
    action: r.action,
    input: JSON.parse(r.input) as unknown,
    proposal: JSON.parse(r.proposal) as unknown,
    confidence: Number(r.confidence),
    policyVersion: r.policy_version,
    createdAt: Number(r.created_at),
    verdict: r.verdict as Verdict,
    output: JSON.parse(r.output) as unknown,
    reasonCode: r.reason_code,
    note: r.note,
    reviewer: r.decided_by,
    decidedAt: Number(r.decided_at),
  }));
}
