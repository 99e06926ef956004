import { type Approval, type OutcomeResult, QuantileSketch, type SketchBucket } from "@loopgate/core";

/**
 * The governance rollups' documents (table `metric_rollups`, migration 014): what one workflow counted
 * on one UTC day, so a report reads a few rows per day instead of the day's cases and decisions.
 *
 * A row is keyed by (kind, day, workflow, part) and holds a JSON document. Each kind is written by one
 * kind of writer, so that concurrent transactions rarely want the same row (on PostgreSQL a row being
 * written is locked until commit, and a row every decision wrote would let one decision commit at a
 * time):
 * - `submitted`, part = risk class, written by submits (a process commits them in batches): the real
 *   cases submitted that day by route and by fired trigger, and the resolution times of the cases the
 *   system decided that day (the policy at submit, an SLA default).
 * - `reviewer`, part = the person, written by their own decisions (one at a time): their decisions in
 *   force that day by risk class, verdict and reason code; by risk class, the sketch of the resolution
 *   times of the cases their decision decided; and the sketch of their other decisions' times (four-eyes
 *   approvals that did not decide), decision − the case's submit. A decision that decides a case takes
 *   exactly its case's resolution time, so the person's own times are both sketches together, each
 *   time kept once.
 * - `team`, part = risk class, written by every person's decisions: the `reviewer` documents of the
 *   workflow, day and risk class summed over the people, without their other times (`resolution`), so
 *   a report not grouped by reviewer reads a few of these instead of one per person and day. The one
 *   row all of a workflow's deciders share (on PostgreSQL they take turns on its lock), so its kind
 *   sorts after every other: a decision locks it after all its other rows (`changes()`), then writes
 *   them back in one statement and commits (rollup-rows.ts), so it holds that lock the least.
 * - `overlap`, part = the person, written by their decisions on overlap groups: the groups (named by
 *   their real case) they rated that day, so the report reads the ratings of those groups only.
 * - `reported`, part = risk class, written by outcomes and audit verdicts (rarely): the cases decided
 *   that day with an outcome that counts, by who approved them (`auto`, or `human` and the person).
 * Documents rather than a row per count: a day's sketch has hundreds of buckets, and per reviewer nearly
 * every decision would be a row of its own.
 *
 * What a case contributes is a list of `Fact`s; a write adds the facts a change creates and subtracts
 * those it ends (`RollupDeltas`), so the documents always equal a count of the base tables.
 */

export const DAY_MS = 86_400_000;

/** The UTC day number of an epoch-ms time (days since 1970-01-01). */
const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);

export type RollupKind = "submitted" | "reviewer" | "team" | "reported" | "overlap";

export interface RollupKey {
  kind: RollupKind;
  workflow: string;
  day: number;
  /** The risk class (`submitted`, `team`, `reported`) or the person (`reviewer`, `overlap`). */
  part: string;
}

/** One thing a case contributes to the governance figures, at epoch-ms `at`. */
export type Fact =
  | { kind: "submitted"; workflow: string; at: number; riskClass: string; route: string }
  /** One of the escalation triggers a submitted case fired. */
  | { kind: "trigger"; workflow: string; at: number; riskClass: string; trigger: string }
  | {
      /** A person's decision in force (not revoked; not the policy's nor an SLA default). */
      kind: "decision";
      workflow: string;
      at: number;
      riskClass: string;
      reviewer: string;
      verdict: string;
      reasonCode: string | null;
      /** From the case's submit to this decision. */
      ms: number;
    }
  | {
      /** A case decided at `at`, `ms` after its submit. */
      kind: "resolved";
      workflow: string;
      at: number;
      riskClass: string;
      ms: number;
      /** The person whose decision decided it (the case's final decision), or null for the system. */
      decidedBy: string | null;
    }
  | {
      kind: "reported";
      workflow: string;
      /** When the case was decided. */
      at: number;
      riskClass: string;
      approval: Approval;
      /** The person who approved it (approval `human`), else null. */
      approvedBy: string | null;
      outcome: OutcomeResult;
    }
  | {
      /** A person's decision in force on a case of an overlap group: the real case or a copy of it. */
      kind: "overlap";
      workflow: string;
      at: number;
      reviewer: string;
      /** The group's real case. */
      item: string;
    };

/** A section's counted names then its count, e.g. `["low", "edit", "wrong_amount", 3]`. */
export type CountRow = [...(string | null)[], number];

/** The counted sections of the documents. */
type Section = "routes" | "triggers" | "verdicts" | "reported" | "items";

/**
 * A document as stored: `routes` [route, n], `triggers` [trigger, n] (submitted); `verdicts`
 * [riskClass, verdict, reasonCode, n] (reviewer, team) and `resolution` (the person's times that decided
 * nothing) (reviewer); `resolved` (submitted, reviewer, team): by risk class, the resolution times of
 * the cases decided; `reported`
 * [approval, outcome, approvedBy, n] (reported); `items` [real case id, n] (overlap). Sketches are core
 * sketch.ts's buckets of milliseconds.
 */
export type StoredDoc = Partial<Record<Section, CountRow[]>> & {
  resolution?: SketchBucket[];
  resolved?: Record<string, SketchBucket[]>;
};

/** One rollup document, or the change to one. */
export class RollupDoc {
  readonly #sections = new Map<Section, Map<string, CountRow>>();
  readonly resolution = new QuantileSketch();
  readonly #resolved = new Map<string, QuantileSketch>();

  static parse(json: string): RollupDoc {
    const doc = new RollupDoc();
    const { resolution, resolved, ...sections } = JSON.parse(json) as StoredDoc;
    if (resolution) doc.resolution.addBuckets(resolution);
    for (const [riskClass, buckets] of Object.entries(resolved ?? {}))
      doc.resolved(riskClass).addBuckets(buckets);
    for (const [section, rows] of Object.entries(sections)) {
      for (const row of rows) doc.count(section as Section, namesOf(row), row.at(-1));
    }
    return doc;
  }

  count(section: Section, names: readonly (string | null)[], n: unknown): void {
    const count = Number(n);
    if (count === 0) return;
    let rows = this.#sections.get(section);
    if (!rows) {
      rows = new Map();
      this.#sections.set(section, rows);
    }
    const id = names.map((name) => name ?? NULL_NAME).join(SEPARATOR);
    const row = rows.get(id);
    if (!row) rows.set(id, [...names, count]);
    else if ((row.at(-1) as number) + count === 0) rows.delete(id);
    else row[row.length - 1] = (row.at(-1) as number) + count;
  }

  /** The sketch of the resolution times of the cases of a risk class decided here. */
  resolved(riskClass: string): QuantileSketch {
    let s = this.#resolved.get(riskClass);
    if (!s) {
      s = new QuantileSketch();
      this.#resolved.set(riskClass, s);
    }
    return s;
  }

  merge(other: RollupDoc, sign: 1 | -1 = 1): this {
    for (const [section, rows] of other.#sections) {
      for (const row of rows.values()) this.count(section, namesOf(row), sign * (row.at(-1) as number));
    }
    this.resolution.merge(other.resolution, sign);
    for (const [riskClass, s] of other.#resolved) this.resolved(riskClass).merge(s, sign);
    return this;
  }

  get isEmpty(): boolean {
    return (
      this.resolution.count === 0 &&
      [...this.#resolved.values()].every((s) => s.count === 0) &&
      [...this.#sections.values()].every((rows) => rows.size === 0)
    );
  }

  /** Sorted, so equal documents are equal text (the rebuild test compares them). */
  toJSON(): StoredDoc {
    const out: StoredDoc = {};
    for (const section of [...this.#sections.keys()].sort()) {
      const rows = [...(this.#sections.get(section)?.values() ?? [])].sort((a, b) =>
        compareText(JSON.stringify(a), JSON.stringify(b)),
      );
      if (rows.length > 0) out[section] = rows;
    }
    if (this.resolution.count !== 0) out.resolution = this.resolution.toJSON();
    const resolved = [...this.#resolved]
      .filter(([, s]) => s.count !== 0)
      .sort(([a], [b]) => compareText(a, b));
    if (resolved.length > 0) out.resolved = Object.fromEntries(resolved.map(([k, s]) => [k, s.toJSON()]));
    return out;
  }
}

// Names are ids, codes and verdicts: none holds these control characters.
const SEPARATOR = "\u0000";
const NULL_NAME = "\u0001";

const namesOf = (row: CountRow) => row.slice(0, -1) as (string | null)[];

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The key as one string, in the order writes take the rows (so two writers never wait on each other in a cycle). */
export const keyId = (k: RollupKey): string => [k.kind, k.day, k.workflow, k.part].join(SEPARATOR);

/** The change a write makes to the rollups: facts added and facts ended, by document. */
export class RollupDeltas {
  readonly #docs = new Map<string, { key: RollupKey; doc: RollupDoc }>();

  /** Counts each fact `times` times: 1 for a fact that starts, -1 for one that ends, n for n alike. */
  add(facts: Iterable<Fact>, times = 1): this {
    for (const f of facts) {
      const { workflow } = f;
      const day = dayOf(f.at);
      const byClass = (kind: RollupKind, riskClass: string) =>
        this.#doc({ kind, workflow, day, part: riskClass });
      const byPerson = (reviewer: string) => this.#doc({ kind: "reviewer", workflow, day, part: reviewer });
      const team = (riskClass: string) => byClass("team", riskClass);
      switch (f.kind) {
        case "submitted":
          byClass("submitted", f.riskClass).count("routes", [f.route], times);
          break;
        case "trigger":
          byClass("submitted", f.riskClass).count("triggers", [f.trigger], times);
          break;
        case "decision": {
          const doc = byPerson(f.reviewer);
          doc.count("verdicts", [f.riskClass, f.verdict, f.reasonCode], times);
          doc.resolution.add(f.ms, times);
          team(f.riskClass).count("verdicts", [f.riskClass, f.verdict, f.reasonCode], times);
          break;
        }
        case "resolved": {
          if (f.decidedBy === null) {
            byClass("submitted", f.riskClass).resolved(f.riskClass).add(f.ms, times);
            break;
          }
          // The deciding decision's own time moves from the person's other times to this sketch.
          const doc = byPerson(f.decidedBy);
          doc.resolved(f.riskClass).add(f.ms, times);
          doc.resolution.add(f.ms, -times);
          team(f.riskClass).resolved(f.riskClass).add(f.ms, times);
          break;
        }
        case "reported":
          byClass("reported", f.riskClass).count("reported", [f.approval, f.outcome, f.approvedBy], times);
          break;
        case "overlap":
          this.#doc({ kind: "overlap", workflow, day, part: f.reviewer }).count("items", [f.item], times);
          break;
      }
    }
    return this;
  }

  /** The documents that change, in key order; facts that cancel out change nothing. */
  changes(): { key: RollupKey; doc: RollupDoc }[] {
    return [...this.#docs]
      .filter(([, c]) => !c.doc.isEmpty)
      .sort(([a], [b]) => compareText(a, b))
      .map(([, c]) => c);
  }

  #doc(key: RollupKey): RollupDoc {
    const id = keyId(key);
    let entry = this.#docs.get(id);
    if (!entry) {
      entry = { key, doc: new RollupDoc() };
      this.#docs.set(id, entry);
    }
    return entry.doc;
  }
}
