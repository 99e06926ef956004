import type { GoldExpectation } from "@loopgate/core";
import type { Selectable } from "kysely";
import type { Db } from "../rows.js";
import type { GoldCasesTable } from "../schema.js";

/**
 * Gold sets (issue 5, item 4): a workflow's known-answer cases, which submit mixes into the queue as
 * catch trials.
 */

export interface NewGoldCase {
  id: string;
  workflow: string;
  action: string;
  confidence: number;
  input: Record<string, unknown>;
  proposal: unknown;
  rationale: string | null;
  evidence: unknown[] | null;
  subject: string | null;
  metadata: Record<string, unknown> | null;
  context: Record<string, unknown> | null;
  /** Whether the proposal is right (`approve`) or wrong (`reject`). */
  expected: GoldExpectation;
  expectedReason: string | null;
  note: string | null;
  createdBy: string;
  createdAt: number;
}

export interface GoldCase extends NewGoldCase {
  disabledAt: number | null;
}

const jsonOrNull = (v: unknown): string | null => (v == null ? null : JSON.stringify(v));
const parsedOrNull = <T>(text: string | null): T | null => (text == null ? null : (JSON.parse(text) as T));

function rowToGold(r: Selectable<GoldCasesTable>): GoldCase {
  return {
    id: r.id,
    workflow: r.workflow,
    action: r.action,
    confidence: Number(r.confidence),
    input: JSON.parse(r.input) as Record<string, unknown>,
    proposal: JSON.parse(r.proposal) as unknown,
    rationale: r.rationale,
    evidence: parsedOrNull<unknown[]>(r.evidence),
    subject: r.subject,
    metadata: parsedOrNull<Record<string, unknown>>(r.metadata),
    context: parsedOrNull<Record<string, unknown>>(r.context),
    expected: r.expected as GoldExpectation,
    expectedReason: r.expected_reason,
    note: r.note,
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    disabledAt: r.disabled_at === null ? null : Number(r.disabled_at),
  };
}

/** One multi-row INSERT: atomic by itself, so a bad row stores none of the others. */
export async function insertGoldCases(db: Db, items: NewGoldCase[]): Promise<void> {
  if (items.length === 0) return;
  await db
    .insertInto("gold_cases")
    .values(
      items.map((g) => ({
        id: g.id,
        workflow: g.workflow,
        action: g.action,
        confidence: g.confidence,
        input: JSON.stringify(g.input),
        proposal: JSON.stringify(g.proposal ?? null),
        rationale: g.rationale,
        evidence: jsonOrNull(g.evidence),
        subject: g.subject,
        metadata: jsonOrNull(g.metadata),
        context: jsonOrNull(g.context),
        expected: g.expected,
        expected_reason: g.expectedReason,
        note: g.note,
        created_by: g.createdBy,
        created_at: g.createdAt,
        disabled_at: null,
      })),
    )
    .execute();
}

export async function listGoldCases(
  db: Db,
  args: { workflow: string; includeDisabled?: boolean },
): Promise<GoldCase[]> {
  let q = db.selectFrom("gold_cases").selectAll().where("workflow", "=", args.workflow);
  if (!args.includeDisabled) q = q.where("disabled_at", "is", null);
  const rows = await q.orderBy("created_at").orderBy("id").execute();
  return rows.map(rowToGold);
}

export async function disableGoldCase(
  db: Db,
  args: { workflow: string; id: string; now: number },
): Promise<boolean> {
  const updated = await db
    .updateTable("gold_cases")
    .set({ disabled_at: args.now })
    .where("id", "=", args.id)
    .where("workflow", "=", args.workflow)
    .where("disabled_at", "is", null)
    .executeTakeFirst();
  return updated.numUpdatedRows > 0n;
}
