import { approvalOf, type OutcomeResult, SYSTEM_DECIDERS } from "@loopgate/core";
import { sql } from "kysely";
import type { CaseRecord, NewCase, NewDecision } from "../cases/types.js";
import type { Tx } from "../rows.js";
import { type Fact, RollupDeltas } from "./rollup-docs.js";
import { addToRows } from "./rollup-rows.js";

/**
 * Keeping the governance rollups (rollup-docs.ts) equal to the base tables, in the transaction of every
 * write that changes a counted fact: submit and a reviewer's decision say what they add; the rarer
 * changes (revoke, a timer that decides, an outcome, an audit verdict) read the case's facts before and
 * after (`trackRollups`) and write the difference. Shadow cases (catch trials, overlap copies) count
 * nowhere, as in the scan (governance-scan.ts), except that a decision on an overlap copy, like one on
 * the real case it copies, marks the group as rated that day (for the report's reviewer consistency).
 */

/**
 * Submits (one, or a group commit's batch), the cases created only: each case's route and triggers, and
 * its resolution when the policy decided it at once. A batch's documents are written once each.
 */
export async function rollupSubmits(
  trx: Tx,
  writes: readonly { c: NewCase; extra: { decision?: NewDecision } }[],
): Promise<void> {
  const deltas = new RollupDeltas();
  for (const { c, extra } of writes) {
    if (c.goldId || c.overlapOf) continue;
    const { workflow, riskClass, route } = c;
    const at = c.createdAt;
    deltas.add([{ kind: "submitted", workflow, at, riskClass, route }]);
    deltas.add(
      c.explanation.triggers.map((trigger) => ({ kind: "trigger", workflow, at, riskClass, trigger })),
    );
    const decision = extra.decision;
    if (!decision) continue;
    const row = { ...factsRowOf(c), decided_at: decision.decidedAt };
    deltas.add(decisionFacts(row, [decisionRowOf(decision)]));
    deltas.add([resolvedFact(row, decision.decidedAt, decisionRowOf(decision))]);
  }
  await addToRows(trx, deltas.changes());
}

/**
 * A reviewer's decision or four-eyes approval, just recorded on `c` (the case as it is now): the
 * decision, and when it decided the case its resolution and any outcome already reported on it (after a
 * revoke, the case may be decided a second time). `known`: what the decision's own UPDATE found of the
 * case's links (review/decide.ts), when nothing but copies could link to it; read here otherwise.
 */
export async function rollupDecision(
  trx: Tx,
  c: CaseRecord,
  d: NewDecision,
  known?: KnownLinks,
): Promise<void> {
  if (c.goldId) return;
  const row = { ...factsRowOf(c), decided_at: c.decidedAt };
  const decision = decisionRowOf(d);
  if (c.overlapOf) {
    await addToRows(trx, new RollupDeltas().add(overlapFacts(row, [decision], c.overlapOf)).changes());
    return;
  }
  // Nothing links to the case but (perhaps) copies: then the decision just written is the only one in
  // force since it was decided, and so the one that decided it.
  const links = known
    ? { copied: known.copied, verdicts: [], latest: c.decidedAt === null ? [] : [decision] }
    : await caseLinks(trx, c.id, c.decidedAt);
  const facts = [
    ...overlapFacts(row, [decision], links.copied ? c.id : null),
    ...decisionFacts(row, [decision]),
  ];
  if (c.decidedAt !== null) {
    facts.push(
      resolvedFact(
        row,
        c.decidedAt,
        latest(links.latest, (r) => r.decided_at),
      ),
    );
    // Rare (an outcome reported before a revoke, or an audit): then which decision is final is read back.
    if (links.verdicts.length > 0) {
      facts.push(...reportedFacts(row, await decisionsInForce(trx, c.id), links.verdicts));
    }
  }
  await addToRows(trx, new RollupDeltas().add(facts).changes());
}

/** What a decision's UPDATE learnt of its case's links, when only copies could be among them. */
export interface KnownLinks {
  copied: boolean;
}

/**
 * `caseLinks` as two columns a statement on `cases` can return (the decision's lease UPDATE,
 * review/decide.ts), saving the decision's rollups that look-up: `copied`, whether overlap copies repeat
 * the case, and `linked`, whether anything else its facts depend on exists (an outcome, a done audit, a
 * decision in force from `now` on). Kept here beside `caseLinks`, which reads the same links.
 */
export const linkColumns = (now: number) => [
  sql<unknown>`exists (select 1 from cases as copy where copy.overlap_of = cases.id)`.as("copied"),
  sql<unknown>`(exists (select 1 from outcomes where outcomes.case_id = cases.id)
    or exists (select 1 from audits where audits.case_id = cases.id and audits.status = 'done')
    or exists (select 1 from decisions where decisions.case_id = cases.id and decisions.revoked_at is null
      and decisions.decided_at >= ${now}))`.as("linked"),
];

/**
 * The links those columns say, when only copies could be among them; undefined otherwise (almost never),
 * and the rollups read them after the decision is written. 1 or 0 on SQLite, a boolean on PostgreSQL.
 */
export function knownLinks(r: { copied?: unknown; linked?: unknown }): KnownLinks | undefined {
  return r.linked ? undefined : { copied: Boolean(r.copied) };
}

/**
 * For a change a write path does not spell out: reads the case's facts now; `commit()` reads them again
 * and writes the difference. `lock` first locks the case row, for writers that do not already (an
 * outcome, an audit verdict): two writers of one case then see each other's changes, not a stale before.
 */
export async function trackRollups(
  trx: Tx,
  caseId: string,
  { lock = false }: { lock?: boolean } = {},
): Promise<{ commit(): Promise<void> }> {
  // A no-op update is a row lock on both engines (FOR UPDATE does not exist in SQLite, where the
  // transaction already holds the only write lock).
  if (lock) {
    await trx
      .updateTable("cases")
      .set((eb) => ({ decided_at: eb.ref("decided_at") }))
      .where("id", "=", caseId)
      .execute();
  }
  const before = await readCaseFacts(trx, caseId);
  return {
    async commit() {
      const after = await readCaseFacts(trx, caseId);
      await addToRows(trx, new RollupDeltas().add(before, -1).add(after).changes());
    },
  };
}

/** The case columns its facts are made of. */
export interface CaseFactsRow {
  id: string;
  workflow: string;
  risk_class: string;
  created_at: number;
  decided_at: number | null;
  gold_id: string | null;
  overlap_of: string | null;
}

/** The decision columns its facts are made of (decisions in force only: not revoked). */
export interface DecisionFactsRow {
  id: string;
  decided_by: string;
  verdict: string;
  reason_code: string | null;
  decided_at: number;
}

/** An outcome (`outcome`) or a done audit's verdict (`audit`) on a case. */
export interface VerdictRow {
  id: string;
  source: "outcome" | "audit";
  result: string | null;
  at: number | null;
}

/**
 * What a case contributes besides its submit: a real case its decisions in force, resolution and
 * outcome; a case of an overlap group (`overlapItem`: its real case, when it is a copy or has copies)
 * its people's decisions as ratings of the group. A catch trial, nothing.
 */
export function caseFacts(
  c: CaseFactsRow,
  decisions: DecisionFactsRow[],
  verdicts: VerdictRow[],
  overlapItem: string | null,
): Fact[] {
  if (c.gold_id !== null) return [];
  const facts = overlapFacts(c, decisions, overlapItem);
  if (c.overlap_of !== null) return facts;
  facts.push(...decisionFacts(c, decisions));
  if (c.decided_at === null) return facts;
  facts.push(
    resolvedFact(
      c,
      c.decided_at,
      latest(decisions, (d) => Number(d.decided_at)),
    ),
  );
  facts.push(...reportedFacts(c, decisions, verdicts));
  return facts;
}

/**
 * A decided case's resolution, counted with the person whose decision decided it: its final decision
 * (the latest in force, ties by id), as for the reported outcomes; null when that is the system's.
 */
export function resolvedFact(c: CaseFactsRow, decidedAt: number, final: DecisionFactsRow | undefined): Fact {
  const person = final && !SYSTEM_DECIDERS.includes(final.decided_by) ? final.decided_by : null;
  const ms = Number(decidedAt) - Number(c.created_at);
  return { ...caseAt(c, decidedAt), kind: "resolved", ms, decidedBy: person };
}

function overlapFacts(c: CaseFactsRow, decisions: DecisionFactsRow[], item: string | null): Fact[] {
  if (item === null) return [];
  return decisions
    .filter((d) => !SYSTEM_DECIDERS.includes(d.decided_by))
    .map((d) => ({
      kind: "overlap",
      workflow: c.workflow,
      at: Number(d.decided_at),
      reviewer: d.decided_by,
      item,
    }));
}

function decisionFacts(c: CaseFactsRow, decisions: DecisionFactsRow[]): Fact[] {
  return decisions
    .filter((d) => !SYSTEM_DECIDERS.includes(d.decided_by))
    .map((d) => ({
      ...caseAt(c, d.decided_at),
      kind: "decision",
      reviewer: d.decided_by,
      verdict: d.verdict,
      reasonCode: d.reason_code,
      ms: Number(d.decided_at) - Number(c.created_at),
    }));
}

/**
 * A decided case's reported outcome, as the scan counts it: who approved it is its final decision (the
 * latest in force, ties by id); the outcome is the latest reported one (ties by id) unless an audit
 * verdict is at least as recent.
 */
function reportedFacts(c: CaseFactsRow, decisions: DecisionFactsRow[], verdicts: VerdictRow[]): Fact[] {
  if (c.decided_at === null || verdicts.length === 0) return [];
  const final = latest(decisions, (d) => Number(d.decided_at));
  const approval = approvalOf(final && { decidedBy: final.decided_by, verdict: final.verdict });
  const outcome = outcomeOf(verdicts);
  if (!final || !approval || !outcome) return [];
  const approvedBy = approval === "human" ? final.decided_by : null;
  return [{ ...caseAt(c, c.decided_at), kind: "reported", approval, approvedBy, outcome }];
}

function outcomeOf(verdicts: VerdictRow[]): OutcomeResult | null {
  const at = (v: VerdictRow) => Number(v.at);
  const o = latest(
    verdicts.filter((v) => v.source === "outcome"),
    at,
  );
  const audit = latest(
    verdicts.filter((v) => v.source === "audit"),
    at,
  );
  const result = audit && (!o || at(audit) >= at(o)) ? audit.result : o?.result;
  return result === "correct" || result === "incorrect" ? result : null;
}

function latest<T extends { id: string }>(rows: T[], at: (r: T) => number): T | undefined {
  let best: T | undefined;
  for (const r of rows) {
    if (!best || at(r) > at(best) || (at(r) === at(best) && r.id > best.id)) best = r;
  }
  return best;
}

const caseAt = (c: CaseFactsRow, at: number) => ({
  workflow: c.workflow,
  riskClass: c.risk_class,
  at: Number(at),
});

const factsRowOf = (c: NewCase | CaseRecord): CaseFactsRow => ({
  id: c.id,
  workflow: c.workflow,
  risk_class: c.riskClass,
  created_at: c.createdAt,
  decided_at: null,
  gold_id: c.goldId ?? null,
  overlap_of: c.overlapOf ?? null,
});

const decisionRowOf = (d: NewDecision): DecisionFactsRow => ({
  id: d.id,
  decided_by: d.decidedBy,
  verdict: d.verdict,
  reason_code: d.reasonCode,
  decided_at: d.decidedAt,
});

async function readCaseFacts(trx: Tx, caseId: string): Promise<Fact[]> {
  const c = await trx
    .selectFrom("cases")
    .select(["id", "workflow", "risk_class", "created_at", "decided_at", "gold_id", "overlap_of"])
    .where("id", "=", caseId)
    .executeTakeFirst();
  if (!c || c.gold_id !== null) return [];
  const decisions = await decisionsInForce(trx, caseId);
  if (c.overlap_of !== null) return caseFacts(c, decisions, [], c.overlap_of);
  const links = await caseLinks(trx, caseId, null);
  return caseFacts(c, decisions, links.verdicts, links.copied ? caseId : null);
}

function decisionsInForce(trx: Tx, caseId: string): Promise<DecisionFactsRow[]> {
  return trx
    .selectFrom("decisions")
    .select(["id", "decided_by", "verdict", "reason_code", "decided_at"])
    .where("case_id", "=", caseId)
    .where("revoked_at", "is", null)
    .execute();
}

/**
 * What else a real case's facts depend on, in one look-up (indexes `cases_overlap_of`, `outcomes_case`,
 * `audits_case`, `decisions_case_id`): whether overlap copies repeat it (written with it at submit, so
 * before any decision); its outcomes and done audit verdicts; and with `decidedAt`, its decisions in
 * force since then, of which the latest is the one that decided it. `linkColumns` reads the same links
 * in a decision's UPDATE: a link added here is added there.
 */
async function caseLinks(
  trx: Tx,
  caseId: string,
  decidedAt: number | null,
): Promise<{ copied: boolean; verdicts: VerdictRow[]; latest: DecisionFactsRow[] }> {
  type Link = {
    source: "copy" | "outcome" | "audit" | "decision";
    id: string;
    name: string | null;
    at: number | null;
  };
  const since =
    decidedAt === null
      ? sql``
      : sql`union all select 'decision', id, decided_by, decided_at from decisions
          where case_id = ${caseId} and revoked_at is null and decided_at >= ${decidedAt}`;
  const { rows } = await sql<Link>`
    select 'copy' as source, id, null as name, null as at from cases where overlap_of = ${caseId}
    union all select 'outcome', id, result, reported_at from outcomes where case_id = ${caseId}
    union all select 'audit', id, verdict, decided_at from audits where case_id = ${caseId} and status = 'done'
    ${since}`.execute(trx);
  const at = (r: Link) => (r.at === null ? null : Number(r.at));
  return {
    copied: rows.some((r) => r.source === "copy"),
    verdicts: rows
      .filter((r) => r.source === "outcome" || r.source === "audit")
      .map((r) => ({ id: r.id, source: r.source as VerdictRow["source"], result: r.name, at: at(r) })),
    // Only who decided matters here (verdict and reason are the caller's own decision's).
    latest: rows
      .filter((r) => r.source === "decision")
      .map((r) => ({
        id: r.id,
        decided_by: r.name as string,
        verdict: "",
        reason_code: null,
        decided_at: Number(r.at),
      })),
  };
}
