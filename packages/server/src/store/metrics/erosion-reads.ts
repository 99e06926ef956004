import { type BlindJudgmentPair, classifyBlindJudgment, type ErosionCount } from "@loopgate/core";
import { sql } from "kysely";
import { type Db, fromJson } from "../rows.js";
import { type GovernanceWindow, REAL_CASE } from "./governance-scan.js";

/** Judgments read per statement: memory stays at one page whatever the window. */
const PAGE = 1000;

/**
 * The blind judgments recorded in [since, until), each compared with the model's proposal and with the
 * same reviewer's decision under the same claim (core `classifyBlindJudgment`), counted by workflow,
 * reviewer and what they showed.
 *
 * Read, not kept in the rollups: the judgments of the window are found through migration 023's partial
 * index (`events_blind_judgments`, only those events, in time order), so the cost follows the blind
 * judgments in the window, a sampled share of the reviewed cases, and never the window's other events
 * or cases. Each is joined to its case by key (workflow, proposal) and to the decision that ended its
 * claim through `decisions_case_id`: the reviewer's decision whose claim began before the judgment and
 * which came after it. A rollup would have to compare outputs in the decision's transaction and keep a
 * second set of documents in step with revokes and rebuilds, for figures a report reads rarely.
 *
 * Catch trials and overlap copies are left out, as from every governance figure.
 */
export async function erosionCounts(db: Db, w: GovernanceWindow): Promise<ErosionCount[]> {
  if (w.workflows?.length === 0 || w.since >= w.until) return [];
  const counts = new Map<string, ErosionCount>();
  let after: Cursor | null = null;
  for (;;) {
    const rows: JudgmentRow[] = await judgmentsPage(db, w, after).execute();
    for (const r of rows) {
      const data = fromJson<{ verdict: string; output?: unknown }>(r.data);
      const pair: BlindJudgmentPair = {
        blind: { verdict: data.verdict, output: data.output ?? null },
        final:
          r.verdict === null || r.output === null ? null : { verdict: r.verdict, output: fromJson(r.output) },
        proposal: fromJson(r.proposal),
      };
      const fields = classifyBlindJudgment(pair);
      const key = JSON.stringify([r.workflow, r.actor, fields.matchedModel, fields.afterReveal]);
      const seen = counts.get(key);
      if (seen) seen.count += 1;
      else counts.set(key, { workflow: r.workflow, reviewer: r.actor, ...fields, count: 1 });
    }
    const last = rows[rows.length - 1];
    if (rows.length < PAGE || !last) break;
    after = { at: Number(last.at), seq: Number(last.seq) };
  }
  return [...counts.values()];
}

interface Cursor {
  at: number;
  seq: number;
}

interface JudgmentRow {
  seq: number;
  at: number;
  actor: string;
  data: string;
  workflow: string;
  proposal: string;
  verdict: string | null;
  output: string | null;
}

/**
 * Up to `PAGE` judgments after `after`, in (at, seq) order: a range of the partial index, each joined by
 * key (test/store/erosion-plans.test.ts EXPLAINs it).
 */
export function judgmentsPage(db: Db, w: GovernanceWindow, after: Cursor | null) {
  const { workflows, since, until } = w;
  return (
    db
      .selectFrom("events as e")
      .innerJoin("cases as c", "c.id", "e.case_id")
      .leftJoin("decisions as d", (join) =>
        join
          .onRef("d.case_id", "=", "e.case_id")
          .onRef("d.decided_by", "=", "e.actor")
          .onRef("d.claimed_at", "<=", "e.at")
          .onRef("d.decided_at", ">=", "e.at"),
      )
      .select(["e.seq", "e.at", "e.actor", "e.data", "c.workflow", "c.proposal", "d.verdict", "d.output"])
      // A literal, so SQLite sees that the partial index's WHERE holds.
      .where(sql<boolean>`e.type = 'blind_judgment'`)
      .where("e.at", ">=", since)
      .where("e.at", "<", until)
      .$if(after !== null, (q) => {
        const { at, seq } = after as Cursor;
        return q.where((eb) =>
          eb.or([eb("e.at", ">", at), eb.and([eb("e.at", "=", at), eb("e.seq", ">", seq)])]),
        );
      })
      .where(REAL_CASE)
      .$if(workflows !== undefined, (q) => q.where("c.workflow", "in", workflows as string[]))
      .orderBy("e.at")
      .orderBy("e.seq")
      .limit(PAGE)
  );
}
