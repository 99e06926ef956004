import { SYSTEM_DECIDERS } from "@loopgate/core";
import { type Kysely, sql } from "kysely";
import type { Db } from "../rows.js";
import type { Database } from "../schema.js";
import { REAL_CASE, triggersOf } from "./governance-scan.js";
import { DAY_MS, type Fact, RollupDeltas } from "./rollup-docs.js";
import {
  type CaseFactsRow,
  caseFacts,
  type DecisionFactsRow,
  resolvedFact,
  type VerdictRow,
} from "./rollup-writes.js";

/** Days read at a time: memory stays flat whatever the history (documents are per day, not per case). */
const CHUNK_DAYS = 14;
/** Cases with an outcome or an audit verdict looked up at a time. */
const ID_BATCH = 1_000;
/** Documents written per INSERT, well under both engines' parameter limits. */
const INSERT_BATCH = 500;

/**
 * Recomputes every governance rollup from the base tables, replacing what was there: the backfill of
 * migration 014, and the way to bring rollups up to date after rows were written around the store (a
 * bulk load such as bench/lib/history.js's fixture, a restore of the tables). Runs in one transaction
 * (the caller's, when given one), so a report never sees half of it.
 *
 * It reads each table in the order of the metrics indexes (migration 010), a few weeks at a time, as
 * the scan of a report would (governance-scan.ts): the facts of many cases at once, not case by case as
 * the writes do (rollup-writes.ts), with which the store tests check it agrees.
 */
export async function rebuildRollups(db: Kysely<Database>): Promise<{ cases: number; documents: number }> {
  if (!db.isTransaction) return db.transaction().execute((trx) => rebuildRollups(trx));
  const deltas = new RollupDeltas();
  // The real cases that overlap copies repeat: their people's decisions are ratings of their group.
  const groups = new Set(
    (
      await db
        .selectFrom("cases")
        .select("overlap_of")
        .distinct()
        .where("overlap_of", "is not", null)
        .execute()
    ).map((r) => r.overlap_of as string),
  );
  let cases = 0;
  const span = await timeSpan(db);
  for (let day = span.first; span.last !== null && day <= span.last; day += CHUNK_DAYS) {
    const w = { since: day * DAY_MS, until: (day + CHUNK_DAYS) * DAY_MS };
    cases += await submitted(db, w, deltas);
    await resolved(db, w, deltas);
    await decisions(db, w, deltas, groups);
  }
  await reported(db, deltas);

  await db.deleteFrom("metric_rollups").execute();
  const docs = deltas.changes().map(({ key, doc }) => ({ ...key, doc: JSON.stringify(doc), version: 1 }));
  for (let i = 0; i < docs.length; i += INSERT_BATCH) {
    await db
      .insertInto("metric_rollups")
      .values(docs.slice(i, i + INSERT_BATCH))
      .execute();
  }
  return { cases, documents: docs.length };
}

type Window = { since: number; until: number };

/** The first and last UTC day of anything counted (`last` null when there is nothing). */
async function timeSpan(db: Db): Promise<{ first: number; last: number | null }> {
  // One aggregate per query, each over a metrics index (migration 010) whose predicate the query
  // repeats: SQLite answers a lone min() or max() from the end of an index.
  const real = db.selectFrom("cases as c").where(REAL_CASE);
  const decided = real.where("c.decided_at", "is not", null);
  const inForce = db.selectFrom("decisions as d").where("d.revoked_at", "is", null);
  const ends = await Promise.all([
    real.select((eb) => eb.fn.min("c.created_at").as("t")).executeTakeFirst(),
    real.select((eb) => eb.fn.max("c.created_at").as("t")).executeTakeFirst(),
    decided.select((eb) => eb.fn.min("c.decided_at").as("t")).executeTakeFirst(),
    decided.select((eb) => eb.fn.max("c.decided_at").as("t")).executeTakeFirst(),
    inForce.select((eb) => eb.fn.min("d.decided_at").as("t")).executeTakeFirst(),
    inForce.select((eb) => eb.fn.max("d.decided_at").as("t")).executeTakeFirst(),
  ]);
  const times = ends
    .map((r) => r?.t)
    .filter((t) => t !== null && t !== undefined)
    .map(Number);
  if (times.length === 0) return { first: 0, last: null };
  return { first: Math.floor(Math.min(...times) / DAY_MS), last: Math.floor(Math.max(...times) / DAY_MS) };
}

/** Real cases submitted in the window, by route (counted in SQL) and by fired trigger. */
async function submitted(db: Db, w: Window, deltas: RollupDeltas): Promise<number> {
  const day = sql<number>`c.created_at / 86400000`;
  const [routes, triggered] = await Promise.all([
    db
      .selectFrom("cases as c")
      .select([
        "c.workflow",
        "c.risk_class",
        "c.route",
        day.as("day"),
        (eb) => eb.fn.countAll<number>().as("n"),
      ])
      .where("c.created_at", ">=", w.since)
      .where("c.created_at", "<", w.until)
      .where(REAL_CASE)
      .groupBy(["c.workflow", "c.risk_class", "c.route", day])
      .execute(),
    db
      .selectFrom("cases as c")
      .select(["c.workflow", "c.risk_class", "c.created_at", "c.explanation"])
      .where("c.created_at", ">=", w.since)
      .where("c.created_at", "<", w.until)
      .where(REAL_CASE)
      .where(sql<boolean>`c.explanation not like '%"triggers":[]%'`)
      .execute(),
  ]);
  let cases = 0;
  for (const r of routes) {
    const at = Number(r.day) * DAY_MS;
    deltas.add(
      [{ kind: "submitted", workflow: r.workflow, at, riskClass: r.risk_class, route: r.route }],
      Number(r.n),
    );
    cases += Number(r.n);
  }
  for (const c of triggered) {
    const at = Number(c.created_at);
    deltas.add(
      triggersOf(c.explanation).map(
        (trigger): Fact => ({ kind: "trigger", workflow: c.workflow, at, riskClass: c.risk_class, trigger }),
      ),
    );
  }
  return cases;
}

/**
 * Real cases decided in the window: their resolution times, as if the system decided each; decisions()
 * moves those a person decided to that person's document.
 */
async function resolved(db: Db, w: Window, deltas: RollupDeltas): Promise<void> {
  const rows = await db
    .selectFrom("cases as c")
    .select(["c.workflow", "c.risk_class", "c.created_at", "c.decided_at"])
    .where("c.decided_at", ">=", w.since)
    .where("c.decided_at", "<", w.until)
    .where(REAL_CASE)
    .execute();
  for (const c of rows) {
    const at = Number(c.decided_at);
    const ms = at - Number(c.created_at);
    deltas.add([
      { kind: "resolved", workflow: c.workflow, at, riskClass: c.risk_class, ms, decidedBy: null },
    ]);
  }
}

/** People's decisions in force made in the window, on real cases and on overlap copies. */
async function decisions(db: Db, w: Window, deltas: RollupDeltas, groups: Set<string>): Promise<void> {
  const rows = await db
    .selectFrom("decisions as d")
    .innerJoin("cases as c", "c.id", "d.case_id")
    .select([
      "d.id",
      "d.decided_by",
      "d.verdict",
      "d.reason_code",
      "d.decided_at",
      "c.id as case_id",
      "c.workflow",
      "c.risk_class",
      "c.created_at",
      "c.decided_at as case_decided_at",
      "c.gold_id",
      "c.overlap_of",
    ])
    .where("d.decided_at", ">=", w.since)
    .where("d.decided_at", "<", w.until)
    .where("d.revoked_at", "is", null)
    .where("d.decided_by", "not in", SYSTEM_DECIDERS)
    .where("c.gold_id", "is", null)
    .execute();
  // The decision that decided each real case (made when the case was decided; ties by id).
  const deciding = new Map<string, DecisionFactsRow & { c: CaseFactsRow }>();
  for (const r of rows) {
    const c: CaseFactsRow = { ...r, id: r.case_id, created_at: Number(r.created_at), decided_at: null };
    const d: DecisionFactsRow = { ...r, decided_at: Number(r.decided_at) };
    // The decision's own facts here: the case's resolution was counted by resolved(), its outcome is
    // counted by reported().
    deltas.add(caseFacts(c, [d], [], r.overlap_of ?? (groups.has(r.case_id) ? r.case_id : null)));
    if (r.overlap_of !== null || r.case_decided_at === null || Number(r.case_decided_at) !== d.decided_at)
      continue;
    const seen = deciding.get(r.case_id);
    if (!seen || d.id > seen.id) deciding.set(r.case_id, { ...d, c });
  }
  for (const { c, ...d } of deciding.values()) {
    const fact = resolvedFact(c, d.decided_at, d);
    deltas.add([{ ...fact, decidedBy: null } as Fact], -1).add([fact]);
  }
}

/** The post-review error counts: only the cases with an outcome or a done audit, a batch at a time. */
async function reported(db: Db, deltas: RollupDeltas): Promise<void> {
  const ids = [
    ...new Set(
      (
        await db
          .selectFrom("outcomes")
          .select("case_id")
          .union(db.selectFrom("audits").select("case_id").where("status", "=", "done"))
          .execute()
      ).map((r) => r.case_id),
    ),
  ];
  for (let i = 0; i < ids.length; i += ID_BATCH) {
    const batch = ids.slice(i, i + ID_BATCH);
    const [cases, decided, outcomes, audits] = await Promise.all([
      db
        .selectFrom("cases as c")
        .select([
          "c.id",
          "c.workflow",
          "c.risk_class",
          "c.created_at",
          "c.decided_at",
          "c.gold_id",
          "c.overlap_of",
        ])
        .where("c.id", "in", batch)
        .where("c.decided_at", "is not", null)
        .where(REAL_CASE)
        .execute(),
      db
        .selectFrom("decisions")
        .select(["case_id", "id", "decided_by", "verdict", "reason_code", "decided_at"])
        .where("case_id", "in", batch)
        .where("revoked_at", "is", null)
        .execute(),
      db
        .selectFrom("outcomes")
        .select(["case_id", "id", "result", "reported_at"])
        .where("case_id", "in", batch)
        .execute(),
      db
        .selectFrom("audits")
        .select(["case_id", "id", "verdict", "decided_at"])
        .where("case_id", "in", batch)
        .where("status", "=", "done")
        .execute(),
    ]);
    const byCase = <T extends { case_id: string }>(rows: T[]) => {
      const map = new Map<string, T[]>();
      for (const r of rows) map.set(r.case_id, [...(map.get(r.case_id) ?? []), r]);
      return map;
    };
    const decisionsOf = byCase(decided.map((d) => ({ ...d, decided_at: Number(d.decided_at) })));
    const verdictsOf = byCase<VerdictRow & { case_id: string }>([
      ...outcomes.map((o) => ({
        case_id: o.case_id,
        id: o.id,
        source: "outcome" as const,
        result: o.result,
        at: Number(o.reported_at),
      })),
      ...audits.map((a) => ({
        case_id: a.case_id,
        id: a.id,
        source: "audit" as const,
        result: a.verdict,
        at: a.decided_at === null ? null : Number(a.decided_at),
      })),
    ]);
    for (const c of cases) {
      const row: CaseFactsRow = { ...c, created_at: Number(c.created_at), decided_at: Number(c.decided_at) };
      const facts = caseFacts(row, decisionsOf.get(c.id) ?? [], verdictsOf.get(c.id) ?? [], null);
      deltas.add(facts.filter((f) => f.kind === "reported"));
    }
  }
}
