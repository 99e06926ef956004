import { randomUUID } from "node:crypto";
import { Conflict, type GovernanceTallies, NotFound } from "@loopgate/core";
import { type Kysely, Migrator, type Selectable, type SelectQueryBuilder, type Transaction } from "kysely";
import * as alerts from "./alert-queries.js";
import * as audits from "./audit-queries.js";
import * as exportsQ from "./export-queries.js";
import * as gold from "./gold-queries.js";
import { GroupCommit } from "./group-commit.js";
import * as learning from "./learning-queries.js";
import * as metrics from "./metrics-queries.js";
import { migrationProvider } from "./migrations/index.js";
import * as outcomes from "./outcome-queries.js";
import * as oversight from "./oversight-queries.js";
import * as review from "./review-queries.js";
import { CLAIM_BATCH, laterThan, recordApproval, reviewable } from "./review-queries.js";
import {
  caseToRow,
  decisionToRow,
  eventToRow,
  keyToRow,
  outboxToRow,
  rowToCase,
  rowToDecision,
  rowToEvent,
  rowToKey,
  rowToOutbox,
} from "./rows.js";
import type { CasesTable, Database } from "./schema.js";
import * as simulation from "./simulation-queries.js";
import * as timers from "./timer-queries.js";
import type {
  ApiKeyRecord,
  BlindJudgment,
  CaseDetail,
  CaseRecord,
  Claimed,
  DecisionRecord,
  FlatStore,
  HistoryEntry,
  NewCase,
  NewEvent,
  NewOutboxMessage,
  OutboxMessage,
  QueueCount,
  ReviewerDay,
  SessionRecord,
  Store,
  TimerRecord,
  UserRecord,
} from "./types.js";
import { NO_TIMING } from "./types.js";
import * as users from "./users.js";
import * as workspace from "./workspace-queries.js";

/**
 * What one database engine contributes; everything else is the shared queries below. `sqlite.ts` and
 * `postgres.ts` each build one of these.
 */
export interface StoreEngine {
  readonly name: FlatStore["engine"];
  readonly db: Kysely<Database>;
  /** For `Store.describe()`: where the data lives, without credentials. */
  readonly description: string;
  /** The schema Kysely's own migration tables live in, when the engine has schemas. */
  readonly migrationTableSchema?: string;
  /**
   * Makes a "pick rows to take" select safe against concurrent takers in other transactions. It must
   * guarantee that no two open transactions can both return the same row.
   */
  /**
   * Commit concurrent case submissions together (see group-commit.ts). Worth it where the engine has a
   * single writer and pays one fsync per transaction (SQLite); PostgreSQL commits in parallel anyway.
   */
  readonly groupCommit?: boolean;
  lockForClaim<TB extends keyof Database, O>(
    query: SelectQueryBuilder<Database, TB, O>,
  ): SelectQueryBuilder<Database, TB, O>;
}

type Tx = Transaction<Database>;

/** The Store, written once in Kysely for every engine. */
export class SqlStore implements FlatStore {
  readonly engine: FlatStore["engine"];
  readonly #spec: StoreEngine;
  readonly #db: Kysely<Database>;
  readonly #groupCommit:
    | GroupCommit<{ c: NewCase; extra: InsertCaseExtra }, { case: CaseRecord; created: boolean }>
    | undefined;
  #closing: Promise<void> | undefined;

  constructor(spec: StoreEngine) {
    this.engine = spec.name;
    this.#spec = spec;
    this.#db = spec.db;
    if (spec.groupCommit) {
      this.#groupCommit = new GroupCommit(
        (items) =>
          this.#db.transaction().execute(async (trx) => {
            const results = [];
            for (const { c, extra } of items) results.push(await insertCaseIn(trx, c, extra));
            return results;
          }),
        ({ c, extra }) => this.#db.transaction().execute((trx) => insertCaseIn(trx, c, extra)),
      );
    }
  }

  describe(): string {
    return this.#spec.description;
  }

  async migrate(): Promise<void> {
    // Kysely's Migrator runs pending migrations under a lock (PostgreSQL: an advisory lock; SQLite: the
    // IMMEDIATE transaction, see sqlite.ts) and re-reads what ran once it holds it, so a second process
    // starting at the same moment waits and then finds nothing to do.
    const migrator = new Migrator({
      db: this.#db,
      provider: migrationProvider(this.engine),
      migrationTableSchema: this.#spec.migrationTableSchema,
    });
    for (let attempt = 1; ; attempt++) {
      const { error, results } = await migrator.migrateToLatest();
      if (!error) return;
      // Kysely's table introspection reads every schema; a schema another client drops at that moment
      // fails it with 3F000 (invalid_schema_name) though nothing of ours is wrong. Running again is safe.
      const transient = (error as { code?: unknown }).code === "3F000" && !results?.length;
      if (transient && attempt < 5) continue;
      const failed = results?.find((r) => r.status === "Error")?.migrationName;
      throw new Error(`database migration ${failed ?? ""} failed: ${String(error)}`, { cause: error });
    }
  }

  /** Idempotent: shutdown paths may close the same store twice. */
  close(): Promise<void> {
    this.#closing ??= this.#db.destroy();
    return this.#closing;
  }

  // --- keys

  async insertKey(key: ApiKeyRecord): Promise<void> {
    await this.#db.insertInto("api_keys").values(keyToRow(key)).execute();
  }

  async findKeyByTokenHash(tokenHash: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.#db
      .selectFrom("api_keys")
      .selectAll()
      .where("token_hash", "=", tokenHash)
      .executeTakeFirst();
    return row && rowToKey(row);
  }

  async getKey(id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.#db.selectFrom("api_keys").selectAll().where("id", "=", id).executeTakeFirst();
    return row && rowToKey(row);
  }

  async hasKeys(): Promise<boolean> {
    const row = await this.#db.selectFrom("api_keys").select("id").limit(1).executeTakeFirst();
    return row !== undefined;
  }

  // --- cases

  insertCase(c: NewCase, extra: InsertCaseExtra): Promise<{ case: CaseRecord; created: boolean }> {
    if (this.#groupCommit) return this.#groupCommit.submit({ c, extra });
    return this.#db.transaction().execute((trx) => insertCaseIn(trx, c, extra));
  }

  async getCase(id: string): Promise<CaseRecord | undefined> {
    const row = await this.#db.selectFrom("cases").selectAll().where("id", "=", id).executeTakeFirst();
    return row && rowToCase(row);
  }

  async getCaseDetail(id: string): Promise<CaseDetail | undefined> {
    const found = await this.getCase(id);
    if (!found) return undefined;
    const [decisions, events] = await Promise.all([
      this.#db
        .selectFrom("decisions")
        .selectAll()
        .where("case_id", "=", id)
        .orderBy("decided_at")
        .orderBy("id")
        .execute(),
      this.#db.selectFrom("events").selectAll().where("case_id", "=", id).orderBy("seq").execute(),
    ]);
    return { ...found, decisions: decisions.map(rowToDecision), events: events.map(rowToEvent) };
  }

  async claimNext(args: {
    reviewer: string;
    workflows?: string[];
    leaseMs: number;
    now: number;
    eligible?: (c: CaseRecord) => boolean;
    prioritized?: string[];
  }): Promise<Claimed | undefined> {
    const { reviewer, workflows, leaseMs, now, eligible } = args;
    if (workflows?.length === 0) return undefined;
    return this.#db.transaction().execute(async (trx) => {
      const waiting = () => {
        let q = reviewable(trx, reviewer).where((eb) =>
          eb.or([
            eb("status", "=", "queued"),
            eb.and([eb("status", "=", "claimed"), eb("lease_expires_at", "<=", now)]),
          ]),
        );
        if (workflows) q = q.where("workflow", "in", workflows);
        return q;
      };
      // Without `eligible` the first waiting case in order is the one. With it (authority rules,
      // evaluated in code), candidates are read unlocked in batches and each one that passes is then
      // locked alone, re-checking that it still waits: so the cases skipped stay free for concurrent claimers.
      const first = async (
        narrow: (q: ReturnType<typeof waiting>) => ReturnType<typeof waiting>,
        byPriority: boolean,
      ): Promise<Selectable<CasesTable> | undefined> => {
        const ordered = () => {
          const q = narrow(waiting());
          return (byPriority ? q.orderBy("priority", "desc") : q).orderBy("created_at").orderBy("id");
        };
        if (!eligible) return this.#spec.lockForClaim(ordered().limit(1)).executeTakeFirst();
        let after: Selectable<CasesTable> | undefined;
        for (;;) {
          let page = ordered().limit(CLAIM_BATCH);
          if (after) page = page.where(laterThan(after, byPriority));
          const rows = await page.execute();
          for (const candidate of rows) {
            if (!eligible(rowToCase(candidate))) continue;
            const row = await this.#spec
              .lockForClaim(waiting().where("id", "=", candidate.id))
              .executeTakeFirst();
            if (row) return row;
          }
          after = rows.at(-1);
          if (rows.length < CLAIM_BATCH || !after) return undefined;
        }
      };
      // Oldest first across workflows, so every workflow gets its turn; when the turn falls to an
      // active-learning workflow, its most uncertain waiting case goes instead of its oldest.
      let row = await first((q) => q, false);
      const turn = row?.workflow;
      if (turn !== undefined && args.prioritized?.includes(turn)) {
        row = (await first((q) => q.where("workflow", "=", turn), true)) ?? row;
      }
      if (!row) return undefined;

      // The row is ours until commit (lockForClaim), so the update needs no re-check of its state.
      const lease = { id: randomUUID(), expiresAt: now + leaseMs };
      const taken = {
        status: "claimed",
        lease_id: lease.id,
        lease_holder: reviewer,
        claimed_at: now,
        lease_expires_at: lease.expiresAt,
      } satisfies Partial<Selectable<CasesTable>>;
      await trx.updateTable("cases").set(taken).where("id", "=", row.id).execute();

      const events: NewEvent[] = [];
      if (row.status === "claimed") {
        events.push({
          type: "lease_expired",
          caseId: row.id,
          actor: "system",
          data: { leaseId: row.lease_id, holder: row.lease_holder, expiredAt: row.lease_expires_at },
          at: now,
        });
      }
      events.push({
        type: "claimed",
        caseId: row.id,
        actor: reviewer,
        data: { leaseId: lease.id, expiresAt: lease.expiresAt },
        at: now,
      });
      await insertEvents(trx, events);
      return { case: rowToCase({ ...row, ...taken }), lease };
    });
  }

  countHumanDecisions(args: { workflow: string; since: number }): Promise<number> {
    return review.countHumanDecisions(this.#db, args);
  }

  async recordDecision(args: {
    caseId: string;
    reviewer: string;
    decisionId: string;
    verdict: DecisionRecord["verdict"];
    output: unknown;
    reasonCode: string | null;
    note: string | null;
    outbox?: NewOutboxMessage;
    releaseAt?: number;
    now: number;
    pendingApprovals?: { count: number; needed: number };
  }): Promise<{ case: CaseRecord; decision: DecisionRecord }> {
    const { caseId, reviewer, now } = args;
    // Four-eyes, not the last approval needed: recorded, and the case goes back to the queue undecided.
    if (args.pendingApprovals) return this.#db.transaction().execute((trx) => recordApproval(trx, args));
    return this.#db.transaction().execute(async (trx) => {
      const held = await takeBackLease(trx, caseId, reviewer, now, { status: "decided", decided_at: now });
      const decision = decisionFromLease(args, held.claimedAt);
      await trx.insertInto("decisions").values(decisionToRow(caseId, decision)).execute();
      await insertEvents(trx, [
        {
          type: "decided",
          caseId,
          actor: reviewer,
          data: decisionEventData(decision),
          at: now,
        },
      ]);
      if (args.outbox) await trx.insertInto("outbox").values(outboxToRow(args.outbox)).execute();
      if (args.releaseAt !== undefined) {
        // Held (release.delaySeconds): the release timer writes `decision_released` when the window ends.
        await trx.updateTable("cases").set({ release_at: args.releaseAt }).where("id", "=", caseId).execute();
        const timer = { id: `tmr_${randomUUID()}`, caseId, kind: "release" as const, dueAt: args.releaseAt };
        await timers.insertTimers(trx, [timer], now);
      }
      return { case: rowToCase(await selectCase(trx, caseId)), decision };
    });
  }

  async releaseCase(args: { caseId: string; reviewer: string; now: number }): Promise<void> {
    const { caseId, reviewer, now } = args;
    await this.#db.transaction().execute(async (trx) => {
      const held = await takeBackLease(trx, caseId, reviewer, now, { status: "queued" });
      await insertEvents(trx, [
        { type: "released", caseId, actor: reviewer, data: { leaseId: held.leaseId }, at: now },
      ]);
    });
  }

  async appendEvents(events: NewEvent[]): Promise<void> {
    // One multi-row INSERT is atomic by itself; no transaction needed.
    await insertEvents(this.#db, events);
  }

  // --- release delay, revert and SLA timers (queries in timer-queries.ts)

  claimTimers(args: { now: number; limit: number; leaseMs: number }): Promise<TimerRecord[]> {
    return timers.claimTimers(this.#db, this.#spec.lockForClaim, args);
  }

  fireTimer(args: Parameters<FlatStore["fireTimer"]>[0]): Promise<{ fired: boolean; case?: CaseRecord }> {
    return timers.fireTimer(this.#db, timers.rowLock(this.engine), args);
  }

  revokeDecision(args: Parameters<FlatStore["revokeDecision"]>[0]): Promise<CaseRecord> {
    return timers.revokeDecision(this.#db, timers.rowLock(this.engine), args);
  }

  revertDecision(args: Parameters<FlatStore["revertDecision"]>[0]): Promise<CaseRecord> {
    return timers.revertDecision(this.#db, timers.rowLock(this.engine), args);
  }

  assignCase(args: Parameters<FlatStore["assignCase"]>[0]): Promise<CaseRecord> {
    return this.#db.transaction().execute((trx) => review.assignCase(trx, args));
  }

  // --- webhook outbox

  async claimOutbox(args: { now: number; limit: number; leaseMs: number }): Promise<OutboxMessage[]> {
    const { now, limit, leaseMs } = args;
    return this.#db.transaction().execute(async (trx) => {
      const due = trx
        .selectFrom("outbox")
        .selectAll()
        .where("delivered_at", "is", null)
        .where("next_attempt_at", "<=", now)
        .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now)]))
        .orderBy("next_attempt_at")
        .orderBy("id")
        .limit(limit);
      const rows = await this.#spec.lockForClaim(due).execute();
      if (rows.length === 0) return [];
      await trx
        .updateTable("outbox")
        .set({ lease_until: now + leaseMs })
        .where(
          "id",
          "in",
          rows.map((r) => r.id),
        )
        .execute();
      return rows.map(rowToOutbox);
    });
  }

  async markOutboxDelivered(id: string, event: NewEvent): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable("outbox")
        .set((eb) => ({
          attempts: eb("attempts", "+", 1),
          delivered_at: event.at,
          next_attempt_at: null,
          lease_until: null,
        }))
        .where("id", "=", id)
        .executeTakeFirst();
      if (updated.numUpdatedRows === 0n) throw new NotFound(`outbox message ${id} not found`);
      await insertEvents(trx, [event]);
    });
  }

  async markOutboxFailed(id: string, nextAttemptAt: number | null, event: NewEvent): Promise<void> {
    const error = event.data.error;
    await this.#db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable("outbox")
        .set((eb) => ({
          attempts: eb("attempts", "+", 1),
          next_attempt_at: nextAttemptAt,
          lease_until: null,
          last_error: typeof error === "string" ? error : null,
        }))
        .where("id", "=", id)
        .executeTakeFirst();
      if (updated.numUpdatedRows === 0n) throw new NotFound(`outbox message ${id} not found`);
      await insertEvents(trx, [event]);
    });
  }

  // --- users and sessions (queries in users.ts)

  insertUser(user: UserRecord): Promise<void> {
    return users.insertUser(this.#db, user);
  }

  findUserByUsername(username: string): Promise<UserRecord | undefined> {
    return users.findUserByUsername(this.#db, username);
  }

  getUser(id: string): Promise<UserRecord | undefined> {
    return users.getUser(this.#db, id);
  }

  insertSession(session: SessionRecord): Promise<void> {
    return users.insertSession(this.#db, session);
  }

  findSession(idHash: string, now: number): Promise<SessionRecord | undefined> {
    return users.findSession(this.#db, idHash, now);
  }

  deleteSession(idHash: string): Promise<void> {
    return users.deleteSession(this.#db, idHash);
  }

  deleteExpiredSessions(now: number): Promise<number> {
    return users.deleteExpiredSessions(this.#db, now);
  }

  getOrCreateSecret(name: string): Promise<string> {
    return users.getOrCreateSecret(this.#db, name);
  }

  // --- workspace (queries in workspace-queries.ts)

  queueCounts(args: { workflows?: string[]; now: number }): Promise<QueueCount[]> {
    return workspace.queueCounts(this.#db, args);
  }

  reviewerDay(args: { reviewer: string; from: number; to: number; now: number }): Promise<ReviewerDay> {
    return workspace.reviewerDay(this.#db, args);
  }

  subjectHistory(args: Parameters<FlatStore["subjectHistory"]>[0]): Promise<HistoryEntry[]> {
    return workspace.subjectHistory(this.#db, args);
  }

  recordBlindJudgment(args: Parameters<FlatStore["recordBlindJudgment"]>[0]): Promise<BlindJudgment> {
    return this.#db.transaction().execute((trx) => workspace.recordBlindJudgment(trx, args));
  }

  async findBlindJudgment(caseId: string, leaseId: string): Promise<BlindJudgment | undefined> {
    return (await workspace.blindJudgments(this.#db, caseId)).find((j) => j.leaseId === leaseId);
  }

  // --- metrics (queries in metrics-queries.ts)

  governanceTallies(args: Parameters<FlatStore["governanceTallies"]>[0]): Promise<GovernanceTallies> {
    return metrics.governanceTallies(this.#db, args);
  }

  countedEventsAfter(afterSeq: number, limit: number): Promise<metrics.CountedEvent[]> {
    return metrics.countedEventsAfter(this.#db, afterSeq, limit);
  }

  // --- outcomes (queries in outcome-queries.ts)

  insertOutcome(outcome: outcomes.NewOutcome): Promise<outcomes.OutcomeRecord> {
    return outcomes.insertOutcome(this.#db, outcome);
  }

  // --- audits (queries in audit-queries.ts)

  auditCandidates(args: {
    workflow: string;
    since: number;
    until: number;
  }): Promise<audits.AuditCandidate[]> {
    return audits.auditCandidates(this.#db, args);
  }

  insertAuditDraw(draw: audits.NewAuditDraw): Promise<void> {
    return audits.insertAuditDraw(this.#db, draw);
  }

  listAudits(args: {
    workflows?: string[];
    status?: "open" | "done";
    ids?: string[];
  }): Promise<audits.AuditView[]> {
    return audits.listAudits(this.#db, args);
  }

  recordAuditVerdict(args: Parameters<typeof audits.recordAuditVerdict>[1]): Promise<boolean> {
    return audits.recordAuditVerdict(this.#db, args);
  }

  // --- oversight alerts (alert-queries.ts)

  reviewDecisions(args: alerts.ReviewDecisionWindow): ReturnType<FlatStore["reviewDecisions"]> {
    return alerts.reviewDecisions(this.#db, args);
  }

  insertAlerts(items: alerts.NewAlert[]): Promise<alerts.AlertRecord[]> {
    return alerts.insertAlerts(this.#db, items);
  }

  listAlerts(args: Parameters<FlatStore["listAlerts"]>[0]): Promise<alerts.AlertRecord[]> {
    return alerts.listAlerts(this.#db, args);
  }

  openAlert(
    kind: string,
    workflow: string,
    reviewer: string | null,
  ): Promise<alerts.AlertRecord | undefined> {
    return alerts.openAlert(this.#db, kind, workflow, reviewer);
  }

  acknowledgeAlert(args: Parameters<FlatStore["acknowledgeAlert"]>[0]): Promise<boolean> {
    return alerts.acknowledgeAlert(this.#db, args);
  }

  // --- gold sets and shadow cases (gold-queries.ts, oversight-queries.ts)

  insertGoldCases(items: gold.NewGoldCase[]): Promise<void> {
    return gold.insertGoldCases(this.#db, items);
  }

  listGoldCases(args: Parameters<FlatStore["listGoldCases"]>[0]): Promise<gold.GoldCase[]> {
    return gold.listGoldCases(this.#db, args);
  }

  disableGoldCase(args: Parameters<FlatStore["disableGoldCase"]>[0]): Promise<boolean> {
    return gold.disableGoldCase(this.#db, args);
  }

  catchTrialResults(args: oversight.OversightWindow): Promise<oversight.CatchTrialResult[]> {
    return oversight.catchTrialResults(this.#db, args);
  }

  overlapRatings(args: oversight.OversightWindow): Promise<oversight.OverlapRating[]> {
    return oversight.overlapRatings(this.#db, args);
  }

  exportDecisions(
    ...args: Parameters<FlatStore["exportDecisions"]>
  ): ReturnType<FlatStore["exportDecisions"]> {
    return exportsQ.exportDecisions(this.#db, ...args);
  }

  // --- policy simulation and shadow mode (simulation-queries.ts)

  historicalCases(args: simulation.SimulationWindow): ReturnType<FlatStore["historicalCases"]> {
    return simulation.historicalCases(this.#db, args);
  }

  shadowPairs(args: simulation.SimulationWindow): ReturnType<FlatStore["shadowPairs"]> {
    return simulation.shadowPairs(this.#db, args);
  }

  // --- learning loop (learning-queries.ts)

  calibrationItems(args: Parameters<FlatStore["calibrationItems"]>[0]): Promise<learning.CalibrationRow[]> {
    return learning.calibrationItems(this.#db, args);
  }

  decisionSupportRows(args: learning.LearningWindow): Promise<learning.DecisionSupportRow[]> {
    return learning.decisionSupportRows(this.#db, args);
  }
}

export async function insertEvents(db: Kysely<Database>, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.insertInto("events").values(events.map(eventToRow)).execute();
}

export async function selectCase(trx: Tx, id: string): Promise<Selectable<CasesTable>> {
  return trx.selectFrom("cases").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

/**
 * Ends `reviewer`'s live lease on a case, moving it to `next`. The update only matches while that exact
 * lease is still live, so two concurrent decisions (or a decision racing a take-over) cannot both win:
 * the loser updates nothing and gets Conflict.
 */
/** What a `decided` or `approved` event says of the decision behind it. */
export function decisionEventData(d: DecisionRecord): Record<string, unknown> {
  return { decisionId: d.id, verdict: d.verdict, reasonCode: d.reasonCode, heldMs: d.heldMs };
}

/** The decision a lease holder records: held from the claim to `now`, the moment it is written. */
export function decisionFromLease(
  args: {
    caseId: string;
    reviewer: string;
    decisionId: string;
    verdict: DecisionRecord["verdict"];
    output: unknown;
    reasonCode: string | null;
    note: string | null;
    now: number;
  },
  claimedAt: number,
): DecisionRecord {
  return {
    id: args.decisionId,
    caseId: args.caseId,
    decidedBy: args.reviewer,
    verdict: args.verdict,
    output: args.output,
    reasonCode: args.reasonCode,
    note: args.note,
    claimedAt,
    decidedAt: args.now,
    heldMs: args.now - claimedAt,
  };
}

export async function takeBackLease(
  trx: Tx,
  caseId: string,
  reviewer: string,
  now: number,
  next: { status: "decided" | "queued"; decided_at?: number },
): Promise<{ leaseId: string; claimedAt: number }> {
  const row = await trx.selectFrom("cases").selectAll().where("id", "=", caseId).executeTakeFirst();
  if (!row) throw new NotFound(`case ${caseId} not found`);
  if (row.status === "decided") throw new Conflict(`case ${caseId} is already decided`);
  if (row.lease_id === null || row.claimed_at === null || row.lease_expires_at === null) {
    throw new Conflict(`case ${caseId} is not claimed: claim it before deciding or releasing`);
  }
  if (row.lease_holder !== reviewer) throw new Conflict(`case ${caseId} is held by another reviewer`);
  if (row.lease_expires_at <= now) {
    throw new Conflict(`your lease on case ${caseId} expired; claim it again`);
  }
  const updated = await trx
    .updateTable("cases")
    // An assignment (review-queries.ts) lasts until the assignee decides or gives the case back.
    .set({
      ...next,
      lease_id: null,
      lease_holder: null,
      claimed_at: null,
      lease_expires_at: null,
      assigned_to: null,
    })
    .where("id", "=", caseId)
    .where("lease_id", "=", row.lease_id)
    .where("lease_expires_at", ">", now)
    .executeTakeFirst();
  if (updated.numUpdatedRows === 0n) throw new Conflict(`case ${caseId} changed hands while deciding`);
  return { leaseId: row.lease_id, claimedAt: row.claimed_at };
}

type InsertCaseExtra = Parameters<FlatStore["insertCase"]>[1];

async function insertCaseIn(
  trx: Tx,
  c: NewCase,
  extra: InsertCaseExtra,
): Promise<{ case: CaseRecord; created: boolean }> {
  // A concurrent identical submit blocks on the unique index until the first commits, then inserts
  // nothing; the read below sees the winner (each statement reads the latest committed rows).
  const inserted = await trx
    .insertInto("cases")
    .values({
      ...caseToRow(c, extra.decision?.decidedAt ?? null),
      sla_due_at: extra.slaDueAt ?? null,
      release_at: extra.releaseAt ?? null,
    })
    .onConflict((oc) =>
      oc.columns(["workflow", "idempotency_key"]).where("idempotency_key", "is not", null).doNothing(),
    )
    .executeTakeFirst();
  if (inserted.numInsertedOrUpdatedRows === 0n) {
    const existing = await trx
      .selectFrom("cases")
      .selectAll()
      .where("workflow", "=", c.workflow)
      .where("idempotency_key", "=", c.idempotencyKey)
      .executeTakeFirstOrThrow();
    return { case: rowToCase(existing), created: false };
  }
  await insertEvents(trx, extra.events);
  if (extra.decision) await trx.insertInto("decisions").values(decisionToRow(c.id, extra.decision)).execute();
  if (extra.outbox) await trx.insertInto("outbox").values(outboxToRow(extra.outbox)).execute();
  await timers.insertTimers(trx, extra.timers ?? [], c.createdAt);
  for (const shadow of extra.shadows ?? []) {
    await trx
      .insertInto("cases")
      .values({ ...caseToRow(shadow.case, null), sla_due_at: shadow.slaDueAt ?? null })
      .execute();
    await insertEvents(trx, shadow.events);
    await timers.insertTimers(trx, shadow.timers, shadow.case.createdAt);
  }
  // What was just written, without reading it back.
  const decidedAt = extra.decision?.decidedAt ?? null;
  const timing = { ...NO_TIMING, slaDueAt: extra.slaDueAt ?? null, releaseAt: extra.releaseAt ?? null };
  return {
    case: {
      ...c,
      decidedAt,
      lease: null,
      assignedTo: null,
      ...timing,
      goldId: c.goldId ?? null,
      overlapOf: c.overlapOf ?? null,
      priority: c.priority ?? 0,
    },
    created: true,
  };
}

/** Temporary: the namespaced view of SqlStore. */
export function namespaced(s: SqlStore): Store {
  const b = <K extends keyof SqlStore>(k: K) => (s[k] as (...a: unknown[]) => unknown).bind(s) as never;
  return {
    engine: s.engine,
    describe: b("describe"),
    migrate: b("migrate"),
    close: b("close"),
    cases: {
      insert: b("insertCase"),
      get: b("getCase"),
      detail: b("getCaseDetail"),
      appendEvents: b("appendEvents"),
      subjectHistory: b("subjectHistory"),
    },
    review: {
      claimNext: b("claimNext"),
      recordDecision: b("recordDecision"),
      release: b("releaseCase"),
      assign: b("assignCase"),
      recordBlindJudgment: b("recordBlindJudgment"),
      findBlindJudgment: b("findBlindJudgment"),
      queueCounts: b("queueCounts"),
      reviewerDay: b("reviewerDay"),
      revoke: b("revokeDecision"),
      revert: b("revertDecision"),
    },
    timers: { claim: b("claimTimers"), fire: b("fireTimer") },
    outbox: {
      claim: b("claimOutbox"),
      markDelivered: b("markOutboxDelivered"),
      markFailed: b("markOutboxFailed"),
    },
    identity: Object.fromEntries(
      (
        [
          "insertKey",
          "findKeyByTokenHash",
          "getKey",
          "hasKeys",
          "insertUser",
          "findUserByUsername",
          "getUser",
          "insertSession",
          "findSession",
          "deleteSession",
          "deleteExpiredSessions",
          "getOrCreateSecret",
        ] as const
      ).map((k) => [k, b(k)]),
    ) as never,
    oversight: Object.fromEntries(
      (
        [
          "insertOutcome",
          "auditCandidates",
          "insertAuditDraw",
          "listAudits",
          "recordAuditVerdict",
          "reviewDecisions",
          "insertAlerts",
          "listAlerts",
          "openAlert",
          "acknowledgeAlert",
          "insertGoldCases",
          "listGoldCases",
          "disableGoldCase",
          "catchTrialResults",
          "overlapRatings",
        ] as const
      ).map((k) => [k, b(k)]),
    ) as never,
    learning: Object.fromEntries(
      (
        [
          "historicalCases",
          "shadowPairs",
          "exportDecisions",
          "calibrationItems",
          "decisionSupportRows",
          "countHumanDecisions",
        ] as const
      ).map((k) => [k, b(k)]),
    ) as never,
    metrics: Object.fromEntries(
      (["governanceTallies", "countedEventsAfter"] as const).map((k) => [k, b(k)]),
    ) as never,
  };
}
