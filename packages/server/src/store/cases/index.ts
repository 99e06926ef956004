import type { StoreEngine } from "../engine.js";
import { GroupCommit } from "../group-commit.js";
import { insertEvents, type NewEvent, rowToEvent } from "./events.js";
import { type HistoryQuery, subjectHistory } from "./history.js";
import { type CaseWrite, caseWriter, type InsertCaseExtra, type Inserted } from "./insert.js";
import {
  type CaseVersion,
  type CorrectionRecord,
  type CorrectionsQuery,
  latestDecision,
  recentCorrections,
  versionChain,
  withLastDecision,
} from "./revisions.js";
import { rowToCase, rowToDecision } from "./rows.js";
import type { CaseDetail, CaseRecord, DecisionRecord, HistoryEntry, NewCase } from "./types.js";

/**
 * Cases: what automations submit, with their decisions and their events. Owns the `cases`,
 * `decisions` and `events` tables' row mapping; the review, timer and oversight folders change cases
 * through their own queries but read and write rows with the mapping here.
 */
export interface CaseStore {
  /**
   * Stores a case with its events, and (for an auto-routed case) its policy decision and webhook, in one
   * transaction. When `idempotencyKey` is set and a case with the same (workflow, submittedBy,
   * idempotencyKey) exists, nothing is written and that case is returned with `created: false`.
   */
  insert(c: NewCase, extra: InsertCaseExtra): Promise<{ case: CaseRecord; created: boolean }>;
  get(id: string): Promise<CaseRecord | undefined>;
  /** The case with its decisions (oldest first) and events (in order). */
  detail(id: string): Promise<CaseDetail | undefined>;
  appendEvents(events: NewEvent[]): Promise<void>;
  /**
   * Up to `limit` other cases of `subject` created before `before`, newest first, in `workflows`
   * (all when undefined), each with its latest decision. Shadow cases are never part of it. With
   * `submittedBy`, only that key's cases (what an automation may see).
   */
  subjectHistory(args: HistoryQuery): Promise<HistoryEntry[]>;
  /** The chain of versions `c` belongs to (revisions, migration 020), first to last, with their decisions. */
  versions(c: CaseRecord): Promise<CaseVersion[]>;
  /** The case's latest decision not revoked, or null. */
  latestDecision(caseId: string): Promise<DecisionRecord | null>;
  /**
   * The case with its last decision, revoked or not (null when none), in one statement: what a decided
   * case's automation is answered with, read without the case's events (the long-poll's wake-up path).
   */
  withLastDecision(id: string): Promise<{ case: CaseRecord; decision: DecisionRecord | null } | undefined>;
  /** A workflow's most recent corrections by people, newest first (revisions.ts). */
  corrections(q: CorrectionsQuery): Promise<CorrectionRecord[]>;
}

export function caseStore(engine: StoreEngine): CaseStore {
  const { db } = engine;
  const insertCases = caseWriter(db);
  const insertAlone = (write: CaseWrite) =>
    db.transaction().execute(async (trx) => (await insertCases(trx, [write]))[0] as Inserted);
  // A batch is one transaction with one statement per table, whatever its size (insert.ts).
  const grouped = engine.groupCommit
    ? new GroupCommit<CaseWrite, Inserted>(
        (writes) => db.transaction().execute((trx) => insertCases(trx, writes)),
        insertAlone,
      )
    : undefined;

  const get = async (id: string) => {
    const row = await db.selectFrom("cases").selectAll().where("id", "=", id).executeTakeFirst();
    return row && rowToCase(row);
  };

  return {
    insert: (c, extra) => (grouped ? grouped.submit({ c, extra }) : insertAlone({ c, extra })),
    get,
    async detail(id) {
      const found = await get(id);
      if (!found) return undefined;
      const [decisions, events] = await Promise.all([
        db
          .selectFrom("decisions")
          .selectAll()
          .where("case_id", "=", id)
          .orderBy("decided_at")
          .orderBy("id")
          .execute(),
        db.selectFrom("events").selectAll().where("case_id", "=", id).orderBy("seq").execute(),
      ]);
      return { ...found, decisions: decisions.map(rowToDecision), events: events.map(rowToEvent) };
    },
    // One multi-row INSERT is atomic by itself; no transaction needed.
    appendEvents: (events) => insertEvents(db, events),
    subjectHistory: (args) => subjectHistory(db, args),
    versions: (c) => versionChain(db, c),
    latestDecision: (caseId) => latestDecision(db, caseId),
    withLastDecision: (id) => withLastDecision(db, id),
    corrections: (q) => recentCorrections(db, q),
  };
}
