import {
  type Approval,
  type GovernanceTallies,
  type GroupBy,
  type OutcomeResult,
  QuantileSketch,
  type ReportedCount,
  type RouteCount,
  type TriggerCount,
  utcDay,
  type VerdictCount,
} from "@loopgate/core";
import { SqliteAdapter } from "kysely";
import type { Db } from "../rows.js";
import { giveLoopTurn } from "./loop-turns.js";
import { type CountRow, DAY_MS, type RollupKind, type StoredDoc } from "./rollup-docs.js";

/** Tallies the caller may add to (the partial days at a window's edges). */
export interface OwnTallies extends GovernanceTallies {
  routes: RouteCount[];
  triggers: TriggerCount[];
  verdicts: VerdictCount[];
  resolutionMs: Map<string, QuantileSketch>;
  reported: ReportedCount[];
}

interface Days {
  workflows?: string[];
  /** [fromDay, toDay): UTC day numbers. */
  fromDay: number;
  toDay: number;
}

/**
 * The governance tallies of whole UTC days from the rollups, one per grouping asked for, from one read:
 * a few rows per workflow and day, however many cases a day holds. Keyed as the scan keys them
 * (governance-scan.ts): by risk class, by day (submitted cases by submit day, decisions and resolved
 * cases by decision day), by reviewer (their decisions; the approved cases whose final decision is
 * theirs), or "" for the whole window (grouping undefined).
 *
 * People's decisions come from the `team` documents (a few per workflow and day), or, when a grouping
 * is by reviewer, from the `reviewer` documents (one per person and day) for every grouping: their sum
 * is the `team` documents, so one read serves all.
 */
export async function rollupTallies(
  db: Db,
  w: Days,
  groupings: readonly (GroupBy | undefined)[],
): Promise<OwnTallies[]> {
  const counters = groupings.map((groupBy) => ({ groupBy, t: new TallyCounter() }));
  const kinds: RollupKind[] = ["reported", groupings.includes("reviewer") ? "reviewer" : "team"];
  if (groupings.some((g) => g !== "reviewer")) kinds.push("submitted");
  for await (const rows of readDocs(db, w, kinds)) {
    for (const row of rows) {
      const doc = JSON.parse(row.doc) as StoredDoc;
      const day = groupings.includes("day") ? utcDay(Number(row.day) * DAY_MS) : "";
      for (const { groupBy, t } of counters) countDoc(t, groupBy, { ...row, day }, doc);
      await giveLoopTurn();
    }
  }
  return counters.map(({ t }) => t.tallies());
}

/** Adds one document to the tallies of a grouping. */
function countDoc(
  t: TallyCounter,
  groupBy: GroupBy | undefined,
  row: { kind: string; day: string; part: string },
  doc: StoredDoc,
): void {
  const keyOf = (riskClass: string) =>
    groupBy === "riskClass" ? riskClass : groupBy === "day" ? row.day : "";
  if (groupBy === "reviewer") {
    if (row.kind === "reviewer") {
      for (const [, verdict, reason, n] of (doc.verdicts ?? []) as VerdictRow[]) {
        t.count("verdicts", row.part, [verdict, reason, n]);
      }
      // Their times that decided a case are in `resolved`, the others in `resolution` (rollup-docs.ts).
      if (doc.resolution) t.sketch(row.part).addBuckets(doc.resolution);
      for (const buckets of Object.values(doc.resolved ?? {})) t.sketch(row.part).addBuckets(buckets);
    } else if (row.kind === "reported") {
      for (const [approval, outcome, approvedBy, n] of (doc.reported ?? []) as ReportedRow[]) {
        // A person's approvals only, under their name.
        if (approval === "human" && approvedBy !== null)
          t.count("reported", approvedBy, [approval, outcome, n]);
      }
    }
    return;
  }
  if (row.kind === "submitted") {
    for (const r of doc.routes ?? []) t.count("routes", keyOf(row.part), r);
    for (const r of doc.triggers ?? []) t.count("triggers", keyOf(row.part), r);
  } else if (row.kind === "reviewer" || row.kind === "team") {
    for (const [riskClass, verdict, reason, n] of (doc.verdicts ?? []) as VerdictRow[]) {
      t.count("verdicts", keyOf(riskClass), [verdict, reason, n]);
    }
  } else if (row.kind === "reported") {
    for (const [approval, outcome, , n] of (doc.reported ?? []) as ReportedRow[]) {
      t.count("reported", keyOf(row.part), [approval, outcome, n]);
    }
  }
  for (const [riskClass, buckets] of Object.entries(doc.resolved ?? {})) {
    t.sketch(keyOf(riskClass)).addBuckets(buckets);
  }
}

/** The overlap groups rated (a human decision in force on any of their cases) in whole days. */
export async function rollupOverlapItems(db: Db, w: Days): Promise<string[]> {
  const items = new Set<string>();
  for await (const rows of readDocs(db, w, ["overlap"])) {
    for (const row of rows) {
      for (const [item] of (JSON.parse(row.doc) as StoredDoc).items ?? []) items.add(item as string);
      await giveLoopTurn();
    }
  }
  return [...items];
}

/**
 * Days read per query. PostgreSQL's answer to a query is parsed in one turn of the event loop, however
 * long, so there a query reads one day's documents: with five, submits during back-to-back 90-day
 * reports kept 0.5 to 0.75 of their rate alone (bench, 100,000 events), with one 0.8 to 0.95, while
 * a report alone took 30 ms more. SQLite reads are synchronous calls whose cost is mostly per call: five
 * days kept 0.9 there, one day 0.75 to 0.8.
 */
const sliceDays = (db: Db) => (db.getExecutor().adapter instanceof SqliteAdapter ? 5 : 1);

/**
 * The documents of [fromDay, toDay), `sliceDays` per query; their readers give the event loop a turn
 * every millisecond (loop-turns.ts).
 */
async function* readDocs(db: Db, w: Days, kinds: RollupKind[]) {
  if (w.workflows?.length === 0) return;
  const days = sliceDays(db);
  for (let from = w.fromDay; from < w.toDay; from += days) {
    let q = db
      .selectFrom("metric_rollups")
      .select(["kind", "day", "part", "doc"])
      .where("kind", "in", kinds)
      .where("day", ">=", from)
      .where("day", "<", Math.min(from + days, w.toDay));
    if (w.workflows) q = q.where("workflow", "in", w.workflows);
    yield await q.execute();
    await giveLoopTurn();
  }
}

type VerdictRow = [string, string, string | null, number];
type ReportedRow = [Approval, OutcomeResult, string | null, number];
type Section = "routes" | "triggers" | "verdicts" | "reported";
type Counted = { key: string; names: (string | null)[]; n: number };

/** Sums of counted rows by section, key and names, and one sketch per key. */
class TallyCounter {
  readonly #counts = new Map<Section, Map<string, Counted>>();
  readonly #sketches = new Map<string, QuantileSketch>();

  count(section: Section, key: string, row: CountRow): void {
    const names = row.slice(0, -1) as (string | null)[];
    const n = Number(row.at(-1));
    const id = [key, ...names].map((x) => x ?? "\u0001").join("\u0000");
    let counts = this.#counts.get(section);
    if (!counts) {
      counts = new Map();
      this.#counts.set(section, counts);
    }
    const seen = counts.get(id);
    if (seen) seen.n += n;
    else counts.set(id, { key, names, n });
  }

  sketch(key: string): QuantileSketch {
    let s = this.#sketches.get(key);
    if (!s) {
      s = new QuantileSketch();
      this.#sketches.set(key, s);
    }
    return s;
  }

  tallies(): OwnTallies {
    const rows = (section: Section) =>
      [...(this.#counts.get(section)?.values() ?? [])].filter((r) => r.n !== 0);
    const name = (r: Counted, i: number) => r.names[i] as string;
    return {
      routes: rows("routes").map((r): RouteCount => ({ key: r.key, route: name(r, 0), count: r.n })),
      triggers: rows("triggers").map((r): TriggerCount => ({ key: r.key, trigger: name(r, 0), count: r.n })),
      verdicts: rows("verdicts").map(
        (r): VerdictCount => ({
          key: r.key,
          verdict: name(r, 0),
          reasonCode: r.names[1] ?? null,
          count: r.n,
        }),
      ),
      resolutionMs: new Map([...this.#sketches].filter(([, s]) => s.count > 0)),
      reported: rows("reported").map(
        (r): ReportedCount => ({
          key: r.key,
          approval: name(r, 0) as Approval,
          outcome: name(r, 1) as OutcomeResult,
          count: r.n,
        }),
      ),
    };
  }
}
