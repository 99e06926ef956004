import { catchTrialPassed, type GoldExpectation, SYSTEM_DECIDERS } from "@loopgate/core";
import type { CaseRecord } from "../cases/types.js";
import type { Db } from "../rows.js";

/**
 * Shadow cases (issue 5, items 4 and 5): scoring catch trials and reading the ratings of overlap groups.
 */

/** A catch trial or an overlap copy: reviewed like any case, never sent to an automation, never counted in the rates. */
export function isShadow(c: Pick<CaseRecord, "goldId" | "overlapOf">): boolean {
  return c.goldId !== null || c.overlapOf !== null;
}

/** [since, until), epoch ms, in `workflows` (all when undefined). */
export interface OversightWindow {
  workflows?: string[];
  since: number;
  until: number;
}

/** One human decision on a catch trial, scored against the gold case it was built from. */
export interface CatchTrialResult {
  caseId: string;
  goldId: string;
  workflow: string;
  reviewer: string;
  verdict: string;
  expected: GoldExpectation;
  passed: boolean;
  heldMs: number | null;
  decidedAt: number;
}

/** One reviewer's first say on one case of an overlap group; `item` is the group's real case. */
export interface OverlapRating {
  item: string;
  rater: string;
  label: string;
  riskClass: string;
  decidedAt: number;
}

export async function catchTrialResults(db: Db, w: OversightWindow): Promise<CatchTrialResult[]> {
  if (w.workflows?.length === 0) return [];
  let q = db
    .selectFrom("decisions as d")
    .innerJoin("cases as c", "c.id", "d.case_id")
    .innerJoin("gold_cases as g", "g.id", "c.gold_id")
    .select([
      "d.case_id",
      "c.gold_id",
      "c.workflow",
      "d.decided_by",
      "d.verdict",
      "d.held_ms",
      "d.decided_at",
      "g.expected",
    ])
    .where("d.decided_at", ">=", w.since)
    .where("d.decided_at", "<", w.until)
    .where("d.revoked_at", "is", null)
    .where("d.decided_by", "not in", SYSTEM_DECIDERS)
    .orderBy("d.decided_at")
    .orderBy("d.id");
  if (w.workflows) q = q.where("c.workflow", "in", w.workflows);
  const rows = await q.execute();
  return rows.map((r) => {
    const expected = r.expected as GoldExpectation;
    return {
      caseId: r.case_id,
      goldId: r.gold_id as string,
      workflow: r.workflow,
      reviewer: r.decided_by,
      verdict: r.verdict,
      expected,
      passed: catchTrialPassed(expected, r.verdict),
      heldMs: r.held_ms === null ? null : Number(r.held_ms),
      decidedAt: Number(r.decided_at),
    };
  });
}

export async function overlapRatings(db: Db, w: OversightWindow): Promise<OverlapRating[]> {
  return ratingsOfItems(db, await overlapItems(db, w), w.until);
}

/**
 * The overlap groups (named by their real case) with a human decision in force in the window on any of
 * their cases. The governance report takes whole days from the rollups instead (store/metrics) and
 * this for the partial days at the edges.
 */
export async function overlapItems(db: Db, w: OversightWindow): Promise<string[]> {
  if (w.workflows?.length === 0 || w.since >= w.until) return [];
  // Groups (named by their real case) with a human decision in the window on any of their cases. A
  // real case belongs to a group only when some copy names it; both sides are index look-ups.
  let touched = db
    .selectFrom("decisions as d")
    .innerJoin("cases as c", "c.id", "d.case_id")
    .select((eb) => eb.fn.coalesce("c.overlap_of", "c.id").as("item"))
    .distinct()
    .where("d.decided_at", ">=", w.since)
    .where("d.decided_at", "<", w.until)
    .where("d.revoked_at", "is", null)
    .where("d.decided_by", "not in", SYSTEM_DECIDERS)
    .where((eb) =>
      eb.or([
        eb("c.overlap_of", "is not", null),
        eb.exists(eb.selectFrom("cases as x").select("x.id").whereRef("x.overlap_of", "=", "c.id")),
      ]),
    );
  if (w.workflows) touched = touched.where("c.workflow", "in", w.workflows);
  return (await touched.execute()).map((r) => r.item as string);
}

/** Every rating of these overlap groups known by `until`. */
export async function ratingsOfItems(db: Db, items: string[], until: number): Promise<OverlapRating[]> {
  if (items.length === 0) return [];
  // Every rating of those groups known by `until`, a case's first live human decision being its rating
  // (a four-eyes case's later approvals are a second person checking, not an independent judgment).
  const rows = await db
    .selectFrom("decisions as d")
    .innerJoin("cases as c", "c.id", "d.case_id")
    .select(["d.case_id", "c.overlap_of", "c.risk_class", "d.decided_by", "d.verdict", "d.decided_at"])
    .where((eb) => eb.or([eb("c.id", "in", items), eb("c.overlap_of", "in", items)]))
    .where("d.decided_at", "<", until)
    .where("d.revoked_at", "is", null)
    .where("d.decided_by", "not in", SYSTEM_DECIDERS)
    .orderBy("d.decided_at")
    .orderBy("d.id")
    .execute();
  const first = new Map<string, OverlapRating>();
  for (const r of rows) {
    if (first.has(r.case_id)) continue;
    first.set(r.case_id, {
      item: r.overlap_of ?? r.case_id,
      rater: r.decided_by,
      label: r.verdict,
      riskClass: r.risk_class,
      decidedAt: Number(r.decided_at),
    });
  }
  return [...first.values()];
}
